using BayesHlm.Data;
using BayesHlm.Estimation;
using BayesHlm.Estimation.Glmm;
using BayesHlm.Model;
using BayesHlm.Sampling;
using BayesHlm.Statistics;
using BenchmarkDotNet.Attributes;

namespace BayesHlm.Benchmarks;

/// <summary>
/// One steady-state sweep (<see cref="GibbsChain.Step"/>) of one chain of every model file in models/*.yaml, with the
/// file's own priors (its <c>priors:</c> section, or the defaults), started as <c>bayeshlm fit</c> starts chain 0 of
/// seed 1 (the EB/ML fit, dispersed) and warmed up in the setup for the file's own warm-up length (adapting), so
/// the timed sweeps are the sampling phase's. The Allocated column must read <c>-</c> (0 B) on every row (issue 15).
/// Short iterations (32 sweeps, under a millisecond for most models) and many of them, in three launches: on a busy
/// machine (other jobs on the 2 cores) an iteration of the default half a second always holds a few preemptions, so its
/// mean, and the median of such means, rises with the load; the median of short iterations is the sweep's own time.
/// </summary>
[MemoryDiagnoser]
[MedianColumn]
[SimpleJob(launchCount: 3, warmupCount: 10, iterationCount: 200, invocationCount: 32)]
public class SweepBenchmarks
{
    /// <summary>Every model file of models/, by its name without .yaml.</summary>
    public static IEnumerable<string> ModelFiles() =>
        Directory.EnumerateFiles(Path.Combine(RepoPaths.Root, "models"), "*.yaml").Select(Path.GetFileNameWithoutExtension).Order(StringComparer.Ordinal)!;

    [ParamsSource(nameof(ModelFiles))]
    public string Model = "hsb_slopes_as_outcomes";

    private GibbsChain _chain = null!;

    [GlobalSetup]
    public void Setup()
    {
        var file = ModelFile.Load(Path.Combine(RepoPaths.Root, "models", Model + ".yaml"));
        var data = DataTable.ReadCsv(file.DataPath, file.Spec.LabelColumns, file.MissingValues, file.DecimalComma);
        var method = file.Method is null || file.Spec.Family != Family.Gaussian ? EstimationMethod.Reml : RemlOptions.ParseMethod(file.Method);
        _chain = SweepChain.Build(file.Spec, data, file.Priors, new RemlOptions { Method = method }, file.Sampler.Warmup);
        Console.WriteLine($"// {Model}: {file.Sampler.Warmup} warm-up sweeps, ancillary acceptance {_chain.AncillaryAcceptance:F2}.");
    }

    /// <summary>One sweep: every step of the chain once, not adapting.</summary>
    [Benchmark]
    public void Step() => _chain.Step();
}

