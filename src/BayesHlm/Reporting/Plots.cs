using BayesHlm.Comparison;
using BayesHlm.Diagnostics;
using ScottPlot;
using SkiaSharp;

namespace BayesHlm.Reporting;

/// <summary>Image formats a plot is written in.</summary>
public enum PlotFormat
{
    /// <summary>Raster images (the default).</summary>
    Png,
    /// <summary>Vector images, which scale without loss.</summary>
    Svg,
}

/// <summary>
/// The pictures of a run (ScottPlot), each a grid of panels paged so a page stays readable at 100%: trace, density
/// (with the REML estimate and interval), rank histograms per chain, autocorrelation, pairs of the variance
/// parameters, caterpillar and shrinkage plots of the group coefficients, and their histograms. Chains are told apart
/// by a colour-blind-safe palette (Okabe–Ito); axis labels carry the parameter names as the user wrote them.
/// </summary>
public static class Plots
{
    private const int PanelWidth = 420, PanelHeight = 300, Columns = 3, RowsPerPage = 3;
    private static readonly IPalette Palette = new ScottPlot.Palettes.ColorblindFriendly();
    // Replicated data in the predictive checks: Okabe–Ito's sky blue, against the data in black.
    private static readonly Color Replicated = Palette.GetColor(2);

    /// <summary>Writes every plot of the run into <paramref name="directory"/>; returns the files written.</summary>
    public static IReadOnlyList<string> WriteAll(DrawSet draws, ComparisonTable comparison, string directory, PlotFormat format = PlotFormat.Png)
    {
        ArgumentNullException.ThrowIfNull(draws);
        ArgumentNullException.ThrowIfNull(comparison);
        Directory.CreateDirectory(directory);
        var files = new List<string>();
        var main = comparison.Parameters.Select(p => p.Parameter).Where(draws.Names.Contains).ToList();
        var extra = draws.Names.Where(n => !main.Contains(n) && !n.StartsWith("u[", StringComparison.Ordinal)).ToList();
        var parameters = main.Concat(extra).ToList();
        files.AddRange(Paged(directory, "trace", format, parameters, (plot, name) => Trace(plot, draws, name)));
        files.AddRange(Paged(directory, "density", format, parameters, (plot, name) => Density(plot, draws, name, comparison.Parameters.FirstOrDefault(p => p.Parameter == name))));
        files.AddRange(Paged(directory, "rank", format, parameters, (plot, name) => Ranks(plot, draws, name)));
        files.AddRange(Paged(directory, "autocorrelation", format, parameters, (plot, name) => Autocorrelation(plot, draws, name)));
        var variances = parameters.Where(n => n == Statistics.ParameterNames.ResidualVariance || n.StartsWith("tau2[", StringComparison.Ordinal) || n.StartsWith("cov[", StringComparison.Ordinal)).ToList();
        var pairs = new List<(string, string)>();
        for (int i = 0; i < variances.Count; i++) for (int j = i + 1; j < variances.Count; j++) pairs.Add((variances[i], variances[j]));
        files.AddRange(Paged(directory, "pairs", format, pairs, (plot, pair) => Pair(plot, draws, pair.Item1, pair.Item2)));
        var coefficients = comparison.Groups.GroupBy(g => (g.Level, g.Term)).Select(g => g.ToList()).ToList();
        files.AddRange(Paged(directory, "caterpillar", format, coefficients, Caterpillar, columns: 1, rows: 2, panelWidth: 1000));
        files.AddRange(Paged(directory, "shrinkage", format, coefficients, Shrinkage, columns: 2, rows: 2, panelWidth: 600));
        files.AddRange(Paged(directory, "group_histogram", format, coefficients, GroupHistogram, columns: 2, rows: 2));
        return files;
    }

