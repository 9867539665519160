using BayesHlm.Estimation;
using BayesHlm.Data;
using BayesHlm.Model;
using BayesHlm.Sampling;
using BayesHlm.Statistics;
using MathNet.Numerics.Distributions;
using MathNet.Numerics.LinearAlgebra;

namespace BayesHlm.Tests.Sampling;

/// <summary>
/// Simulation-based calibration (Talts et al. 2018): draw the parameters from the prior, data from the model, fit; the
/// rank of each true value among its posterior draws must be uniform over replications when the sampler is right.
/// Each parameter's rank histogram (10 bins) gets a χ² test at 10⁻⁴ (with ~16 histograms, a correct sampler fails this
/// test far less than once in 1,000 runs; the seed is fixed anyway). Draws are thinned so they are nearly independent.
/// </summary>
[Trait("Category", "Slow")]
public class SimulationBasedCalibrationTests
{
    private const int Replications = 300, Draws = 100, Thin = 10, Warmup = 300, Bins = 10;
    private const double ChiSquareCritical = 33.72; // χ²(9) at 1 − 10⁻⁴

    [Fact]
    public void RandomSlopeModel_WithInverseWishart_IsCalibrated() =>
        RandomSlopeCalibration("""{"dist":"inv_wishart","df":5,"scale":[[1,0],[0,0.5]]}""", 20181017, rng =>
        {
            var sigma = InverseWishart.Sample(rng, 5, Matrix<double>.Build.DenseOfArray(new double[,] { { 1, 0 }, { 0, 0.5 } }));
            var chol = sigma.Cholesky().Factor;
            return (chol[0, 0], chol[1, 0], chol[1, 1]);
        });

    /// <summary>The LKJ prior with half-t sds, whose covariance step is Metropolis–Hastings (with the interweaving move on top).</summary>
    [Fact]
    public void RandomSlopeModel_WithLkjAndHalfTSds_IsCalibrated() =>
        RandomSlopeCalibration("""{"dist":"lkj_half_t","eta":2,"df":3,"scales":[1,0.7]}""", 20181019, rng =>
        {
            // sds |t₃|·scale; for two effects LKJ(η) is r = 2B − 1 with B ~ Beta(η, η).
            double s0 = Math.Abs(StudentT.Sample(rng, 0, 1, 3)), s1 = 0.7 * Math.Abs(StudentT.Sample(rng, 0, 1, 3));
            double r = 2 * Beta.Sample(rng, 2, 2) - 1;
            return (s0, s1 * r, s1 * Math.Sqrt(1 - r * r));
        });

    /// <summary>y ~ x + (1 + x | g) with 12 groups of 6, normal(0, 1) fixed effects and a Gamma(4, 4) residual precision;
    /// the school covariance Σ = LLᵀ from <paramref name="drawCholesky"/> (l00, l10, l11), a draw of <paramref name="groupPrior"/>.</summary>
    private static void RandomSlopeCalibration(string groupPrior, int seed, Func<Random, (double L00, double L10, double L11)> drawCholesky)
    {
        const int groups = 12, perGroup = 6;
        var priors = PriorSpec.FromJson($$"""
            {"fixed":{"dist":"normal","mean":0,"variance":1},
             "residual":{"dist":"gamma_precision","shape":4,"rate":4},
             "group:g":{{groupPrior}}}
            """);
        var spec = ModelSpec.FromFormula("y ~ x + (1 + x | g)");
        var rng = new Random(seed);
        var g = Enumerable.Range(0, groups * perGroup).Select(i => (double)(i / perGroup)).ToArray();
        var x = g.Select(_ => rng.NextStandardNormal()).ToArray();
        string[] names = ["(Intercept)", "x", "sigma2", "tau2[g:(Intercept)]", "tau2[g:x]", "cov[g:(Intercept),x]"];
        var ranks = names.Select(_ => new List<int>()).ToArray();
        for (int rep = 0; rep < Replications; rep++)
        {
            double b0 = rng.NextStandardNormal(), b1 = rng.NextStandardNormal();
            double sigma2 = 1 / Gamma.Sample(rng, 4, 4);
            var (l00, l10, l11) = drawCholesky(rng);
            var u = Enumerable.Range(0, groups).Select(_ =>
            {
                double z0 = rng.NextStandardNormal(), z1 = rng.NextStandardNormal();
                return (l00 * z0, l10 * z0 + l11 * z1);
            }).ToArray();
            var y = g.Select((gj, i) => b0 + b1 * x[i] + u[(int)gj].Item1 + u[(int)gj].Item2 * x[i] + Math.Sqrt(sigma2) * rng.NextStandardNormal()).ToArray();
            double[] truth = [b0, b1, sigma2, l00 * l00, l10 * l10 + l11 * l11, l00 * l10];
            Rank(spec, DataTable.FromColumns([("g", g), ("x", x), ("y", y)]), priors, (ulong)rep, names, truth, ranks);
        }
        AssertUniform(names, ranks);
    }

