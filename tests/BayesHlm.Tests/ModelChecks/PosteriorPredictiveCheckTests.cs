using BayesHlm.Data;
using BayesHlm.Estimation;
using BayesHlm.Model;
using BayesHlm.ModelChecks;
using BayesHlm.Sampling;
using BayesHlm.Statistics;

namespace BayesHlm.Tests.ModelChecks;

/// <summary>
/// Posterior predictive checks where the answer is known by construction: a normal random-intercept model fitted to
/// data whose residuals are skewed (centred exponential) or heavy-tailed (t₃) gets an extreme p-value for the statistic
/// that should catch it, and fitted to data from the model itself gets p-values of those statistics spread over (0, 1)
/// as a uniform sample is (Kolmogorov–Smirnov).
/// </summary>
public class PosteriorPredictiveCheckTests
{
    private const int Groups = 30, PerGroup = 20;

    private static PredictiveCheckResult Check(Func<Random, double> residual, int seed)
    {
        var rng = new Random(seed);
        int n = Groups * PerGroup;
        var g = Enumerable.Range(0, n).Select(i => (double)(i / PerGroup)).ToArray();
        var u = Enumerable.Range(0, Groups).Select(_ => rng.NextStandardNormal()).ToArray();
        var x = Enumerable.Range(0, n).Select(_ => rng.NextStandardNormal()).ToArray();
        var y = Enumerable.Range(0, n).Select(i => 5 + x[i] + u[(int)g[i]] + residual(rng)).ToArray();
        var (stats, design) = SufficientStatistics.BuildWithDesign(ModelSpec.FromFormula("y ~ x + (1 | g)"), DataTable.FromColumns([("g", g), ("x", x), ("y", y)]));
        var posterior = Gibbs.Sample(stats, PriorSpec.Default, Reml.Fit(stats),
            new SamplerOptions { Chains = 2, Warmup = 300, Iterations = 800, Seed = (ulong)seed, MaxParallelism = 1 });
        var sampler = stats.ForSampler();
        var reader = new DrawReader(sampler, ResolvedPriors.Resolve(PriorSpec.Default, stats), posterior.Draws);
        return PosteriorPredictiveCheck.Run(new RowPredictor(sampler, design, reader, 1), newGroups: false, seed: 2);
    }

    private static double P(PredictiveCheckResult check, string statistic) => check.Statistics.Single(s => s.Name == statistic).PValue;

    [Fact]
    public void SkewedResiduals_GiveAnExtremeSkewness()
    {
        var check = Check(r => 2 * (-Math.Log(1 - r.NextDouble()) - 1), 1);
        Assert.True(P(check, "skewness") < 0.005, $"p(skewness) = {P(check, "skewness")}");
    }

    [Fact]
    public void HeavyTailedResiduals_GiveExtremeMinimumAndMaximum()
    {
        // t₃ = z / sqrt(χ²₃/3).
        var check = Check(r => r.NextStandardNormal() / Math.Sqrt((Math.Pow(r.NextStandardNormal(), 2) + Math.Pow(r.NextStandardNormal(), 2) + Math.Pow(r.NextStandardNormal(), 2)) / 3), 2);
        Assert.True(P(check, "max") < 0.005, $"p(max) = {P(check, "max")}");
        Assert.True(P(check, "min") > 0.995, $"p(min) = {P(check, "min")}");
    }

    [Fact]
    public void TheRightModel_GivesPValuesSpreadLikeAUniform()
    {
        const int replications = 20;
        string[] statistics = ["skewness", "max", "min"];
        var p = statistics.ToDictionary(s => s, _ => new List<double>());
        for (int rep = 0; rep < replications; rep++)
        {
            var check = Check(r => 1.5 * r.NextStandardNormal(), 100 + rep);
            foreach (var s in statistics) p[s].Add(P(check, s));
        }
        foreach (var s in statistics)
        {
            var sorted = p[s].Order().ToArray();
            // Kolmogorov–Smirnov distance to the uniform; 0.356 is the 1% critical value for 20 values.
            double d = sorted.Select((v, i) => Math.Max((i + 1.0) / sorted.Length - v, v - (double)i / sorted.Length)).Max();
            Assert.True(d < 0.356, $"{s}: KS distance {d:F3} from the uniform; p-values {string.Join(", ", sorted.Select(v => v.ToString("F2")))}");
        }
    }
}
