using BayesHlm.Data;
using BayesHlm.Estimation;
using BayesHlm.Model;
using BayesHlm.Sampling;
using BayesHlm.Statistics;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;

namespace BayesHlm.Benchmarks;

/// <summary>
/// One sweep (<see cref="GibbsChain.Step"/>) of one Gibbs chain for the HSB intercepts-and-slopes-as-outcomes
/// model with the reference priors of <c>shared/reference/posteriors/hsb_slopes_as_outcomes/case.json</c>
/// (normal fixed effects, gamma residual precision, inverse-Wishart Σ). <see cref="Replication"/> = 1 is
/// models/data/hsb.csv as it is (7185 rows); 100 repeats every row 100 times (718,500 rows) with mathach + N(0, 1) and
/// ses + N(0, 0.1²) noise (seeded), so the same 160 schools. The sweep works on the per-school statistics only,
/// so the Ratio column (median relative to Replication = 1) should be ≈ 1. The chain starts at the REML
/// estimates and runs 500 warm-up sweeps (adapting, as the sampler's warm-up does) in the setup; the timed
/// sweeps are not adapting, i.e. the sampling phase.
/// </summary>
[MemoryDiagnoser]
[MedianColumn]
[SimpleJob(launchCount: 3, warmupCount: 3, iterationCount: 15)]
[Config(typeof(Config))]
public class GibbsBenchmarks
{
    private sealed class Config : ManualConfig
    {
        public Config() => AddColumn(new RatioToSmallestRowsColumn(nameof(Replication)));
    }

    public const int WarmupSweeps = 500;

    [Params(1, 100)]
    public int Replication;

    /// <summary>"reference": the case's conjugate priors (gamma residual, inverse-Wishart Σ: exact draws plus the
    /// ancillary move); "default": the defaults (half-t residual sd, half-t sds with LKJ correlations: Metropolis–Hastings
    /// walks on σ and on Σ's Cholesky coordinates, plus the ancillary move).</summary>
    [Params("reference", "default")]
    public string Priors = "reference";

    private GibbsChain _chain = null!;

    [GlobalSetup]
    public void Setup()
    {
        var csv = DataTable.ReadCsv(RepoPaths.Data("hsb.csv"));
        var data = Replication == 1 ? csv : Replicate(csv, Replication, new Random(20240612));
        var stats = SufficientStatistics.Build(ModelSpec.FromFormula(HsbRemlBenchmarks.SlopesFormula), data);
        var priors = Priors == "default" ? PriorSpec.Default : PriorSpec.Load(Path.Combine(RepoPaths.Root, "..", "shared", "reference", "posteriors",
            "hsb_slopes_as_outcomes", "case.json"));
        var resolved = ResolvedPriors.Resolve(priors, stats);
        var reml = Reml.Fit(stats);
        Check.Converged(reml, $"HSB slopes as outcomes x {Replication}");

        // The REML estimates as the start, a variance at the boundary moved off it (a singular Σ would not start).
        var layout = new CovarianceLayout(stats.Levels);
        var sigma = layout.FromFit(reml);
        foreach (var e in layout.Parameters.Where(e => e.IsVariance)) layout.Set(sigma, e, Math.Max(layout.Get(sigma, e), 1e-3));
        var level = stats.Levels[0];

        _chain = new GibbsChain(stats, resolved, Gibbs.ChainRandom(1, 0), reml.ResidualVariance, sigma) { Adapting = true };
        for (int t = 0; t < WarmupSweeps; t++) _chain.Step();
        _chain.Adapting = false;
        Console.WriteLine($"// Replication = {Replication}: N = {stats.N}, {level.Grouping.Count} groups, " +
                          $"ancillary acceptance after warm-up {_chain.AncillaryAcceptance:F2}.");
    }

    /// <summary>One sweep: (β, u) | θ; σ² | β, u; Σ | u; the ancillary move of Σ.</summary>
    [Benchmark]
    public void Step() => _chain.Step();

    /// <summary>Every row <paramref name="times"/> times, mathach and ses perturbed by independent normal noise.</summary>
    private static DataTable Replicate(DataTable csv, int times, Random rng)
    {
        string[] names = ["school", "mathach", "meanses", "ses", "sector"];
        var source = names.Select(n => (NumericColumn)csv[n]).ToArray();
        int n0 = csv.RowCount, n = n0 * times;
        var columns = names.Select(_ => new double[n]).ToArray();
        int row = 0;
        for (int i = 0; i < n0; i++)
            for (int r = 0; r < times; r++, row++)
            {
                for (int k = 0; k < names.Length; k++) columns[k][row] = source[k][i];
                columns[1][row] += LargeCsv.Normal(rng);        // mathach + N(0, 1)
                columns[3][row] += 0.1 * LargeCsv.Normal(rng);  // ses + N(0, 0.1²)
            }
        return DataTable.FromColumns(names.Select((name, k) => (name, columns[k])));
    }
}