    /// <summary>The third-level gamma: 1/τ² ~ Gamma(3, b), b ~ Gamma(3, 2), on y ~ x + (1 | g), 8 groups of 4 — through
    /// the conjugate steps and the ancillary move of τ with b held fixed.</summary>
    [Fact]
    public void RandomGammaRateHyperprior_IsCalibrated()
    {
        const int groups = 8, per = 4;
        var priors = PriorSpec.FromJson("""
            {"fixed":{"dist":"normal","mean":0,"variance":1},
             "residual":{"dist":"gamma_precision","shape":4,"rate":4},
             "group:g":{"dist":"gamma_precision","shape":3,"rate":{"dist":"gamma","shape":3,"rate":2}}}
            """);
        var spec = ModelSpec.FromFormula("y ~ x + (1 | g)");
        var rng = new Random(20261202);
        int n = groups * per;
        var g = Enumerable.Range(0, n).Select(i => (double)(i / per)).ToArray();
        var x = g.Select(_ => rng.NextStandardNormal()).ToArray();
        string[] names = ["(Intercept)", "x", "sigma2", "tau2[g:(Intercept)]", "b[g]"];
        var ranks = names.Select(_ => new List<int>()).ToArray();
        for (int rep = 0; rep < Replications; rep++)
        {
            double b0 = rng.NextStandardNormal(), b1 = rng.NextStandardNormal();
            double sigma2 = 1 / Gamma.Sample(rng, 4, 4);
            double rate = Gamma.Sample(rng, 3, 2), tau2 = 1 / Gamma.Sample(rng, 3, rate);
            var u = Enumerable.Range(0, groups).Select(_ => Math.Sqrt(tau2) * rng.NextStandardNormal()).ToArray();
            var y = Enumerable.Range(0, n).Select(i => b0 + b1 * x[i] + u[(int)g[i]] + Math.Sqrt(sigma2) * rng.NextStandardNormal()).ToArray();
            double[] truth = [b0, b1, sigma2, tau2, rate];
            Rank(spec, DataTable.FromColumns([("g", g), ("x", x), ("y", y)]), priors, (ulong)rep, names, truth, ranks);
        }
        AssertUniform(names, ranks);
    }

    [Fact]
    public void ThreeLevelModel_WithGammaAndUniformSdPriors_IsCalibrated()
    {
        const int schools = 6, classes = 3, students = 4;
        var priors = PriorSpec.FromJson("""
            {"fixed":{"dist":"normal","mean":0,"variance":1},
             "residual":{"dist":"gamma_precision","shape":4,"rate":4},
             "group:s":{"dist":"gamma_precision","shape":3,"rate":2},
             "group:s:c":{"dist":"uniform_sd","upper":1.5}}
            """);
        var spec = ModelSpec.FromFormula("y ~ x + (1 | s/c)");
        var rng = new Random(20181018);
        int n = schools * classes * students;
        var s = Enumerable.Range(0, n).Select(i => (double)(i / (classes * students))).ToArray();
        var c = Enumerable.Range(0, n).Select(i => (double)(i / students % classes)).ToArray();
        var x = s.Select(_ => rng.NextStandardNormal()).ToArray();
        string[] names = ["(Intercept)", "x", "sigma2", "tau2[s:(Intercept)]", "tau2[s:c:(Intercept)]"];
        var ranks = names.Select(_ => new List<int>()).ToArray();
        for (int rep = 0; rep < Replications; rep++)
        {
            double b0 = rng.NextStandardNormal(), b1 = rng.NextStandardNormal();
            double sigma2 = 1 / Gamma.Sample(rng, 4, 4);
            double tauS = 1 / Gamma.Sample(rng, 3, 2);
            double sdC = 1.5 * rng.NextDouble();
            var us = Enumerable.Range(0, schools).Select(_ => Math.Sqrt(tauS) * rng.NextStandardNormal()).ToArray();
            var uc = Enumerable.Range(0, schools * classes).Select(_ => sdC * rng.NextStandardNormal()).ToArray();
            var y = Enumerable.Range(0, n).Select(i => b0 + b1 * x[i] + us[(int)s[i]] + uc[(int)s[i] * classes + (int)c[i]] + Math.Sqrt(sigma2) * rng.NextStandardNormal()).ToArray();
            double[] truth = [b0, b1, sigma2, tauS, sdC * sdC];
            Rank(spec, DataTable.FromColumns([("s", s), ("c", c), ("x", x), ("y", y)]), priors, (ulong)rep, names, truth, ranks);
        }
        AssertUniform(names, ranks);
    }