    /// <summary>Writes the pictures of a posterior predictive check into <paramref name="directory"/> (bayesplot's
    /// ppc_dens_overlay, ppc_stat and ppc_stat_grouped): y's density among replicated data sets' (a linear outcome) or
    /// each value's share among the replicated shares (counts), each statistic's replicated histogram against its
    /// observed value, and each group's observed mean against its replicated interval. Returns the files written.</summary>
    public static IReadOnlyList<string> WriteChecks(ModelChecks.PredictiveCheckResult check, string directory, PlotFormat format = PlotFormat.Png)
    {
        ArgumentNullException.ThrowIfNull(check);
        Directory.CreateDirectory(directory);
        var files = new List<string>();
        bool discrete = check.Observed.All(v => v == Math.Floor(v) && v >= 0) && check.Observed.Max() <= 40;
        string prefix = check.NewGroups && !check.Prior ? "ppc_new_groups" : "ppc";
        files.AddRange(Paged(directory, $"{prefix}_density", format, [check], discrete ? ValueShares : DensityOverlay, columns: 1, rows: 1, panelWidth: 700, panelHeight: 420));
        files.AddRange(Paged(directory, $"{prefix}_statistics", format, check.Statistics, StatisticHistogram));
        if (check.GroupMeans is { } groups)
            files.AddRange(Paged(directory, $"{prefix}_group_means", format, [groups], GroupMeans, columns: 1, rows: 1, panelWidth: 1000, panelHeight: 420));
        return files;
    }

    private static void DensityOverlay(Plot plot, ModelChecks.PredictiveCheckResult check)
    {
        double lo = Math.Min(check.Observed.Min(), check.Sample.Min(s => s.Min())), hi = Math.Max(check.Observed.Max(), check.Sample.Max(s => s.Max()));
        for (int i = 0; i < check.Sample.Count; i++)
        {
            var (x, y) = Kde(check.Sample[i], lo, hi);
            var line = plot.Add.ScatterLine(x, y, Replicated.WithAlpha(0.25));
            line.LineWidth = 1;
            if (i == 0) line.LegendText = "y_rep";
        }
        var (ox, oy) = Kde(check.Observed, lo, hi);
        var observed = plot.Add.ScatterLine(ox, oy, Colors.Black);
        observed.LineWidth = 2.5f;
        observed.LegendText = "y";
        Labels(plot, $"y against {check.Sample.Count} replicated data sets", "y", "density");
    }

    private static void ValueShares(Plot plot, ModelChecks.PredictiveCheckResult check)
    {
        int max = (int)Math.Max(check.Observed.Max(), check.Sample.Max(s => s.Max()));
        max = Math.Min(max, 40);
        var values = Enumerable.Range(0, max + 1).Select(v => (double)v).ToArray();
        double[] Shares(double[] y) => values.Select(v => y.Count(x => x == v) / (double)y.Length).ToArray();
        var replicated = check.Sample.Select(Shares).ToArray();
        var mean = values.Select((_, v) => replicated.Average(r => r[v])).ToArray();
        var upper = values.Select((_, v) => QuantileOf(replicated.Select(r => r[v]).ToArray(), 0.95)).ToArray();
        var bars = plot.Add.Bars(values, Shares(check.Observed));
        bars.Color = Colors.Gray.WithAlpha(0.5);
        bars.LegendText = "y";
        var errors = plot.Add.ErrorBar(values, mean, mean.Select((m, v) => upper[v] - m).ToArray());
        errors.Color = Replicated;
        var markers = plot.Add.Markers(values, mean, MarkerShape.FilledCircle, 5, Replicated);
        markers.LegendText = "y_rep (mean, to its 95th percentile)";
        Labels(plot, $"Share of each value: y against {check.Sample.Count} replicated data sets", "y", "share of rows");
    }

