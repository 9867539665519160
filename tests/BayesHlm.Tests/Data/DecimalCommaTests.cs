using System.Globalization;
using BayesHlm.Tests.Cli;

namespace BayesHlm.Tests.Data;

/// <summary>A file written with decimal commas (3,14) and ';' between fields fits as the same data written with points;
/// a run records the setting; with ',' between fields the option is refused, since the commas would be ambiguous.</summary>
public class DecimalCommaTests
{
    [Fact]
    public void DecimalCommas_ReadAsTheSameNumbers()
    {
        using var folder = new TestFolder();
        var rng = new Random(8);
        var rows = Enumerable.Range(0, 60).Select(i => (G: i % 6, X: Math.Round(rng.NextDouble() * 10, 3), Y: Math.Round(rng.NextDouble() * 5 + i % 6, 3))).ToList();
        string points = folder.Write("points.csv", "g,x,y\n" + string.Join("\n", rows.Select(r => string.Create(CultureInfo.InvariantCulture, $"{r.G},{r.X},{r.Y}"))) + "\n");
        string commas = folder.Write("commas.csv", "g;x;y\n" + string.Join("\n", rows.Select(r => string.Create(CultureInfo.InvariantCulture, $"{r.G};{r.X};{r.Y}").Replace('.', ','))) + "\n");
        var expected = CliRunner.Run("reml", "--data", points, "--formula", "y ~ x + (1 | g)");
        var read = CliRunner.Run("reml", "--data", commas, "--formula", "y ~ x + (1 | g)", "--decimal-comma");
        Assert.True(read.ExitCode == 0, read.ToString());
        string Table(string output) => output[output.IndexOf("Fixed effects", StringComparison.Ordinal)..];
        Assert.Equal(Table(expected.StdOut), Table(read.StdOut));

        var sample = CliRunner.Run("sample", "--data", commas, "--formula", "y ~ x + (1 | g)", "--decimal-comma", "--iter", "300", "--warmup", "150", "--quiet", "--out", folder.PathOf("run"));
        Assert.True(sample.ExitCode == 0, sample.ToString());
        Assert.True(BayesHlm.Reporting.FinishedRun.Load(folder.PathOf("run")).Manifest.Data.DecimalComma);

        var ambiguous = CliRunner.Run("reml", "--data", points, "--formula", "y ~ x + (1 | g)", "--decimal-comma");
        Assert.Equal(2, ambiguous.ExitCode);
        Assert.Contains("separated by ';' or a tab", ambiguous.StdErr);
    }
}
