using BayesHlm.Estimation;
using BayesHlm.Data;
using BayesHlm.Diagnostics;
using BayesHlm.Model;
using BayesHlm.Sampling;
using BayesHlm.Statistics;
using BayesHlm.Tests.Reference;
using MathNet.Numerics.Distributions;
using MathNet.Numerics.LinearAlgebra;

namespace BayesHlm.Tests.Sampling;

/// <summary>The prior vocabulary beyond the reference cases, each against a closed form: fixed-effect priors per term,
/// as a block and as a linear hyperprior (exact Gaussian posteriors when the level-1 variances are known), the LKJ and
/// half-t prior on a covariance (the walk with no data must return the prior), and the defaults written out in full.</summary>
public class PriorTests
{
    private static SufficientStatistics Hsb(string formula) => SufficientStatistics.Build(ModelSpec.FromFormula(formula),
        DataTable.ReadCsv(Path.Combine(RemlReference.RepositoryDirectory, "models", "data", "hsb.csv")));

    [Fact]
    public void Defaults_AreProperScaledAndWrittenOutInFull_AndTheWrittenFormResolvesTheSame()
    {
        var stats = Hsb("mathach ~ meanses + center(ses, school) + (1 + center(ses, school) | school)");
        var resolved = ResolvedPriors.Resolve(PriorSpec.Default, stats);
        var complete = resolved.Complete;
        Assert.Equal(3, complete.FixedTerms.Count);
        var residual = Assert.IsType<VariancePrior.HalfTSd>(complete.Residual);
        Assert.InRange(residual.Scale, 6.5, 7.2); // sd of mathach is 6.88
        var school = Assert.IsType<VariancePrior.LkjHalfT>(complete.Groups["school"]);
        Assert.Equal(2, school.Scales.Length);
        Assert.True(school.Scales[1] > school.Scales[0]); // the slope's scale is s_y / s_x with s_x < 1
        Assert.Equal(12.75, complete.FixedTerms["(Intercept)"].Mean, 0.05);

        var again = ResolvedPriors.Resolve(PriorSpec.FromJson(complete.ToJson()), stats);
        Assert.Equal(resolved.FixedPrecision, again.FixedPrecision);
        Assert.Equal(resolved.FixedPrecisionTimesMean, again.FixedPrecisionTimesMean);
        Assert.Equal(complete.ToJson(), again.Complete.ToJson());
    }

    [Theory]
    [InlineData("""{"fixed:mean_ses":{"dist":"normal","mean":0,"variance":1}}""", "Did you mean 'meanses'")]
    [InlineData("""{"group:schol":{"dist":"half_t_sd","df":3,"scale":1}}""", "grouping factors are 'school'")]
    [InlineData("""{"fixed:meanses":{"dist":"normal","mean":0,"variance":1},"fixed_block":{"dist":"mv_normal","terms":["meanses"],"mean":[0],"covariance":[[1]]}}""", "has two priors")]
    [InlineData("""{"group:school":{"dist":"inv_wishart","df":3,"scale":[[1,2],[2,1]]}}""", "positive-definite")]
    [InlineData("""{"group:school":{"dist":"gamma_precision","shape":1,"rate":1}}""", "correlated effects take inv_wishart or lkj_half_t")]
    public void PriorsThatDoNotFitTheModel_SaySo(string json, string fragment)
    {
        var stats = Hsb("mathach ~ meanses + center(ses, school) + (1 + center(ses, school) | school)");
        var e = Assert.Throws<ModelSpecificationException>(() => ResolvedPriors.Resolve(PriorSpec.FromJson(json), stats));
        Assert.Contains(fragment, e.Message);
    }