    private static void StatisticHistogram(Plot plot, ModelChecks.PredictiveStatistic statistic)
    {
        var finite = statistic.Replicated.Where(double.IsFinite).ToArray();
        double lo = Math.Min(finite.DefaultIfEmpty(statistic.Observed).Min(), statistic.Observed), hi = Math.Max(finite.DefaultIfEmpty(statistic.Observed).Max(), statistic.Observed);
        if (finite.Length > 0 && finite.Max() > finite.Min())
        {
            const int binCount = 30;
            double min = finite.Min(), width = (finite.Max() - min) / binCount;
            var counts = new double[binCount];
            foreach (double v in finite) counts[Math.Min((int)((v - min) / width), binCount - 1)]++;
            var bars = plot.Add.Bars(Enumerable.Range(0, binCount).Select(b => min + (b + 0.5) * width).ToArray(), counts);
            bars.Color = Replicated.WithAlpha(0.7);
            foreach (var bar in bars.Bars) { bar.Size = width; bar.LineWidth = 0; }
            bars.LegendText = "T(y_rep)";
        }
        var line = plot.Add.VerticalLine(statistic.Observed, 2.5f, Colors.Black);
        line.LegendText = "T(y)";
        Labels(plot, $"{statistic.Name} (p = {statistic.PValue.ToString("F3", System.Globalization.CultureInfo.InvariantCulture)})", statistic.Name, "replicated data sets");
        // The observed value may lie far outside the replications (that is the finding): keep it in view.
        double pad = 0.05 * Math.Max(hi - lo, 1e-12 * (Math.Abs(lo) + 1));
        plot.Axes.SetLimitsX(lo - pad, hi + pad);
    }

    private static void GroupMeans(Plot plot, ModelChecks.GroupedCheck check)
    {
        int groups = check.Groups.Count, draws = check.Replicated.Length / Math.Max(groups, 1);
        var order = Enumerable.Range(0, groups).Where(g => double.IsFinite(check.Observed[g])).OrderBy(g => check.Observed[g]).ToArray();
        var xs = Enumerable.Range(1, order.Length).Select(i => (double)i).ToArray();
        double[] Bound(double p) => order.Select(g => QuantileOf(check.Replicated.AsSpan(g * draws, draws).ToArray(), p)).ToArray();
        var lower = Bound(0.05);
        var upper = Bound(0.95);
        // Many groups: the interval as two lines (a band) rather than thousands of overlapping bars.
        if (order.Length > 200)
        {
            var lo = plot.Add.ScatterLine(xs, lower, Replicated);
            lo.LegendText = "replicated 90% interval";
            plot.Add.ScatterLine(xs, upper, Replicated);
        }
        else
        {
            var centre = lower.Select((l, i) => (l + upper[i]) / 2).ToArray();
            var bars = plot.Add.ErrorBar(xs, centre, upper.Select((u, i) => (u - lower[i]) / 2).ToArray());
            bars.Color = Replicated;
            bars.LegendText = "replicated 90% interval";
        }
        var observed = plot.Add.Markers(xs, order.Select(g => check.Observed[g]).ToArray(), MarkerShape.FilledCircle, order.Length > 200 ? 2 : 4, Colors.Black);
        observed.LegendText = "observed mean";
        Labels(plot, $"Mean of y per {check.Level}: {check.Extreme(0.05)} of {groups} outside their 90% interval", $"{check.Level} (sorted by observed mean)", "mean of y");
        plot.ShowLegend(Alignment.UpperLeft);
    }

    /// <summary>R's type-7 quantile of <paramref name="x"/>, sorted in place.</summary>
    private static double QuantileOf(double[] x, double p)
    {
        Array.Sort(x);
        return Diagnostics.ConvergenceMath.Quantile(x, p);
    }

