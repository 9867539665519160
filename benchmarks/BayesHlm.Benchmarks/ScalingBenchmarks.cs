using BayesHlm.Data;
using BayesHlm.Estimation;
using BayesHlm.Model;
using BayesHlm.Statistics;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Columns;

namespace BayesHlm.Benchmarks;

/// <summary>
/// The REML fit after the statistics are built works on per-group cross-products only, so its cost must not
/// depend on the number of rows N. Same 200 groups at N = 10^4 and 10^6, data from
/// y = 10 + 2x + u0 + u1·x + e. The Ratio column compares each method with itself at N = 10^4 (the baseline):
/// ≈ 1 for <see cref="FitFromStatistics"/> and <see cref="KernelEvaluation"/>; ≈ 100 for <see cref="BuildStatistics"/>, the stage that grows with N.
/// (BenchmarkDotNet's [Benchmark(Baseline = true)] only compares methods within one parameter value, hence the
/// custom column.)
/// </summary>
[MemoryDiagnoser]
[MedianColumn]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
[SimpleJob(warmupCount: 3, iterationCount: 15)]
[Config(typeof(Config))]
public class ScalingBenchmarks
{
    private sealed class Config : ManualConfig
    {
        public Config() => AddColumn(new RatioToSmallestRowsColumn(nameof(Rows)));
    }

    public const int Groups = 200;
    public const string Formula = "y ~ x + (1 + x | g)";

    [Params(10_000, 1_000_000)]
    public int Rows;

    private ModelSpec _spec = null!;
    private DataTable _data = null!;
    private SufficientStatistics _stats = null!;
    private ProfiledDeviance _deviance = null!;
    private double[] _theta0 = null!;

    [GlobalSetup]
    public void Setup()
    {
        var rng = new Random(12345);
        var u0 = new double[Groups];
        var u1 = new double[Groups];
        for (int j = 0; j < Groups; j++) { u0[j] = 1.5 * LargeCsv.Normal(rng); u1[j] = 0.5 * LargeCsv.Normal(rng); }
        var g = new double[Rows];
        var x = new double[Rows];
        var y = new double[Rows];
        for (int i = 0; i < Rows; i++)
        {
            int j = i % Groups; // every group equally represented at every N
            g[i] = j + 1;
            x[i] = LargeCsv.Normal(rng);
            y[i] = 10 + 2 * x[i] + u0[j] + u1[j] * x[i] + 2 * LargeCsv.Normal(rng);
        }
        _data = DataTable.FromColumns([("g", g), ("x", x), ("y", y)]);
        _spec = ModelSpec.FromFormula(Formula);
        _stats = SufficientStatistics.Build(_spec, _data);
        _deviance = new ProfiledDeviance(_stats, reml: true);
        _theta0 = _deviance.Map.Initial();
        var fit = Reml.Fit(_stats);
        Check.Converged(fit, $"{Formula}, N = {Rows}");
        // The fit's cost is (iterations) x (per-iteration cost); only the latter must be N-independent.
        Console.WriteLine($"// {Formula}, N = {Rows}: {fit.Iterations} optimiser iterations ({fit.Algorithm}).");
    }

    /// <summary>The REML fit from prepared statistics; Ratio across N shows it does not grow with N.</summary>
    [Benchmark, BenchmarkCategory("Fit")]
    public RemlFit FitFromStatistics() => Reml.Fit(_stats);

    /// <summary>One evaluation of the REML criterion at θ₀: the per-iteration kernel, exactly N-independent
    /// (the fit's Ratio can also move because the optimiser needs a different number of iterations).</summary>
    [Benchmark, BenchmarkCategory("Kernel")]
    public double KernelEvaluation() => _deviance.Evaluate(_theta0);

    /// <summary>The one pass over the rows; this is what grows with N.</summary>
    [Benchmark, BenchmarkCategory("BuildStatistics")]
    public SufficientStatistics BuildStatistics() => SufficientStatistics.Build(_spec, _data);
}
