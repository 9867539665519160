using BayesHlm.Data;
using BayesHlm.Estimation;
using BayesHlm.Estimation.Glmm;
using BayesHlm.Model;
using BayesHlm.Sampling;
using BayesHlm.Statistics;

namespace BayesHlm.Tests.Sampling;

/// <summary>
/// A Gibbs sweep allocates nothing (issue 15): after warm-up, <see cref="GibbsChain.Step"/> of every model file in
/// models/*.yaml — and of the samplers' paths no model file takes (crossed factors, jointly and factor by factor, the
/// gamma-rate hyperprior, the linear hyperprior, sd priors, independent gamma precisions, a three-effect inverse-Wishart,
/// a Poisson random slope, precision weights) — is counted by <see cref="GC.GetAllocatedBytesForCurrentThread"/>, which
/// counts every managed allocation of the thread exactly, and must count none. Adapting sweeps are not counted: their
/// proposals reshape themselves every 50 moves, which may allocate, and they end with the warm-up.
/// </summary>
public class SweepAllocationTests
{
    private const int WarmupSweeps = 150, CountedSweeps = 60;

    /// <summary>Every model file of models/, by its name without .yaml (found, not listed: a new file is tested too).</summary>
    public static TheoryData<string> ModelFiles()
    {
        var names = new TheoryData<string>();
        foreach (var path in Directory.EnumerateFiles(Path.Combine(RepositoryPaths.RepositoryDirectory, "models"), "*.yaml").Order(StringComparer.Ordinal))
            names.Add(Path.GetFileNameWithoutExtension(path));
        return names;
    }

    [Theory]
    [MemberData(nameof(ModelFiles))]
    public void Sweep_OfEveryModelFile_AllocatesNothing(string model)
    {
        var chain = SweepChains.FromModelFile(RepositoryPaths.Model(model));
        long allocated = AllocatedBySweeps(chain);
        Assert.True(allocated == 0, $"{model}: {allocated} B in {CountedSweeps} sweeps");
    }

    /// <summary>The paths of the sampler the model files leave out: formula, data file, priors (JSON; empty: the defaults).</summary>
    public static TheoryData<string, string, string, string> OtherSamplers() => new()
    {
        { "crossed", "crossed_sim.csv", "y ~ x + (1 | school) + (1 | neighbourhood)", "" },
        { "crossed, factor by factor", "crossed_sim.csv", "y ~ x + (1 | school) + (1 | neighbourhood)", "factorwise" },
        { "crossed random slope", "crossed_sim.csv", "y ~ x + (1 + x | school) + (1 | neighbourhood)", "" },
        { "gamma-rate hyperprior", "hsb.csv", "mathach ~ meanses + (1 | school)",
            """{"group:school":{"dist":"gamma_precision","shape":2,"rate":{"dist":"gamma","shape":2,"rate":1}}}""" },
        { "linear hyperprior, uniform sd", "hsb.csv", "mathach ~ meanses + sector + ses + (1 | school)",
            """{"fixed":{"dist":"normal","mean":0,"variance":100},"fixed_hierarchy":{"terms":["meanses","sector","ses"],"design":[[1],[1],[1]],"predictors":["mu"],"delta":{"dist":"normal","mean":0,"variance":100},"omega":{"dist":"gamma_precision","shape":1,"rate":1}},"residual":{"dist":"uniform_sd","upper":100}}""" },
        { "independent gamma precisions, log-normal sd", "hsb.csv", "mathach ~ ses + (1 + ses || school)",
            """{"residual":{"dist":"log_normal_sd","meanlog":1.5,"sdlog":1},"group:school":{"dist":"independent_gamma_precision","shape":1,"rate":1}}""" },
        { "half-Cauchy and log-normal sds", "hsb.csv", "mathach ~ ses + (1 | school)",
            """{"residual":{"dist":"half_cauchy_sd","scale":5},"group:school":{"dist":"log_normal_sd","meanlog":0,"sdlog":1}}""" },
        { "inverse-Wishart, three effects", "hsb.csv", "mathach ~ ses + minority + (1 + ses + minority | school)",
            """{"group:school":{"dist":"inv_wishart","df":4,"scale":[[1,0,0],[0,1,0],[0,0,1]]}}""" },
        { "LKJ, three effects", "hsb.csv", "mathach ~ ses + minority + (1 + ses + minority | school)", "" },
        { "three levels, random slope", "three_level_sim.csv", "y ~ x + (1 + x | school) + (1 | school:classroom)", "" },
        { "Poisson random slope", "poisson_sim.csv", "events ~ w + offset(log(exposure)) + (1 + w | clinic)", "poisson" },
    };