    /// <summary>The residual plots of an EB/ML fit: standardised level-1 residuals against fitted values, and a normal
    /// QQ plot of each level's standardised EB effects (û/SE) per term. Returns the files written.</summary>
    internal static IReadOnlyList<string> WriteResiduals(Estimation.RemlFit fit, Statistics.Design design, Prediction.FittedValues values, string directory, PlotFormat format = PlotFormat.Png)
    {
        Directory.CreateDirectory(directory);
        var files = new List<string>();
        var points = Enumerable.Range(0, design.N).Select(i => ResidualWriters.Residual(fit, design, i, values.Conditional[i])).ToArray();
        files.AddRange(Paged(directory, "residuals_vs_fitted", format, [points], (plot, p) =>
        {
            var markers = plot.Add.Markers(p.Select(x => x.Fitted).ToArray(), p.Select(x => x.Standardised).ToArray(), MarkerShape.FilledCircle, p.Length > 2000 ? 2 : 3, Replicated.WithAlpha(0.5));
            markers.LegendText = "rows";
            plot.Add.HorizontalLine(0, 1, Colors.Black);
            Labels(plot, "Level-1 residuals against fitted values", "fitted value (conditional on the groups' EB effects)", "standardised residual");
        }, columns: 1, rows: 1, panelWidth: 800, panelHeight: 450));
        var panels = fit.Groups.SelectMany(g => g.Terms.Select((t, a) => (Group: g, Term: t, Index: a))).ToList();
        files.AddRange(Paged(directory, "qq_group_effects", format, panels, (plot, panel) =>
        {
            var z = Enumerable.Range(0, panel.Group.GroupNames.Count)
                .Select(j => panel.Group.RandomEffectSe[j][panel.Index] > 0 ? panel.Group.RandomEffects[j][panel.Index] / panel.Group.RandomEffectSe[j][panel.Index] : double.NaN)
                .Where(double.IsFinite).Order().ToArray();
            var theory = z.Select((_, i) => MathNet.Numerics.Distributions.Normal.InvCDF(0, 1, (i + 0.5) / z.Length)).ToArray();
            var markers = plot.Add.Markers(theory, z, MarkerShape.FilledCircle, 3, Replicated);
            markers.LegendText = "groups";
            if (theory.Length > 0)
            {
                var line = plot.Add.Line(theory[0], theory[0], theory[^1], theory[^1]);
                line.Color = Colors.Black;
                line.LegendText = "N(0, 1)";
            }
            Labels(plot, $"{panel.Group.Group}: {panel.Term}", "normal quantile", "EB effect / its SE");
        }));
        return files;
    }

    private static IEnumerable<string> Paged<T>(string directory, string kind, PlotFormat format, IReadOnlyList<T> items, Action<Plot, T> draw,
        int columns = Columns, int rows = RowsPerPage, int panelWidth = PanelWidth, int panelHeight = PanelHeight)
    {
        int perPage = columns * rows, pages = (items.Count + perPage - 1) / perPage;
        for (int page = 0; page < pages; page++)
        {
            var slice = items.Skip(page * perPage).Take(perPage).ToList();
            int cols = Math.Min(columns, slice.Count), rowCount = (slice.Count + cols - 1) / cols;
            var panels = slice.Select(item =>
            {
                var plot = new Plot();
                draw(plot, item);
                return plot;
            }).ToList();
            // One legend for the page, above the panels, instead of one inside each panel over its curves.
            var legend = panels.SelectMany(p => p.GetPlottables()).SelectMany(p => p.LegendItems)
                .Where(i => !string.IsNullOrEmpty(i.LabelText)).DistinctBy(i => i.LabelText).ToList();
            foreach (var plot in panels) plot.HideLegend();
            // A Multiplot starts with the plot it is given; the rest are added.
            var multiplot = new Multiplot(panels[0]);
            foreach (var plot in panels.Skip(1)) multiplot.Subplots.Add(plot);
            multiplot.Layout = new ScottPlot.MultiplotLayouts.Grid(rowCount, cols);
            string file = Path.Combine(directory, $"{kind}{(pages > 1 ? $"_{page + 1}" : "")}.{(format == PlotFormat.Png ? "png" : "svg")}");
            int strip = legend.Count > 0 ? LegendStrip : 0;
            Save(multiplot, legend, file, cols * panelWidth, rowCount * panelHeight + strip, strip, format);
            yield return file;
        }
    }

    private const int LegendStrip = 30;