    /// <summary>Crossed factors with a random slope: y ~ x + (1 + x | g) + (1 | h), 8 groups of g crossed with 5 of h
    /// (each row's pair drawn at random), an inverse-Wishart on g's block and a gamma on h's precision; with the joint
    /// draw of the location effects, and with the factor-by-factor sweep that large crossed designs use.</summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void CrossedModelWithASlope_IsCalibrated(bool factorwise)
    {
        const int n = 64;
        var priors = PriorSpec.FromJson("""
            {"fixed":{"dist":"normal","mean":0,"variance":1},
             "residual":{"dist":"gamma_precision","shape":4,"rate":4},
             "group:g":{"dist":"inv_wishart","df":5,"scale":[[1,0],[0,0.5]]},
             "group:h":{"dist":"gamma_precision","shape":3,"rate":2}}
            """);
        var spec = ModelSpec.FromFormula("y ~ x + (1 + x | g) + (1 | h)");
        var rng = new Random(20181020);
        var g = Enumerable.Range(0, n).Select(i => (double)(i % 8)).ToArray();
        var h = Enumerable.Range(0, n).Select(_ => (double)rng.Next(5)).ToArray();
        var x = g.Select(_ => rng.NextStandardNormal()).ToArray();
        string[] names = ["(Intercept)", "x", "sigma2", "tau2[g:(Intercept)]", "tau2[g:x]", "cov[g:(Intercept),x]", "tau2[h:(Intercept)]"];
        var ranks = names.Select(_ => new List<int>()).ToArray();
        for (int rep = 0; rep < Replications; rep++)
        {
            double b0 = rng.NextStandardNormal(), b1 = rng.NextStandardNormal();
            double sigma2 = 1 / Gamma.Sample(rng, 4, 4);
            var sigma = InverseWishart.Sample(rng, 5, Matrix<double>.Build.DenseOfArray(new double[,] { { 1, 0 }, { 0, 0.5 } }));
            var chol = sigma.Cholesky().Factor;
            double tauH = 1 / Gamma.Sample(rng, 3, 2);
            var ug = Enumerable.Range(0, 8).Select(_ =>
            {
                double z0 = rng.NextStandardNormal(), z1 = rng.NextStandardNormal();
                return (chol[0, 0] * z0, chol[1, 0] * z0 + chol[1, 1] * z1);
            }).ToArray();
            var uh = Enumerable.Range(0, 5).Select(_ => Math.Sqrt(tauH) * rng.NextStandardNormal()).ToArray();
            var y = Enumerable.Range(0, n).Select(i => b0 + b1 * x[i] + ug[(int)g[i]].Item1 + ug[(int)g[i]].Item2 * x[i] + uh[(int)h[i]]
                + Math.Sqrt(sigma2) * rng.NextStandardNormal()).ToArray();
            double[] truth = [b0, b1, sigma2, sigma[0, 0], sigma[1, 1], sigma[0, 1], tauH];
            Rank(spec, DataTable.FromColumns([("g", g), ("h", h), ("x", x), ("y", y)]), priors, (ulong)rep, names, truth, ranks, factorwise);
        }
        AssertUniform(names, ranks);
    }