    /// <summary>y_i ~ N(x_iβ, v_i) with v known and a Gaussian prior: the posterior is Gaussian, and the sampler's draws
    /// of β are independent, so their mean and covariance must match the closed form to sampling error.</summary>
    [Theory]
    [InlineData("block")]
    [InlineData("hierarchy_fixed_omega")]
    public void KnownVariances_GaussianPriors_GiveTheClosedFormPosterior(string kind)
    {
        var rng = new Random(3);
        int n = 30;
        var x = Enumerable.Range(0, n).Select(_ => rng.NextStandardNormal()).ToArray();
        var z = Enumerable.Range(0, n).Select(_ => rng.NextDouble()).ToArray();
        var v = Enumerable.Range(0, n).Select(_ => 0.5 + rng.NextDouble() * 3).ToArray();
        var y = Enumerable.Range(0, n).Select(i => 1 + 0.5 * x[i] - z[i] + Math.Sqrt(v[i]) * rng.NextStandardNormal()).ToArray();
        var spec = ModelSpec.FromFormula("y ~ x + z").WithKnownResidual("v", isStandardDeviation: false);
        var stats = SufficientStatistics.Build(spec, DataTable.FromColumns([("x", x), ("z", z), ("v", v), ("y", y)]));

        // Prior of (β0, β1, β2[, δ]) as one Gaussian: mean and covariance.
        Vector<double> m0;
        Matrix<double> c0;
        string json;
        if (kind == "block")
        {
            json = """{"fixed_block":{"dist":"mv_normal","terms":["(Intercept)","x"],"mean":[2,0],"covariance":[[1,0.5],[0.5,2]]},"fixed:z":{"dist":"normal","mean":-2,"variance":0.3}}""";
            m0 = Vector<double>.Build.DenseOfArray([2, 0, -2]);
            c0 = Matrix<double>.Build.DenseOfArray(new double[,] { { 1, 0.5, 0 }, { 0.5, 2, 0 }, { 0, 0, 0.3 } });
        }
        else
        {
            // x and z share a mean δ: β_x, β_z ~ N(δ, 0.5), δ ~ N(1, 4); the intercept N(0, 100). Joint over (β0, βx, βz, δ).
            json = """{"fixed":{"dist":"normal","mean":0,"variance":100},"fixed_hierarchy":{"terms":["x","z"],"design":[[1],[1]],"predictors":["common"],"delta":{"dist":"normal","mean":1,"variance":4},"omega":{"dist":"fixed","variance":0.5}}}""";
            m0 = Vector<double>.Build.DenseOfArray([0, 1, 1, 1]);
            c0 = Matrix<double>.Build.DenseOfArray(new double[,] { { 100, 0, 0, 0 }, { 0, 4.5, 4, 4 }, { 0, 4, 4.5, 4 }, { 0, 4, 4, 4 } });
        }
        int d = m0.Count;
        var X = Matrix<double>.Build.Dense(n, d, (i, j) => j == 0 ? 1 : j == 1 ? x[i] : j == 2 ? z[i] : 0);
        var W = Matrix<double>.Build.Diagonal(n, n, i => 1 / v[i]);
        var precision = X.TransposeThisAndMultiply(W * X) + c0.Inverse();
        var covariance = precision.Inverse();
        var mean = covariance * (X.TransposeThisAndMultiply(W * Vector<double>.Build.DenseOfArray(y)) + c0.Inverse() * m0);

        var sample = Gibbs.Sample(stats, PriorSpec.FromJson(json), Reml.Fit(stats), new SamplerOptions { Chains = 4, Iterations = 6000, Warmup = 500, Seed = 17 });
        var names = new[] { "(Intercept)", "x", "z", "delta[common]" }.Take(d).ToArray();
        var table = PosteriorSummary.Summarise(sample.Draws.Select(names));
        for (int a = 0; a < d; a++)
        {
            var row = table.Rows.Single(r => r.Variable == names[a]);
            double sd = Math.Sqrt(covariance[a, a]);
            Assert.True(Math.Abs(row.Mean - mean[a]) <= 4 * row.McseMean, $"{kind} {names[a]}: mean {row.Mean} vs {mean[a]} (MCSE {row.McseMean})");
            Assert.True(Math.Abs(row.Sd - sd) <= 0.05 * sd, $"{kind} {names[a]}: sd {row.Sd} vs {sd}");
        }
        // One correlation, where the prior makes it large.
        var b0 = sample.Draws.Draws(names[0]).ToArray();
        var b1 = sample.Draws.Draws(names[1]).ToArray();
        double r01 = MathNet.Numerics.Statistics.Correlation.Pearson(b0, b1);
        Assert.Equal(covariance[0, 1] / Math.Sqrt(covariance[0, 0] * covariance[1, 1]), r01, 0.05);
    }

    /// <summary>With no random effects to learn from, the walk on Σ must sample the prior itself: each sd half-t(3, s)
    /// and, under LKJ(1), a correlation uniform on (−1, 1).</summary>
    [Fact]
    public void LkjHalfTWalk_WithoutData_SamplesThePrior()
    {
        var grouping = new GroupingLevel("g", ["1"], [-1], [1]);
        var level = new RandomLevel(grouping, ["(Intercept)", "x"], new bool[,] { { true, false }, { true, true } });
        var scales = new[] { 2.0, 0.5 };
        var walk = new CovarianceWalk(new CovarianceLayout([level]), 0, new VariancePrior.LkjHalfT(1, 3, scales));
        var rng = new Random(9);
        var sigma = new[] { 1.0, 0.1, 0.1, 0.2 };
        var tau1 = new List<double>();
        var tau2 = new List<double>();
        var rho = new List<double>();
        for (int t = 0; t < 2000; t++) walk.Step(sigma, [], rng, adapt: true);
        for (int t = 0; t < 200_000; t++)
        {
            walk.Step(sigma, [], rng, adapt: false);
            if (t % 5 != 0) continue;
            tau1.Add(Math.Sqrt(sigma[0]));
            tau2.Add(Math.Sqrt(sigma[3]));
            rho.Add(sigma[1] / Math.Sqrt(sigma[0] * sigma[3]));
        }
        foreach (var (draws, scale) in new[] { (tau1, scales[0]), (tau2, scales[1]) })
            foreach (double p in new[] { 0.25, 0.5, 0.75 })
            {
                // Quantile of |t_3| · scale: the (1 + p)/2 quantile of t_3.
                double expected = scale * StudentT.InvCDF(0, 1, 3, (1 + p) / 2);
                double observed = MathNet.Numerics.Statistics.Statistics.Quantile(draws, p);
                Assert.True(Math.Abs(observed - expected) < 0.05 * expected, $"sd quantile {p}: {observed} vs {expected}");
            }
        Assert.InRange(rho.Count(r => r < 0) / (double)rho.Count, 0.47, 0.53);
        Assert.InRange(rho.Count(r => Math.Abs(r) < 0.5) / (double)rho.Count, 0.47, 0.53);
    }
}