    private static void Save(Multiplot multiplot, IReadOnlyList<LegendItem> legend, string file, int width, int height, int strip, PlotFormat format)
    {
        void Draw(SKCanvas canvas)
        {
            canvas.Clear(SKColors.White);
            // The panels below the legend's strip (the multiplot lays out from the canvas's origin).
            canvas.Save();
            canvas.Translate(0, strip);
            multiplot.Render(canvas, new PixelRect(0, width, height - strip, 0));
            canvas.Restore();
            DrawLegend(canvas, legend, width, strip);
        }
        AtomicFile.Write(file, stream =>
        {
            if (format == PlotFormat.Svg)
            {
                using var managed = new SKManagedWStream(stream);
                using (var canvas = SKSvgCanvas.Create(new SKRect(0, 0, width, height), managed)) Draw(canvas);
                return;
            }
            using var surface = SKSurface.Create(new SKImageInfo(width, height));
            Draw(surface.Canvas);
            using var image = surface.Snapshot();
            using var data = image.Encode(SKEncodedImageFormat.Png, 100);
            data.SaveTo(stream);
        });
    }

    /// <summary>The page's legend in one centred row: each entry's line, marker or fill swatch, then its label.</summary>
    private static void DrawLegend(SKCanvas canvas, IReadOnlyList<LegendItem> legend, int width, int strip)
    {
        if (legend.Count == 0) return;
        using var font = new SKFont(SKTypeface.Default, 13);
        using var text = new SKPaint { Color = SKColors.Black, IsAntialias = true };
        const float swatch = 22, gap = 6, spacing = 22;
        float total = legend.Sum(i => swatch + gap + font.MeasureText(i.LabelText) + spacing) - spacing;
        float x = Math.Max(4, (width - total) / 2), y = strip / 2f;
        foreach (var item in legend)
        {
            using var paint = new SKPaint { IsAntialias = true };
            if (item.FillColor.A > 0 && item.LineWidth == 0 && item.MarkerShape == MarkerShape.None)
            {
                paint.Color = ToSk(item.FillColor);
                canvas.DrawRect(x, y - 6, swatch, 12, paint);
            }
            if (item.LineWidth > 0 && item.LineColor.A > 0)
            {
                paint.Color = ToSk(item.LineColor);
                paint.StrokeWidth = Math.Max(1.5f, item.LineWidth);
                paint.Style = SKPaintStyle.Stroke;
                if (item.LinePattern.Equals(LinePattern.Dashed)) paint.PathEffect = SKPathEffect.CreateDash([6, 4], 0);
                if (item.LinePattern.Equals(LinePattern.Dotted)) paint.PathEffect = SKPathEffect.CreateDash([2, 3], 0);
                canvas.DrawLine(x, y, x + swatch, y, paint);
            }
            if (item.MarkerShape != MarkerShape.None && item.MarkerSize > 0)
            {
                using var marker = new SKPaint { IsAntialias = true, Color = ToSk(item.MarkerFillColor.A > 0 ? item.MarkerFillColor : item.LineColor) };
                canvas.DrawCircle(x + swatch / 2, y, 4, marker);
            }
            x += swatch + gap;
            canvas.DrawText(item.LabelText, x, y + 4.5f, SKTextAlign.Left, font, text);
            x += font.MeasureText(item.LabelText) + spacing;
        }
    }

    private static SKColor ToSk(Color c) => new(c.R, c.G, c.B, c.A);

    private static void Trace(Plot plot, DrawSet draws, string name)
    {
        int p = draws.IndexOf(name);
        var xs = Enumerable.Range(1, draws.Iterations).Select(i => (double)i).ToArray();
        for (int c = 0; c < draws.Chains; c++)
        {
            var line = plot.Add.ScatterLine(xs, draws.Chain(p, c).ToArray(), Palette.GetColor(c));
            line.LineWidth = 1;
            line.LegendText = $"chain {c + 1}";
        }
        Labels(plot, name, "iteration (after warm-up)", name);
    }

