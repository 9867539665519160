using BayesHlm.Data;
using BayesHlm.Estimation;
using BayesHlm.Model;
using BayesHlm.Statistics;
using MathNet.Numerics.LinearAlgebra;

namespace BayesHlm.Tests.Estimation;

/// <summary>The crossed kernel's likelihood, GLS estimates and EB predictions (with their conditional sds) against
/// V = σ²I + Σ_f Z_fΣ_fZ_fᵀ built densely, on small unbalanced crossed designs: one factor with a random slope, a
/// second with an intercept, and a third crossed with both.</summary>
public class CrossedDenseLikelihoodTests
{
    [Theory]
    [InlineData("y ~ x + (1 | g) + (1 | h)", false)]
    [InlineData("y ~ x + (1 | g) + (1 | h)", true)]
    [InlineData("y ~ x + (1 + x | g) + (1 | h)", false)]
    [InlineData("y ~ x + (1 | h) + (1 + x | g)", false)]
    [InlineData("y ~ x + (1 + x | g) + (1 | h) + (1 | k)", false)]
    [InlineData("y ~ x + (1 | g) + (1 + x | h)", true)]
    public void CrossedKernel_MatchesDenseEvaluation(string formula, bool ml)
    {
        var rng = new Random(5);
        var rows = new List<(int g, int h, int k, double x, double y)>();
        for (int i = 0; i < 70; i++)
        {
            int g = rng.Next(7), h = rng.Next(4), k = rng.Next(3);
            double x = rng.NextStandardNormal() + 2;
            rows.Add((g, h, k, x, 1 + 0.5 * x + 0.3 * g - 0.4 * h + 0.2 * k + rng.NextStandardNormal()));
        }
        int n = rows.Count;
        var data = DataTable.FromColumns([("g", rows.Select(r => (double)r.g).ToArray()), ("h", rows.Select(r => (double)r.h).ToArray()),
            ("k", rows.Select(r => (double)r.k).ToArray()), ("x", rows.Select(r => r.x).ToArray()), ("y", rows.Select(r => r.y).ToArray())]);
        var stats = SufficientStatistics.Build(ModelSpec.FromFormula(formula), data);
        Assert.True(stats.Crossed);
        double sigma2 = 0.8;
        var sigmas = stats.Levels.Select(l => l.Size == 2 ? new[] { 1.1, -0.3, -0.3, 0.4 } : new[] { l.Grouping.Name == "g" ? 0.9 : l.Grouping.Name == "h" ? 0.6 : 0.3 }).ToArray();
        var fit = Reml.AtCovariance(stats, sigmas, sigma2, new RemlOptions { Method = ml ? EstimationMethod.Ml : EstimationMethod.Reml });

        int Group(int level, int i) => stats.Levels[level].Grouping.Name switch { "g" => rows[i].g, "h" => rows[i].h, _ => rows[i].k };
        double Term(string term, int i) => term == "(Intercept)" ? 1 : rows[i].x;
        var X = Matrix<double>.Build.Dense(n, 2, (i, j) => j == 0 ? 1 : rows[i].x);
        var V = Matrix<double>.Build.DenseDiagonal(n, n, sigma2);
        for (int f = 0; f < stats.Levels.Count; f++)
        {
            var level = stats.Levels[f];
            int q = level.Size;
            for (int i = 0; i < n; i++)
                for (int j = 0; j < n; j++)
                    if (Group(f, i) == Group(f, j))
                        for (int a = 0; a < q; a++)
                            for (int b = 0; b < q; b++) V[i, j] += Term(level.TermNames[a], i) * sigmas[f][a * q + b] * Term(level.TermNames[b], j);
        }
        var y = Vector<double>.Build.Dense(rows.Select(r => r.y).ToArray());
        var vinv = V.Inverse();
        var xtvx = X.TransposeThisAndMultiply(vinv * X);
        var beta = xtvx.Solve(X.TransposeThisAndMultiply(vinv * y));
        var r = y - X * beta;
        double m2ll = ml
            ? n * Math.Log(2 * Math.PI) + Math.Log(V.Determinant()) + r.DotProduct(vinv * r)
            : (n - 2) * Math.Log(2 * Math.PI) + Math.Log(V.Determinant()) + Math.Log(xtvx.Determinant()) + r.DotProduct(vinv * r);
        Assert.Equal(m2ll, fit.Fit.Minus2LogLikelihood, 1e-8);
        for (int j = 0; j < 2; j++) Assert.Equal(beta[j], fit.FixedEffects[j].Estimate, 1e-10);
        var fixedCov = xtvx.Inverse();
        for (int j = 0; j < 2; j++) Assert.Equal(Math.Sqrt(fixedCov[j, j]), fit.FixedEffects[j].StandardError, 1e-10);

        // EB: u_f = Σ_f Z_fᵀ V⁻¹ (y − Xβ̂); conditional covariance given β̂: Σ_f − Σ_f Z_fᵀ V⁻¹ Z_f Σ_f (lme4's condVar).
        var resid = vinv * r;
        for (int f = 0; f < stats.Levels.Count; f++)
        {
            var level = stats.Levels[f];
            var effects = Assert.Single(fit.Groups, e => e.Group == level.Grouping.Name);
            int q = level.Size;
            for (int gi = 0; gi < level.Grouping.Count; gi++)
            {
                int label = int.Parse(level.Grouping.GroupNames[gi], System.Globalization.CultureInfo.InvariantCulture);
                var zg = Matrix<double>.Build.Dense(n, q, (i, a) => Group(f, i) == label ? Term(level.TermNames[a], i) : 0);
                var s = Matrix<double>.Build.Dense(q, q, (a, b) => sigmas[f][a * q + b]);
                var u = s * zg.TransposeThisAndMultiply(resid);
                var cond = s - s * zg.TransposeThisAndMultiply(vinv * zg) * s;
                for (int a = 0; a < q; a++)
                {
                    Assert.Equal(u[a], effects.RandomEffects[gi][a], 1e-9);
                    Assert.Equal(Math.Sqrt(cond[a, a]), effects.RandomEffectSe[gi][a], 1e-9);
                }
            }
        }
    }
}

/// <summary>Crossed factors whose smaller ones hold more random effects than the dense block allows are refused before
/// any work, naming the factors and what to do.</summary>
public class CrossedDenseLimitTests
{
    [Fact]
    public void TooManyEffectsInTheDenseBlock_AreRefusedWithTheFactors()
    {
        int groups = BayesHlm.Statistics.Linalg.CrossedFactorization.MaxDense + 100, n = 2 * groups;
        var g = Enumerable.Range(0, n).Select(i => (double)(i % groups)).ToArray();
        var h = Enumerable.Range(0, n).Select(i => (double)((i * 7 + i / groups) % (groups + 1))).ToArray();
        var y = Enumerable.Range(0, n).Select(i => Math.Sin(i)).ToArray();
        var data = DataTable.FromColumns([("g", g), ("h", h), ("y", y)]);
        var e = Assert.Throws<ModelSpecificationException>(() => Reml.Fit(ModelSpec.FromFormula("y ~ 1 + (1 | g) + (1 | h)"), data));
        Assert.Contains("dense block", e.Message);
        Assert.Contains("'g'", e.Message);
        Assert.Contains("Group the smaller factors more coarsely", e.Message);
    }
}