    /// <summary>A multilevel logistic model with a random slope: pass ~ x + (1 + x | g), 16 groups of 10 rows, normal
    /// priors on β and an inverse-Wishart on g's block, through the Pólya-Gamma sampler. Each chain starts at the same
    /// place (Σ = I), not at a fit of the data.</summary>
    [Fact]
    public void LogisticModelWithASlope_IsCalibrated()
    {
        const int groups = 16, per = 10, n = groups * per;
        var priors = PriorSpec.FromJson("""
            {"fixed":{"dist":"normal","mean":0,"variance":1},
             "group:g":{"dist":"inv_wishart","df":5,"scale":[[1,0],[0,0.5]]}}
            """);
        var spec = ModelSpec.FromFormula("y ~ x + (1 + x | g)").WithFamily(Family.Bernoulli);
        var rng = new Random(20261202);
        var g = Enumerable.Range(0, n).Select(i => (double)(i / per)).ToArray();
        var x = g.Select(_ => rng.NextStandardNormal()).ToArray();
        string[] names = ["(Intercept)", "x", "tau2[g:(Intercept)]", "tau2[g:x]", "cov[g:(Intercept),x]"];
        var ranks = names.Select(_ => new List<int>()).ToArray();
        for (int rep = 0; rep < Replications; rep++)
        {
            double b0 = rng.NextStandardNormal(), b1 = rng.NextStandardNormal();
            var sigma = InverseWishart.Sample(rng, 5, Matrix<double>.Build.DenseOfArray(new double[,] { { 1, 0 }, { 0, 0.5 } }));
            var chol = sigma.Cholesky().Factor;
            var u = Enumerable.Range(0, groups).Select(_ =>
            {
                double z0 = rng.NextStandardNormal(), z1 = rng.NextStandardNormal();
                return (chol[0, 0] * z0, chol[1, 0] * z0 + chol[1, 1] * z1);
            }).ToArray();
            var y = Enumerable.Range(0, n).Select(i =>
            {
                double eta = b0 + b1 * x[i] + u[(int)g[i]].Item1 + u[(int)g[i]].Item2 * x[i];
                return rng.NextDouble() < 1 / (1 + Math.Exp(-eta)) ? 1.0 : 0.0;
            }).ToArray();
            if (y.All(v => v == y[0])) y[0] = 1 - y[0]; // an all-0 or all-1 data set has nothing to fit; a rare flip keeps the design
            double[] truth = [b0, b1, sigma[0, 0], sigma[1, 1], sigma[0, 1]];
            var stats = SufficientStatistics.Build(spec, DataTable.FromColumns([("g", g), ("x", x), ("y", y)]));
            var start = new StartValues(1, [new[] { 1.0, 0, 0, 1 }], Disperse: false);
            RankFrom(stats, priors, start, (ulong)rep, names, truth, ranks);
        }
        AssertUniform(names, ranks);
    }

    /// <summary>A logistic model with crossed factors: y ~ x + (1 | g) + (1 | h), 8 groups of g crossed with 6 of h, gamma
    /// priors on both precisions; the working statistics refilled every sweep reach the crossed kernel (joint draw) and
    /// the factor-wise sweep alike.</summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void CrossedLogisticModel_IsCalibrated(bool factorwise)
    {
        const int n = 144;
        var priors = PriorSpec.FromJson("""
            {"fixed":{"dist":"normal","mean":0,"variance":1},
             "group:g":{"dist":"gamma_precision","shape":3,"rate":2},
             "group:h":{"dist":"gamma_precision","shape":3,"rate":2}}
            """);
        var spec = ModelSpec.FromFormula("y ~ x + (1 | g) + (1 | h)").WithFamily(Family.Bernoulli);
        var rng = new Random(20261203);
        var g = Enumerable.Range(0, n).Select(i => (double)(i % 8)).ToArray();
        var h = Enumerable.Range(0, n).Select(_ => (double)rng.Next(6)).ToArray();
        var x = g.Select(_ => rng.NextStandardNormal()).ToArray();
        string[] names = ["(Intercept)", "x", "tau2[g:(Intercept)]", "tau2[h:(Intercept)]"];
        var ranks = names.Select(_ => new List<int>()).ToArray();
        for (int rep = 0; rep < Replications; rep++)
        {
            double b0 = rng.NextStandardNormal(), b1 = rng.NextStandardNormal();
            double tauG = 1 / Gamma.Sample(rng, 3, 2), tauH = 1 / Gamma.Sample(rng, 3, 2);
            var ug = Enumerable.Range(0, 8).Select(_ => Math.Sqrt(tauG) * rng.NextStandardNormal()).ToArray();
            var uh = Enumerable.Range(0, 6).Select(_ => Math.Sqrt(tauH) * rng.NextStandardNormal()).ToArray();
            var y = Enumerable.Range(0, n).Select(i => rng.NextDouble() < 1 / (1 + Math.Exp(-(b0 + b1 * x[i] + ug[(int)g[i]] + uh[(int)h[i]]))) ? 1.0 : 0.0).ToArray();
            if (y.All(v => v == y[0])) y[0] = 1 - y[0];
            double[] truth = [b0, b1, tauG, tauH];
            var stats = SufficientStatistics.Build(spec, DataTable.FromColumns([("g", g), ("h", h), ("x", x), ("y", y)]));
            var start = new StartValues(1, [[1.0], [1.0]], Disperse: false);
            RankFrom(stats, priors, start, (ulong)rep, names, truth, ranks, factorwise);
        }
        AssertUniform(names, ranks);
    }

