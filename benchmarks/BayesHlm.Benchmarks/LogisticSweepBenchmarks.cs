using BayesHlm.Data;
using BayesHlm.Model;
using BayesHlm.Sampling;
using BayesHlm.Statistics;
using BenchmarkDotNet.Attributes;

namespace BayesHlm.Benchmarks;

/// <summary>
/// One sweep of the Pólya-Gamma Gibbs sampler for bernoulli_sim's <c>pass ~ x + z + (1 + x | school)</c> (1,929 rows,
/// 80 schools) with the reference priors (normal β, inverse-Wishart Σ): a PG draw and a weighted cross-product for every
/// row, then the kernel's joint (β, u) draw, Σ and the interweaving move. Unlike a Gaussian sweep this one reads the rows,
/// so it grows with N. The setup runs 300 adapting sweeps from Σ = I.
/// </summary>
[MemoryDiagnoser]
[MedianColumn]
[SimpleJob(launchCount: 1, warmupCount: 3, iterationCount: 15)]
public class LogisticSweepBenchmarks
{
    private GibbsChain _chain = null!;

    [GlobalSetup]
    public void Setup()
    {
        var spec = ModelSpec.FromFormula("pass ~ x + z + (1 + x | school)").WithFamily(Family.Bernoulli);
        var stats = SufficientStatistics.Build(spec, DataTable.ReadCsv(RepoPaths.Data("bernoulli_sim.csv"), spec.LabelColumns));
        var priors = ResolvedPriors.Resolve(PriorSpec.FromJson("""
            {"fixed": {"dist": "normal", "mean": 0, "variance": 100}, "group:school": {"dist": "inv_wishart", "df": 3, "scale": [[1, 0], [0, 1]]}}
            """), stats);
        _chain = new GibbsChain(stats, priors, Gibbs.ChainRandom(1, 0), 1, [[1.0, 0, 0, 1]]) { Adapting = true };
        for (int t = 0; t < 300; t++) _chain.Step();
        _chain.Adapting = false;
    }

    /// <summary>One sweep: ω | η, (β, u) | ω, Σ | u, the ancillary move.</summary>
    [Benchmark]
    public void Step() => _chain.Step();
}
