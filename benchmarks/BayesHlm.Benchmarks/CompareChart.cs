using System.Globalization;
using ScottPlot;

namespace BayesHlm.Benchmarks;

/// <summary>
/// <c>--chart compare.csv compare.png</c>: the chart of <c>benchmarks/compare.sh</c>: min bulk-ESS per second of
/// BayesHlm, Stan and JAGS for every model, bars on a log scale, grouped by model.
/// </summary>
internal static class CompareChart
{
    private static readonly (string Engine, string Label, Color Color)[] Engines =
    [
        ("bayeshlm", "BayesHlm (whole process)", new Color(0x1f, 0x77, 0xb4)),
        ("stan", "Stan (sampling, compile excluded)", new Color(0xd6, 0x27, 0x28)),
        ("jags", "JAGS", new Color(0x7f, 0x7f, 0x7f)),
    ];

    public static int Run(string csvPath, string pngPath)
    {
        var inv = CultureInfo.InvariantCulture;
        var lines = File.ReadAllLines(csvPath);
        var header = lines[0].Split(',');
        int model = Array.IndexOf(header, "model"), engine = Array.IndexOf(header, "engine"), rate = Array.IndexOf(header, "ess_per_second");
        var rows = lines.Skip(1).Select(SplitCsv).Where(r => r.Length > rate && r[rate].Length > 0)
            .Select(r => (Model: r[model], Engine: r[engine], Rate: double.Parse(r[rate], inv))).ToList();
        var models = rows.Select(r => r.Model).Distinct().ToList();
        if (rows.Count == 0)
        {
            Console.Error.WriteLine($"{csvPath}: no ESS/s to chart");
            return 1;
        }
        double floor = Math.Floor(Math.Log10(rows.Min(r => r.Rate)));
        double top = Math.Ceiling(Math.Log10(rows.Max(r => r.Rate)) + 0.15);

        var plot = new Plot();
        var bars = new List<Bar>();
        double width = 0.8 / Engines.Length;
        for (int m = 0; m < models.Count; m++)
            for (int e = 0; e < Engines.Length; e++)
                foreach (var r in rows.Where(r => r.Model == models[m] && r.Engine == Engines[e].Engine))
                {
                    double position = m + (e - (Engines.Length - 1) / 2.0) * width;
                    bars.Add(new Bar
                    {
                        Position = position, Value = Math.Log10(r.Rate), ValueBase = floor, Size = width * 0.95,
                        FillColor = Engines[e].Color, LineWidth = 0,
                    });
                    var label = plot.Add.Text(r.Rate >= 100 ? r.Rate.ToString("N0", inv) : r.Rate.ToString("0.#", inv), position, Math.Log10(r.Rate));
                    label.LabelFontSize = 10;
                    label.LabelAlignment = Alignment.LowerCenter;
                }
        plot.Add.Bars(bars);

        var ticks = new ScottPlot.TickGenerators.NumericAutomatic
        {
            MinorTickGenerator = new ScottPlot.TickGenerators.LogMinorTickGenerator(),
            IntegerTicksOnly = true,
            LabelFormatter = y => Math.Pow(10, y).ToString("#,0.##", inv),
        };
        plot.Axes.Left.TickGenerator = ticks;
        plot.Axes.Left.Label.Text = "min bulk-ESS per second (log scale)";
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(
            Enumerable.Range(0, models.Count).Select(i => (double)i).ToArray(), models.ToArray());
        plot.Axes.Bottom.MajorTickStyle.Length = 0;
        plot.Axes.SetLimits(-0.6, models.Count - 0.4, floor, top);
        plot.Grid.XAxisStyle.MajorLineStyle.Width = 0;
        plot.Title("BayesHlm, Stan and JAGS: 4 chains × 2,000 iterations (benchmarks/compare.sh)");
        plot.Legend.ManualItems.AddRange(Engines.Select(e => new LegendItem { LabelText = e.Label, FillColor = e.Color }));
        plot.ShowLegend(Alignment.UpperRight);
        plot.SavePng(pngPath, 1000, 520);
        Console.WriteLine($"Written: {pngPath}");
        return 0;
    }

    private static string[] SplitCsv(string line)
    {
        var fields = new List<string>();
        var field = new System.Text.StringBuilder();
        bool quoted = false;
        foreach (char c in line)
        {
            if (c == '"') quoted = !quoted;
            else if (c == ',' && !quoted) { fields.Add(field.ToString()); field.Clear(); }
            else field.Append(c);
        }
        fields.Add(field.ToString());
        return fields.ToArray();
    }
}