    /// <summary>A Poisson model with an exposure: y ~ x + offset(log(exposure)) + (1 | g), 16 groups of 8 rows, normal
    /// priors on β and a gamma on g's precision, through the Laplace-proposal Metropolis–Hastings steps.</summary>
    [Fact]
    public void PoissonModelWithAnOffset_IsCalibrated()
    {
        const int groups = 16, per = 8, n = groups * per;
        var priors = PriorSpec.FromJson("""
            {"fixed":{"dist":"normal","mean":0,"variance":1},
             "group:g":{"dist":"gamma_precision","shape":3,"rate":2}}
            """);
        var spec = ModelSpec.FromFormula("y ~ x + offset(log(exposure)) + (1 | g)").WithFamily(Family.Poisson);
        var rng = new Random(20261204);
        var g = Enumerable.Range(0, n).Select(i => (double)(i / per)).ToArray();
        var x = g.Select(_ => rng.NextStandardNormal()).ToArray();
        var exposure = g.Select(_ => 0.5 + 1.5 * rng.NextDouble()).ToArray();
        string[] names = ["(Intercept)", "x", "tau2[g:(Intercept)]"];
        var ranks = names.Select(_ => new List<int>()).ToArray();
        for (int rep = 0; rep < Replications; rep++)
        {
            double b0 = rng.NextStandardNormal(), b1 = rng.NextStandardNormal(), tau = 1 / Gamma.Sample(rng, 3, 2);
            var u = Enumerable.Range(0, groups).Select(_ => Math.Sqrt(tau) * rng.NextStandardNormal()).ToArray();
            var y = Enumerable.Range(0, n).Select(i => (double)Poisson.Sample(rng, exposure[i] * Math.Exp(b0 + b1 * x[i] + u[(int)g[i]]))).ToArray();
            if (y.All(v => v == 0)) y[0] = 1; // nothing to fit otherwise; rare
            double[] truth = [b0, b1, tau];
            var stats = SufficientStatistics.Build(spec, DataTable.FromColumns([("g", g), ("x", x), ("exposure", exposure), ("y", y)]));
            var start = new StartValues(1, [[1.0]], Disperse: false);
            RankFrom(stats, priors, start, (ulong)rep, names, truth, ranks);
        }
        AssertUniform(names, ranks);
    }

    /// <summary>One replication from a fixed start (not a fit of the data): each parameter's rank of the truth among its draws.</summary>
    private static void RankFrom(SufficientStatistics stats, PriorSpec priors, StartValues start, ulong seed, string[] names, double[] truth, List<int>[] ranks, bool factorwise = false)
    {
        var post = Gibbs.Sample(stats, ResolvedPriors.Resolve(priors, stats), start,
            new SamplerOptions { Chains = 1, Warmup = Warmup, Iterations = Warmup + Draws * Thin, Thin = Thin, Seed = seed, MaxParallelism = 1, FactorwiseLocation = factorwise });
        for (int k = 0; k < names.Length; k++)
            ranks[k].Add(post.Draws.Draws(names[k]).ToArray().Count(d => d < truth[k]));
    }

    private static void Rank(ModelSpec spec, DataTable data, PriorSpec priors, ulong seed, string[] names, double[] truth, List<int>[] ranks, bool factorwise = false)
    {
        var stats = SufficientStatistics.Build(spec, data);
        var post = Gibbs.Sample(stats, priors, Reml.Fit(stats), new SamplerOptions { Chains = 1, Warmup = Warmup, Iterations = Warmup + Draws * Thin, Thin = Thin, Seed = seed, MaxParallelism = 1, FactorwiseLocation = factorwise });
        for (int k = 0; k < names.Length; k++)
        {
            var draws = post.Draws.Draws(names[k]);
            int below = 0;
            foreach (double d in draws) if (d < truth[k]) below++;
            ranks[k].Add(below);
        }
    }

    private static void AssertUniform(string[] names, List<int>[] ranks)
    {
        for (int k = 0; k < names.Length; k++)
        {
            // Ranks 0..Draws (Draws + 1 values) into 10 bins of equal probability as near as integers allow.
            var counts = new int[Bins];
            foreach (int r in ranks[k]) counts[Math.Min(r * Bins / (Draws + 1), Bins - 1)]++;
            var expected = new double[Bins];
            for (int r = 0; r <= Draws; r++) expected[Math.Min(r * Bins / (Draws + 1), Bins - 1)] += ranks[k].Count / (double)(Draws + 1);
            double chi2 = 0;
            for (int b = 0; b < Bins; b++) chi2 += (counts[b] - expected[b]) * (counts[b] - expected[b]) / expected[b];
            Assert.True(chi2 < ChiSquareCritical, $"{names[k]}: rank histogram not uniform (χ² = {chi2:F1}): {string.Join(" ", counts)}");
        }
    }
}