    private static void Density(Plot plot, DrawSet draws, string name, ParameterComparison? reml)
    {
        int p = draws.IndexOf(name);
        var all = draws.Draws(p).ToArray();
        double lo = all.Min(), hi = all.Max();
        if (reml is not null && double.IsFinite(reml.Lower) && double.IsFinite(reml.Upper))
        {
            // The REML interval, clipped to the posterior's range so a very wide one does not flatten the densities.
            var span = plot.Add.HorizontalSpan(Math.Max(reml.Lower, lo), Math.Min(reml.Upper, hi), Colors.Gray.WithAlpha(0.15));
            span.LegendText = "REML 95% CI";
        }
        for (int c = 0; c < draws.Chains; c++)
        {
            var (x, y) = Kde(draws.Chain(p, c).ToArray(), lo, hi);
            var line = plot.Add.ScatterLine(x, y, Palette.GetColor(c));
            line.LegendText = $"chain {c + 1}";
        }
        if (reml is not null)
        {
            var estimate = plot.Add.VerticalLine(reml.Estimate, 2, Colors.Black, LinePattern.Dashed);
            estimate.LegendText = "REML estimate";
        }
        Labels(plot, name, name, "density");
    }

    /// <summary>Gaussian kernel density on 200 points, Silverman's bandwidth. Many values are first binned linearly onto
    /// 1,024 points (Silverman 1982's binned estimator), which changes nothing visible and keeps a density of a data set of
    /// a hundred thousand rows as cheap as one of a thousand.</summary>
    private static (double[] X, double[] Y) Kde(double[] x, double lo, double hi)
    {
        int n = x.Length;
        double mean = x.Average(), sd = Math.Sqrt(x.Sum(v => (v - mean) * (v - mean)) / Math.Max(n - 1, 1));
        var sorted = (double[])x.Clone();
        Array.Sort(sorted);
        double iqr = sorted[(int)(0.75 * (n - 1))] - sorted[(int)(0.25 * (n - 1))];
        double h = 0.9 * Math.Max(Math.Min(sd, iqr / 1.34), 1e-12 * (Math.Abs(mean) + 1)) * Math.Pow(n, -0.2);
        var (points, weights) = n > 1024 ? Binned(sorted, 1024) : (sorted, Enumerable.Repeat(1.0, n).ToArray());
        var xs = Enumerable.Range(0, 200).Select(i => lo + (hi - lo) * i / 199.0).ToArray();
        var ys = xs.Select(g =>
        {
            double s = 0;
            for (int i = 0; i < points.Length; i++)
            {
                if (weights[i] == 0) continue;
                double z = (g - points[i]) / h;
                s += weights[i] * Math.Exp(-0.5 * z * z);
            }
            return s / (n * h * Math.Sqrt(2 * Math.PI));
        }).ToArray();
        return (xs, ys);
    }

    /// <summary>Sorted values as weights on an even grid of <paramref name="bins"/> points over their range, each value
    /// split between its two neighbours in proportion to its distance.</summary>
    private static (double[] Points, double[] Weights) Binned(double[] sorted, int bins)
    {
        double lo = sorted[0], hi = sorted[^1], step = (hi - lo) / (bins - 1);
        var points = Enumerable.Range(0, bins).Select(i => lo + step * i).ToArray();
        var weights = new double[bins];
        if (step <= 0) { weights[0] = sorted.Length; return (points, weights); }
        foreach (double v in sorted)
        {
            double position = (v - lo) / step;
            int i = Math.Min((int)position, bins - 2);
            double frac = position - i;
            weights[i] += 1 - frac;
            weights[i + 1] += frac;
        }
        return (points, weights);
    }

