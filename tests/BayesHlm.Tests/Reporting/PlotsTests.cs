using System.Xml.Linq;
using BayesHlm.Comparison;
using BayesHlm.Model;
using BayesHlm.Reporting;
using BayesHlm.Sampling;
using BayesHlm.Tests.Cli;
using BayesHlm.Tests.Reference;
using SkiaSharp;

namespace BayesHlm.Tests.Reporting;

/// <summary>Every plot renders for an HSB run, as images of the expected size with real content (pixels checked, not
/// just files): PNG decoded and measured, SVG parsed.</summary>
public class PlotsTests
{
    internal static (FinishedRun Run, ComparisonTable Table) HsbRun(TestFolder folder)
    {
        string dir = folder.PathOf("run");
        var spec = ModelSpec.FromFormula("mathach ~ meanses * center(ses, school) + (1 + center(ses, school) | school)");
        var priors = PriorSpec.FromJson("""{"group:school":{"dist":"inv_wishart","df":3,"scale":[[1,0],[0,1]]}}""");
        BayesianRun.Execute(new RunRequest(RepositoryPaths.Data("hsb.csv"), spec, priors,
            new SamplerOptions { Chains = 2, Iterations = 500, Warmup = 250, Seed = 3 }), dir);
        var run = FinishedRun.Load(dir);
        return (run, Compare.Posterior(run));
    }

    [Fact]
    public void EveryPlot_RendersAsANonBlankPngOfTheExpectedSize()
    {
        using var folder = new TestFolder();
        var (run, table) = HsbRun(folder);
        var files = Plots.WriteAll(run.Draws, table, Path.Combine(run.Directory, "plots"));
        var kinds = files.Select(f => Path.GetFileNameWithoutExtension(f).Split('_')[0]).Distinct().ToList();
        foreach (var kind in new[] { "trace", "density", "rank", "autocorrelation", "pairs", "caterpillar", "shrinkage", "group" })
            Assert.Contains(kind, kinds);
        foreach (var file in files)
        {
            using var bitmap = SKBitmap.Decode(file);
            Assert.True(bitmap is not null, $"{file} is not a PNG");
            // Panels are 420×300 (three across), 1000×300 for the caterpillar, 600×300 for the shrinkage plot; a page with
            // a legend has its 30-pixel strip above the panels.
            Assert.True(bitmap.Width % 420 == 0 || bitmap.Width == 1000 || bitmap.Width % 600 == 0, $"{file}: width {bitmap.Width}");
            Assert.True((bitmap.Height % 300 == 0 || bitmap.Height % 300 == 30) && bitmap.Height >= 300, $"{file}: height {bitmap.Height}");
            int dark = 0, coloured = 0, total = 0;
            for (int y = 0; y < bitmap.Height; y += 3)
                for (int x = 0; x < bitmap.Width; x += 3)
                {
                    var c = bitmap.GetPixel(x, y);
                    total++;
                    if (c.Red + c.Green + c.Blue < 300) dark++;
                    if (Math.Max(c.Red, Math.Max(c.Green, c.Blue)) - Math.Min(c.Red, Math.Min(c.Green, c.Blue)) > 60) coloured++;
                }
            // Text, axes and data: a real plot has ink; a blank or all-black image does not pass.
            Assert.InRange(dark / (double)total, 0.005, 0.6);
            if (!file.Contains("pairs") && !file.Contains("group")) Assert.True(coloured > 20, $"{file}: no coloured data drawn ({coloured} pixels)");
        }
    }

    [Fact]
    public void Svg_IsWellFormedWithDrawnPaths_AndPagesKeepPanelsReadable()
    {
        using var folder = new TestFolder();
        var (run, table) = HsbRun(folder);
        var files = Plots.WriteAll(run.Draws, table, Path.Combine(run.Directory, "svg"), PlotFormat.Svg);
        foreach (var file in files)
        {
            var svg = XDocument.Load(file);
            Assert.Equal("svg", svg.Root!.Name.LocalName);
            Assert.True(svg.Descendants().Count(e => e.Name.LocalName is "path" or "polyline" or "line" or "rect") > 10, file);
            Assert.Contains("text", svg.Descendants().Select(e => e.Name.LocalName));
        }
        // At most 9 panels a page: many parameters make several pages, not one crammed image.
        int pages = (run.Draws.ParameterCount + 8) / 9;
        Assert.Equal(pages, files.Count(f => Path.GetFileName(f).StartsWith("trace", StringComparison.Ordinal)));
        var many = new BayesHlm.Diagnostics.DrawSet(Enumerable.Range(0, 20).Select(i => $"p{i}").ToList(), 2, 50,
            Enumerable.Range(0, 20).Select(i => Enumerable.Range(0, 100).Select(j => Math.Sin(i + j * 0.3)).ToArray()).ToArray());
        var manyFiles = Plots.WriteAll(many, new ComparisonTable([], [], []), Path.Combine(run.Directory, "many"));
        Assert.Equal(3, manyFiles.Count(f => Path.GetFileName(f).StartsWith("trace_", StringComparison.Ordinal)));
    }
}