    [Theory]
    [MemberData(nameof(OtherSamplers))]
    public void Sweep_OfEverySamplerPath_AllocatesNothing(string what, string data, string formula, string priors)
    {
        var spec = ModelSpec.FromFormula(formula);
        if (priors == "poisson") spec = spec.WithFamily(Family.Poisson);
        bool factorwise = priors == "factorwise";
        var prior = priors is "" or "poisson" or "factorwise" ? PriorSpec.Default : PriorSpec.FromJson(priors);
        var chain = SweepChains.Build(spec, DataTable.ReadCsv(RepositoryPaths.Data(data), spec.LabelColumns), prior, RemlOptions.Default, factorwise);
        long allocated = AllocatedBySweeps(chain);
        Assert.True(allocated == 0, $"{what}: {allocated} B in {CountedSweeps} sweeps");
    }

    /// <summary>The tests above can fail: a sweep that allocates — here its random stream boxes every uniform it returns,
    /// kept where the JIT cannot prove it dead — is counted, at least 24 B for each uniform of each counted sweep.</summary>
    [Fact]
    public void Counter_SeesASweepThatAllocates()
    {
        var rng = new BoxingRandom();
        var chain = SweepChains.FromModelFile(RepositoryPaths.Model("hsb_anova"), rng);
        long allocated = AllocatedBySweeps(chain, () => rng.Uniforms = 0);
        Assert.True(rng.Uniforms >= CountedSweeps, $"{rng.Uniforms} uniforms in {CountedSweeps} sweeps");
        Assert.True(allocated >= 24 * rng.Uniforms, $"{allocated} B counted for {rng.Uniforms} boxed doubles");
    }

    /// <summary>Bytes allocated on this thread by <see cref="CountedSweeps"/> sweeps, after <see cref="WarmupSweeps"/>
    /// adapting ones and as many not adapting (so every method the sweep calls has run, and every lazily built
    /// static exists, before the count).</summary>
    private static long AllocatedBySweeps(GibbsChain chain, Action? beforeCount = null)
    {
        chain.Adapting = true;
        for (int t = 0; t < WarmupSweeps; t++) chain.Step();
        chain.Adapting = false;
        for (int t = 0; t < WarmupSweeps; t++) chain.Step();
        beforeCount?.Invoke();
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int t = 0; t < CountedSweeps; t++) chain.Step();
        return GC.GetAllocatedBytesForCurrentThread() - before;
    }

    /// <summary>The chain's own stream, except that every uniform is boxed and the box kept.</summary>
    private sealed class BoxingRandom : Random
    {
        private readonly ChainRandom _stream = new(1);
        public static object? Last;
        public long Uniforms;

        public override double NextDouble()
        {
            double u = _stream.NextDouble();
            Last = u;
            Uniforms++;
            return u;
        }
    }
}

/// <summary>A chain as <c>bayeshlm fit</c> starts it: the model file's data, statistics, priors and EB/ML fit, chain 0 of
/// seed 1, started where <see cref="StartValues.FromFit"/> disperses it.</summary>
internal static class SweepChains
{
    public static GibbsChain FromModelFile(string path, Random? rng = null)
    {
        var file = ModelFile.Load(path);
        var data = DataTable.ReadCsv(file.DataPath, file.Spec.LabelColumns, file.MissingValues, file.DecimalComma);
        var method = file.Method is null || file.Spec.Family != Family.Gaussian ? EstimationMethod.Reml : RemlOptions.ParseMethod(file.Method);
        return Build(file.Spec, data, file.Priors, new RemlOptions { Method = method }, rng: rng);
    }

    public static GibbsChain Build(ModelSpec spec, DataTable data, PriorSpec priors, RemlOptions reml, bool factorwise = false, Random? rng = null)
    {
        var stats = SufficientStatistics.Build(spec, data);
        var resolved = ResolvedPriors.Resolve(priors, stats);
        var fit = GeneralizedFit.ForRun(stats, reml);
        rng ??= Gibbs.ChainRandom(1, 0);
        var (sigma2, sigma) = StartValues.FromFit(fit, stats).ForChain(rng, stats.KnownResidualVariance);
        return new GibbsChain(stats, resolved, rng, sigma2, sigma, factorwise);
    }
}