    private static void Ranks(Plot plot, DrawSet draws, string name)
    {
        int p = draws.IndexOf(name), n = draws.Chains * draws.Iterations, bins = 20;
        var all = draws.Draws(p).ToArray();
        var order = Enumerable.Range(0, n).OrderBy(i => all[i]).ToArray();
        var rank = new int[n];
        for (int r = 0; r < n; r++) rank[order[r]] = r;
        var xs = Enumerable.Range(0, bins + 1).Select(b => (double)b / bins).ToArray();
        for (int c = 0; c < draws.Chains; c++)
        {
            var counts = new double[bins];
            for (int i = 0; i < draws.Iterations; i++) counts[Math.Min(rank[c * draws.Iterations + i] * bins / n, bins - 1)]++;
            // A step outline per chain: uniform ranks give flat lines at Iterations/bins.
            var sx = new List<double>();
            var sy = new List<double>();
            for (int b = 0; b < bins; b++) { sx.Add(xs[b]); sy.Add(counts[b]); sx.Add(xs[b + 1]); sy.Add(counts[b]); }
            var line = plot.Add.ScatterLine(sx.ToArray(), sy.ToArray(), Palette.GetColor(c));
            line.LegendText = $"chain {c + 1}";
        }
        var expected = plot.Add.HorizontalLine(draws.Iterations / (double)bins, 1, Colors.Black, LinePattern.Dotted);
        expected.LegendText = "uniform";
        Labels(plot, name, "rank (fraction of all draws)", "draws per bin");
    }

    private static void Autocorrelation(Plot plot, DrawSet draws, string name)
    {
        int p = draws.IndexOf(name), lags = Math.Min(50, draws.Iterations - 1);
        var lagX = Enumerable.Range(0, lags + 1).Select(l => (double)l).ToArray();
        for (int c = 0; c < draws.Chains; c++)
        {
            var x = draws.Chain(p, c).ToArray();
            double mean = x.Average(), v0 = x.Sum(v => (v - mean) * (v - mean));
            var acf = lagX.Select(l =>
            {
                int lag = (int)l;
                double s = 0;
                for (int i = 0; i + lag < x.Length; i++) s += (x[i] - mean) * (x[i + lag] - mean);
                return v0 > 0 ? s / v0 : 0;
            }).ToArray();
            var line = plot.Add.ScatterLine(lagX, acf, Palette.GetColor(c));
            line.LegendText = $"chain {c + 1}";
        }
        plot.Add.HorizontalLine(0, 1, Colors.Black);
        Labels(plot, name, "lag", "autocorrelation");
    }

    private static void Pair(Plot plot, DrawSet draws, string a, string b)
    {
        var x = draws.Draws(a).ToArray();
        var y = draws.Draws(b).ToArray();
        int step = Math.Max(1, x.Length / 2000);
        var xs = x.Where((_, i) => i % step == 0).ToArray();
        var ys = y.Where((_, i) => i % step == 0).ToArray();
        var points = plot.Add.ScatterPoints(xs, ys, Palette.GetColor(0).WithAlpha(0.4));
        points.MarkerSize = 3;
        Labels(plot, "", a, b);
    }

