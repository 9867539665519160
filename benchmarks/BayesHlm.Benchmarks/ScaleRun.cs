using System.Diagnostics;
using System.Globalization;
using BayesHlm.Data;
using BayesHlm.Estimation;
using BayesHlm.Model;
using BayesHlm.Sampling;
using BayesHlm.Statistics;
using BayesHlm.Statistics.Moments;

namespace BayesHlm.Benchmarks;

/// <summary>
/// Issue 16's figures after the statistics, in one process each:
/// <list type="bullet">
/// <item><c>--from-stats FILE</c>: a statistics file (<c>bayeshlm stats --out</c>) read, the REML fit, then 4 chains ×
/// 2,000 Gibbs iterations (1,000 warm-up) from the default priors, each stage timed, and the sample's smallest bulk-ESS.</item>
/// <item><c>--sweep-scaling</c>: the median time of one Gibbs sweep for y ~ x + (1 + x | g) on simulated data, at 10⁴
/// and 10⁶ rows in the same 100 groups (the cost must not grow with N), and at 10² … 10⁵ groups of 20 rows (near
/// linear in the groups: the log-log slope fitted), then 10⁶ groups of 10 rows.</item>
/// </list>
/// </summary>
internal static class ScaleRun
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public static int FromStatistics(string path)
    {
        var clock = Stopwatch.StartNew();
        var spec = ModelSpec.FromFormula(StatisticsFile.Formula(path));
        var stats = MomentStatistics.Build(StatisticsFile.Read(path, spec));
        double read = clock.Elapsed.TotalSeconds;
        clock.Restart();
        var fit = Reml.Fit(stats);
        double reml = clock.Elapsed.TotalSeconds;
        clock.Restart();
        var sample = Gibbs.Sample(stats, PriorSpec.Default, fit, new SamplerOptions { Chains = 4, Iterations = 2000, Warmup = 1000, Seed = 1 });
        double gibbs = clock.Elapsed.TotalSeconds;
        double minEss = BayesHlm.Diagnostics.PosteriorSummary.Summarise(sample.Draws).Rows.Min(r => r.EssBulk);
        Console.WriteLine(string.Create(Inv, $"{path}: {stats.N:N0} rows, {stats.Levels[0].Grouping.GroupNames.Count:N0} groups"));
        Console.WriteLine(string.Create(Inv, $"read statistics {read:F3} s; REML fit {reml:F3} s ({fit.Iterations} iterations); 4 x 2000 Gibbs {gibbs:F2} s; min bulk-ESS {minEss:F0}"));
        return 0;
    }

    public static int SweepScaling()
    {
        Console.WriteLine("rows        groups     µs/sweep (median)");
        var n4 = Sweep(10_000, 100);
        var n6 = Sweep(1_000_000, 100);
        Console.WriteLine(string.Create(Inv, $"per-sweep time, 10^6 rows / 10^4 rows, 100 groups: {n6 / n4:F2}"));
        var groups = new[] { 100, 1_000, 10_000, 100_000 };
        var times = groups.Select(g => Sweep(20 * g, g)).ToArray();
        // Least squares of log(time) on log(groups).
        var lx = groups.Select(g => Math.Log(g)).ToArray();
        var ly = times.Select(t => Math.Log(t)).ToArray();
        double mx = lx.Average(), my = ly.Average();
        double slope = lx.Zip(ly).Sum(p => (p.First - mx) * (p.Second - my)) / lx.Sum(x => (x - mx) * (x - mx));
        Console.WriteLine(string.Create(Inv, $"log-log slope of time per sweep on groups, 10^2 to 10^5: {slope:F3}"));
        Sweep(10_000_000, 1_000_000);
        return 0;
    }

    /// <summary>The median single-sweep time, in µs, on <paramref name="rows"/> rows spread evenly over <paramref name="groups"/>.</summary>
    private static double Sweep(int rows, int groups)
    {
        var rng = new Random(16);
        var g = new double[rows];
        var x = new double[rows];
        var y = new double[rows];
        var u0 = new double[groups];
        var u1 = new double[groups];
        for (int j = 0; j < groups; j++) { u0[j] = Normal(rng); u1[j] = 0.5 * Normal(rng); }
        for (int i = 0; i < rows; i++)
        {
            int j = i % groups;
            g[i] = j;
            x[i] = Normal(rng);
            y[i] = 1 + (0.5 + u1[j]) * x[i] + u0[j] + Normal(rng);
        }
        var data = new DataTable([new NumericColumn("g", g), new NumericColumn("x", x), new NumericColumn("y", y)], "simulated");
        var spec = ModelSpec.FromFormula("y ~ x + (1 + x | g)");
        var chain = SweepChain.Build(spec, data, PriorSpec.Default, new RemlOptions(), warmup: 20);
        var state = chain.State;
        var random = chain.Random;
        // Enough sweeps for about two seconds, at least 5.
        long probe = Stopwatch.GetTimestamp();
        foreach (var step in chain.Steps) step.Update(state, random, false);
        double once = Stopwatch.GetElapsedTime(probe).TotalSeconds;
        int sweeps = (int)Math.Clamp(2 / Math.Max(once, 1e-7), 5, 20_000);
        var ticks = new long[sweeps];
        for (int t = 0; t < sweeps; t++)
        {
            long start = Stopwatch.GetTimestamp();
            foreach (var step in chain.Steps) step.Update(state, random, false);
            ticks[t] = Stopwatch.GetTimestamp() - start;
        }
        Array.Sort(ticks);
        double median = ticks[sweeps / 2] * 1e6 / Stopwatch.Frequency;
        Console.WriteLine(string.Create(Inv, $"{rows,-11:N0} {groups,-10:N0} {median,12:F1}   ({sweeps} sweeps)"));
        return median;
    }

    private static double Normal(Random rng) => Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());
}
