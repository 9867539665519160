using BayesHlm.Data;
using BayesHlm.Estimation;
using BayesHlm.Model;
using BayesHlm.Sampling;
using BayesHlm.Statistics;
using MathNet.Numerics.Distributions;

namespace BayesHlm.Tests.Sampling;

/// <summary>
/// A prior-only run samples the priors themselves, whatever the data: each parameter's draws against its prior's own
/// distribution function (Kolmogorov–Smirnov on thinned draws, nearly independent): normal fixed effects, an
/// inverse-gamma σ² (the conjugate step), a half-Cauchy sd (a Metropolis walk), the marginal variances of an
/// inverse-Wishart, and a Poisson model (its Gaussian stand-in without rows).
/// </summary>
public class PriorOnlyTests
{
    private static BayesHlm.Diagnostics.DrawSet PriorDraws(string formula, string priors, Family family = Family.Gaussian)
    {
        var rng = new Random(3);
        int n = 200;
        var g = Enumerable.Range(0, n).Select(i => (double)(i % 10)).ToArray();
        var x = Enumerable.Range(0, n).Select(_ => rng.NextStandardNormal()).ToArray();
        var y = Enumerable.Range(0, n).Select(i => family == Family.Gaussian ? 40 + 3 * x[i] + 5 * rng.NextStandardNormal() : rng.Next(5)).ToArray();
        var stats = SufficientStatistics.Build(ModelSpec.FromFormula(formula).WithFamily(family), DataTable.FromColumns([("g", g), ("x", x), ("y", y)]));
        var fit = BayesHlm.Estimation.Glmm.GeneralizedFit.ForRun(stats, RemlOptions.Default);
        return Gibbs.Sample(stats, PriorSpec.FromJson(priors), fit,
            new SamplerOptions { Chains = 2, Warmup = 500, Iterations = 500 + 2000 * 5, Thin = 5, Seed = 4, PriorOnly = true }).Draws;
    }

    private static void AssertDistributed(BayesHlm.Diagnostics.DrawSet draws, string name, Func<double, double> cdf)
    {
        var x = draws.Draws(name).ToArray();
        Array.Sort(x);
        int n = x.Length;
        double d = 0;
        for (int i = 0; i < n; i++) d = Math.Max(d, Math.Max((i + 1.0) / n - cdf(x[i]), cdf(x[i]) - (double)i / n));
        // 1.63/√n is the 1% critical value; the thinned draws are close to independent.
        Assert.True(d < 1.63 / Math.Sqrt(n), $"{name}: KS distance {d:F4} (critical {1.63 / Math.Sqrt(n):F4})");
    }

    private static double InverseGammaCdf(double shape, double scale, double v) => 1 - Gamma.CDF(shape, scale, 1 / v);

    [Fact]
    public void RandomIntercepts_ConjugateAndWalkedPriors_AreTheirPriors()
    {
        var draws = PriorDraws("y ~ x + (1 | g)", """
            {"fixed":{"dist":"normal","mean":2,"variance":9},
             "residual":{"dist":"gamma_precision","shape":3,"rate":2},
             "group:g":{"dist":"half_cauchy_sd","scale":1.5}}
            """);
        AssertDistributed(draws, "(Intercept)", v => Normal.CDF(2, 3, v));
        AssertDistributed(draws, "x", v => Normal.CDF(2, 3, v));
        AssertDistributed(draws, "sigma2", v => InverseGammaCdf(3, 2, v));
        // τ = √τ² ~ half-Cauchy(0, 1.5): P(τ² ≤ v) = (2/π) atan(√v / 1.5).
        AssertDistributed(draws, "tau2[g:(Intercept)]", v => 2 / Math.PI * Math.Atan(Math.Sqrt(v) / 1.5));
    }

    [Fact]
    public void InverseWishart_MarginalVariancesAreInverseGamma()
    {
        // Σ ~ IW(ν, S), q = 2: Σ_kk ~ InvGamma((ν − q + 1)/2, S_kk/2).
        var draws = PriorDraws("y ~ x + (1 + x | g)", """
            {"fixed":{"dist":"normal","mean":0,"variance":100},
             "residual":{"dist":"gamma_precision","shape":2,"rate":2},
             "group:g":{"dist":"inv_wishart","df":5,"scale":[[2,0.5],[0.5,1]]}}
            """);
        AssertDistributed(draws, "tau2[g:(Intercept)]", v => InverseGammaCdf(2, 1, v));
        AssertDistributed(draws, "tau2[g:x]", v => InverseGammaCdf(2, 0.5, v));
    }

    [Fact]
    public void PoissonModel_SamplesItsPriors()
    {
        var draws = PriorDraws("y ~ x + (1 | g)", """
            {"fixed":{"dist":"normal","mean":0,"variance":4},
             "group:g":{"dist":"gamma_precision","shape":4,"rate":3}}
            """, Family.Poisson);
        AssertDistributed(draws, "x", v => Normal.CDF(0, 2, v));
        AssertDistributed(draws, "tau2[g:(Intercept)]", v => InverseGammaCdf(4, 3, v));
    }
}