    private static void Caterpillar(Plot plot, List<GroupComparison> groups)
    {
        var sorted = groups.OrderBy(g => g.PosteriorMean).ToList();
        var xs = Enumerable.Range(1, sorted.Count).Select(i => (double)i).ToArray();
        var means = sorted.Select(g => g.PosteriorMean).ToArray();
        if (sorted.Count > 300)
        {
            // Thousands of groups: bars and markers would merge into one solid band. The interval's ends as two thin
            // lines, the means as a line through them, EB as dots: each stays visible at any number of groups.
            var lower = plot.Add.ScatterLine(xs, sorted.Select(g => g.PosteriorMean - 1.96 * g.PosteriorSd).ToArray(), Palette.GetColor(2));
            lower.LineWidth = 1;
            lower.LegendText = "posterior mean ± 1.96 sd";
            plot.Add.ScatterLine(xs, sorted.Select(g => g.PosteriorMean + 1.96 * g.PosteriorSd).ToArray(), Palette.GetColor(2)).LineWidth = 1;
            var ebDots = plot.Add.Markers(xs, sorted.Select(g => g.Eb).ToArray(), MarkerShape.FilledCircle, 1.5f, Palette.GetColor(1).WithAlpha(0.6));
            ebDots.LegendText = "EB (REML)";
            var line = plot.Add.ScatterLine(xs, means, Palette.GetColor(0));
            line.LineWidth = 1.5f;
            line.LegendText = "posterior mean";
        }
        else
        {
            var bars = plot.Add.ErrorBar(xs, means, sorted.Select(g => 1.96 * g.PosteriorSd).ToArray());
            bars.Color = Palette.GetColor(0);
            bars.LegendText = "posterior mean ± 1.96 sd";
            var post = plot.Add.Markers(xs, means, MarkerShape.FilledCircle, 4, Palette.GetColor(0));
            post.LegendText = "posterior mean";
            var eb = plot.Add.Markers(xs, sorted.Select(g => g.Eb).ToArray(), MarkerShape.OpenDiamond, 5, Palette.GetColor(1));
            eb.LegendText = "EB (REML)";
        }
        Labels(plot, $"{sorted[0].Level}: {sorted[0].Term} ({sorted.Count:N0} groups)", $"{sorted[0].Level} (sorted by posterior mean)", $"coefficient of {sorted[0].Term}");
    }

    private static void Shrinkage(Plot plot, List<GroupComparison> groups)
    {
        var withOls = groups.Where(g => g.Ols is not null).ToList();
        foreach (var g in withOls) plot.Add.Line(g.Rows, g.Ols!.Value, g.Rows, g.PosteriorMean).Color = Colors.Gray.WithAlpha(0.4);
        var n = withOls.Select(g => (double)g.Rows).ToArray();
        var ols = plot.Add.Markers(n, withOls.Select(g => g.Ols!.Value).ToArray(), MarkerShape.OpenCircle, 5, Palette.GetColor(2));
        ols.LegendText = "OLS";
        var eb = plot.Add.Markers(n, withOls.Select(g => g.Eb).ToArray(), MarkerShape.OpenDiamond, 5, Palette.GetColor(1));
        eb.LegendText = "EB (REML)";
        var post = plot.Add.Markers(n, withOls.Select(g => g.PosteriorMean).ToArray(), MarkerShape.FilledCircle, 4, Palette.GetColor(0));
        post.LegendText = "posterior mean";
        var g0 = groups[0];
        Labels(plot, $"Shrinkage, {g0.Level}: {g0.Term}", $"rows in the {g0.Level} (n_j)", $"coefficient of {g0.Term}");
    }

    private static void GroupHistogram(Plot plot, List<GroupComparison> groups)
    {
        var values = groups.Select(g => g.PosteriorMean).ToArray();
        var histogram = ScottPlot.Statistics.Histogram.WithBinCount(Math.Clamp(values.Length / 5, 5, 30), values);
        plot.Add.Histogram(histogram, Palette.GetColor(0));
        var g0 = groups[0];
        Labels(plot, $"{g0.Level}: {g0.Term}", $"coefficient of {g0.Term} (posterior mean per {g0.Level})", "groups");
    }

    /// <summary>Title and axis labels, each in a size that fits its panel: a long parameter name gets smaller type
    /// rather than running over its neighbour.</summary>
    private static void Labels(Plot plot, string title, string x, string y)
    {
        if (title.Length > 0) plot.Title(title, size: Fitted(title, 13, 52));
        plot.XLabel(x, size: Fitted(x, 12, 48));
        plot.YLabel(y, size: Fitted(y, 12, 34));
        plot.Legend.FontSize = 10;
        plot.ShowLegend(Alignment.UpperRight);
    }

    /// <summary>A font size at most <paramref name="size"/> at which <paramref name="text"/> takes no more room than
    /// <paramref name="fits"/> characters would at that size.</summary>
    private static float Fitted(string text, float size, int fits) => text.Length <= fits ? size : Math.Max(7, size * fits / text.Length);
}
