using BayesHlm.Data;
using BayesHlm.Model;
using BayesHlm.Sampling;
using BayesHlm.Statistics;
using BenchmarkDotNet.Attributes;

namespace BayesHlm.Benchmarks;

/// <summary>
/// One Gibbs sweep (<see cref="GibbsChain.Step"/>) of <c>y ~ x + (1 | a) + (1 | b)</c> on simulated crossed data with
/// <see cref="GroupsA"/> groups of a and <see cref="GroupsB"/> of b, 5 rows per group of a, each row's b drawn at
/// random (so the cells, combinations of groups that occur, number about the rows): y = 1 + x + u_a + u_b + e with sds
/// 1, 0.7 and 1. The default priors. Beyond a few hundred groups of the smaller factor the location effects are drawn
/// factor by factor from the cells (<c>FactorwiseLocationDraw</c>), so a sweep should grow with the cells and the groups
/// of both factors, near-linearly. The setup runs 50 adapting sweeps from the simulation's values.
/// </summary>
[MemoryDiagnoser]
[MedianColumn]
[SimpleJob(launchCount: 1, warmupCount: 3, iterationCount: 9)]
public class CrossedSweepBenchmarks
{
    [Params(1_000, 10_000, 100_000)]
    public int GroupsA;

    [Params(1_000, 10_000, 100_000)]
    public int GroupsB;

    private GibbsChain? _chain;

    [GlobalSetup]
    public void Setup()
    {
        if (GroupsB > GroupsA) return; // the same design as (b, a) with the factors' names swapped
        var rnd = new Random(GroupsA * 7 + GroupsB);
        var ua = Enumerable.Range(0, GroupsA).Select(_ => rnd.NextDouble() * 2 - 1).ToArray();
        var ub = Enumerable.Range(0, GroupsB).Select(_ => 0.7 * (rnd.NextDouble() * 2 - 1)).ToArray();
        int n = 5 * GroupsA;
        var a = new double[n];
        var b = new double[n];
        var x = new double[n];
        var y = new double[n];
        for (int i = 0; i < n; i++)
        {
            a[i] = i % GroupsA;
            b[i] = rnd.Next(GroupsB);
            x[i] = rnd.NextDouble() * 2 - 1;
            y[i] = 1 + x[i] + ua[(int)a[i]] + ub[(int)b[i]] + (rnd.NextDouble() * 2 - 1) * 1.7;
        }
        var data = DataTable.FromColumns([("a", a), ("b", b), ("x", x), ("y", y)]);
        var stats = SufficientStatistics.Build(ModelSpec.FromFormula("y ~ x + (1 | a) + (1 | b)"), data);
        var priors = ResolvedPriors.Resolve(PriorSpec.Default, stats);
        _chain = new GibbsChain(stats, priors, Gibbs.ChainRandom(1, 0), 1, [[1.0], [0.5]]) { Adapting = true };
        for (int t = 0; t < 50; t++) _chain.Step();
        _chain.Adapting = false;
        Console.WriteLine($"// a {GroupsA}, b {GroupsB}: N = {stats.N}, {stats.LeafCount} cells.");
    }

    /// <summary>One sweep: (β, u) factor by factor, σ², each factor's variance, the ancillary moves.</summary>
    [Benchmark]
    public void Step() => _chain?.Step();
}
