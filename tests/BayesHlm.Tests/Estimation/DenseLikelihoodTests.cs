using BayesHlm.Data;
using BayesHlm.Estimation;
using BayesHlm.Model;
using BayesHlm.Statistics;
using MathNet.Numerics.LinearAlgebra;

namespace BayesHlm.Tests.Estimation;

/// <summary>The kernel's likelihood, GLS estimates and EB predictions against V = σ²I + ZΣZᵀ built densely (O(N³)),
/// for random-effect blocks of every size the kernel has a code path for (1, 2, and the general q ≥ 3).</summary>
public class DenseLikelihoodTests
{
    [Theory]
    [InlineData("y ~ x1 + x2 + (1 | g)", false)]
    [InlineData("y ~ x1 + x2 + (1 + x1 | g)", false)]
    [InlineData("y ~ x1 + x2 + (1 + x1 + x2 | g)", false)]
    [InlineData("y ~ x1 + x2 + (1 + x1 + x2 || g)", false)]
    [InlineData("y ~ x1 + x2 + (1 + x1 + x2 | g)", true)]
    public void Kernel_MatchesDenseEvaluation(string formula, bool ml)
    {
        var rng = new Random(23);
        int groups = 6;
        var rows = new List<(int g, double x1, double x2, double y)>();
        for (int j = 0; j < groups; j++)
            for (int i = 0; i < 3 + j; i++)
                rows.Add((j, rng.NextStandardNormal(), rng.NextDouble(), rng.NextStandardNormal() + j));
        int n = rows.Count;
        var data = DataTable.FromColumns([("g", rows.Select(r => (double)r.g).ToArray()), ("x1", rows.Select(r => r.x1).ToArray()),
            ("x2", rows.Select(r => r.x2).ToArray()), ("y", rows.Select(r => r.y).ToArray())]);
        var stats = SufficientStatistics.Build(ModelSpec.FromFormula(formula), data);
        int q = stats.Levels[0].Size;
        bool diagonal = formula.Contains("||");
        // A positive definite Σ (diagonal for ||).
        var full = new double[,] { { 1.2, 0.3, -0.2 }, { 0.3, 0.8, 0.1 }, { -0.2, 0.1, 0.5 } };
        var sigma = new double[q * q];
        for (int a = 0; a < q; a++) for (int b = 0; b < q; b++) sigma[a * q + b] = diagonal && a != b ? 0 : full[a, b];
        double sigma2 = 0.9;
        var fit = Reml.AtCovariance(stats, [sigma], sigma2, new RemlOptions { Method = ml ? EstimationMethod.Ml : EstimationMethod.Reml });

        double Z(int i, int a) => a == 0 ? 1 : a == 1 ? rows[i].x1 : rows[i].x2;
        var X = Matrix<double>.Build.Dense(n, 3, (i, j) => j == 0 ? 1 : j == 1 ? rows[i].x1 : rows[i].x2);
        var V = Matrix<double>.Build.DenseDiagonal(n, n, sigma2);
        for (int i = 0; i < n; i++)
            for (int k = 0; k < n; k++)
                if (rows[i].g == rows[k].g)
                    for (int a = 0; a < q; a++) for (int b = 0; b < q; b++) V[i, k] += Z(i, a) * sigma[a * q + b] * Z(k, b);
        var y = Vector<double>.Build.Dense(rows.Select(r => r.y).ToArray());
        var vinv = V.Inverse();
        var xtvx = X.TransposeThisAndMultiply(vinv * X);
        var beta = xtvx.Solve(X.TransposeThisAndMultiply(vinv * y));
        var r = y - X * beta;
        double m2ll = ml
            ? n * Math.Log(2 * Math.PI) + Math.Log(V.Determinant()) + r.DotProduct(vinv * r)
            : (n - 3) * Math.Log(2 * Math.PI) + Math.Log(V.Determinant()) + Math.Log(xtvx.Determinant()) + r.DotProduct(vinv * r);
        Assert.Equal(m2ll, fit.Fit.Minus2LogLikelihood, 1e-8);
        for (int j = 0; j < 3; j++) Assert.Equal(beta[j], fit.FixedEffects[j].Estimate, 1e-10);
        var resid = vinv * r;
        for (int j = 0; j < groups; j++)
            for (int a = 0; a < q; a++)
            {
                double u = 0;
                for (int i = 0; i < n; i++)
                    if (rows[i].g == j) for (int b = 0; b < q; b++) u += sigma[a * q + b] * Z(i, b) * resid[i];
                Assert.Equal(u, fit.Groups[0].RandomEffects[j][a], 1e-9);
            }
    }
}