/// <summary>
/// The same for the sampler's paths that no model file takes: crossed factors (one joint draw, and factor by factor),
/// the gamma-rate hyperprior, the linear hyperprior on fixed effects, sd priors, independent gamma precisions, a
/// three-effect inverse-Wishart and LKJ, three levels with a random slope, a Poisson random slope. 1,000 warm-up sweeps
/// in the setup. The same cases as SweepAllocationTests. Short iterations as in <see cref="SweepBenchmarks"/>, one launch.
/// </summary>
[MemoryDiagnoser]
[MedianColumn]
[SimpleJob(launchCount: 1, warmupCount: 10, iterationCount: 200, invocationCount: 32)]
public class SweepPathBenchmarks
{
    private static readonly Dictionary<string, (string Data, string Formula, string Priors)> Cases = new()
    {
        ["crossed"] = ("crossed_sim.csv", "y ~ x + (1 | school) + (1 | neighbourhood)", ""),
        ["crossed_factorwise"] = ("crossed_sim.csv", "y ~ x + (1 | school) + (1 | neighbourhood)", "factorwise"),
        ["crossed_slope"] = ("crossed_sim.csv", "y ~ x + (1 + x | school) + (1 | neighbourhood)", ""),
        ["gamma_rate"] = ("hsb.csv", "mathach ~ meanses + (1 | school)",
            """{"group:school":{"dist":"gamma_precision","shape":2,"rate":{"dist":"gamma","shape":2,"rate":1}}}"""),
        ["linear_hyperprior"] = ("hsb.csv", "mathach ~ meanses + sector + ses + (1 | school)",
            """{"fixed":{"dist":"normal","mean":0,"variance":100},"fixed_hierarchy":{"terms":["meanses","sector","ses"],"design":[[1],[1],[1]],"predictors":["mu"],"delta":{"dist":"normal","mean":0,"variance":100},"omega":{"dist":"gamma_precision","shape":1,"rate":1}},"residual":{"dist":"uniform_sd","upper":100}}"""),
        ["independent_gamma"] = ("hsb.csv", "mathach ~ ses + (1 + ses || school)",
            """{"residual":{"dist":"log_normal_sd","meanlog":1.5,"sdlog":1},"group:school":{"dist":"independent_gamma_precision","shape":1,"rate":1}}"""),
        ["sd_priors"] = ("hsb.csv", "mathach ~ ses + (1 | school)",
            """{"residual":{"dist":"half_cauchy_sd","scale":5},"group:school":{"dist":"log_normal_sd","meanlog":0,"sdlog":1}}"""),
        ["inv_wishart_3"] = ("hsb.csv", "mathach ~ ses + minority + (1 + ses + minority | school)",
            """{"group:school":{"dist":"inv_wishart","df":4,"scale":[[1,0,0],[0,1,0],[0,0,1]]}}"""),
        ["lkj_3"] = ("hsb.csv", "mathach ~ ses + minority + (1 + ses + minority | school)", ""),
        ["three_level_slope"] = ("three_level_sim.csv", "y ~ x + (1 + x | school) + (1 | school:classroom)", ""),
        ["poisson_slope"] = ("poisson_sim.csv", "events ~ w + offset(log(exposure)) + (1 + w | clinic)", "poisson"),
    };

    public static IEnumerable<string> Names() => Cases.Keys;

    [ParamsSource(nameof(Names))]
    public string Case = "crossed";

    private GibbsChain _chain = null!;

    [GlobalSetup]
    public void Setup()
    {
        var (data, formula, priors) = Cases[Case];
        var spec = ModelSpec.FromFormula(formula);
        if (priors == "poisson") spec = spec.WithFamily(Family.Poisson);
        var prior = priors is "" or "poisson" or "factorwise" ? PriorSpec.Default : PriorSpec.FromJson(priors);
        _chain = SweepChain.Build(spec, DataTable.ReadCsv(RepoPaths.Data(data), spec.LabelColumns), prior, RemlOptions.Default, 1000, priors == "factorwise");
    }

    /// <summary>One sweep: every step of the chain once, not adapting.</summary>
    [Benchmark]
    public void Step() => _chain.Step();
}

/// <summary>A chain as <c>bayeshlm fit</c> starts chain 0 of seed 1, warmed up, then run on (not adapting) for a second
/// so that the runtime has compiled every method of a sweep in its final, optimised form before anything is measured
/// (tiered compilation waits 100 ms after the last new method before it counts calls; a setup of a few hundred sweeps
/// is over before then, and the recompilations would fall into the measured iterations).</summary>
internal static class SweepChain
{
    public static GibbsChain Build(ModelSpec spec, DataTable data, PriorSpec priors, RemlOptions reml, int warmup, bool factorwise = false)
    {
        var stats = SufficientStatistics.Build(spec, data);
        var resolved = ResolvedPriors.Resolve(priors, stats);
        var fit = GeneralizedFit.ForRun(stats, reml);
        var rng = Gibbs.ChainRandom(1, 0);
        var (sigma2, sigma) = StartValues.FromFit(fit, stats).ForChain(rng, stats.KnownResidualVariance);
        var chain = new GibbsChain(stats, resolved, rng, sigma2, sigma, factorwise) { Adapting = true };
        for (int t = 0; t < warmup; t++) chain.Step();
        chain.Adapting = false;
        var settle = System.Diagnostics.Stopwatch.StartNew();
        while (settle.ElapsedMilliseconds < 1000) chain.Step();
        return chain;
    }
}
