using BayesHlm.Data;
using BayesHlm.Estimation;
using BayesHlm.Model;
using MathNet.Numerics.LinearAlgebra;

namespace BayesHlm.Tests.Estimation;

/// <summary>Precision weights (lme4's weights=): row i's variance is σ²/w_i. Checked against closed forms: with no random
/// part, ML is weighted least squares with σ̂² = Σw r²/N and −2 log L = N log(2πσ̂²) + N − Σ log w; scaling every weight
/// by c leaves β and τ² alone and multiplies σ² by c.</summary>
public class PrecisionWeightTests
{
    private static (double[] G, double[] X, double[] W, double[] Y) Data()
    {
        var rng = new Random(21);
        var g = Enumerable.Range(0, 200).Select(i => (double)(i % 20)).ToArray();
        var x = g.Select(_ => rng.NextDouble()).ToArray();
        var w = g.Select(_ => 0.5 + 2 * rng.NextDouble()).ToArray();
        var y = x.Select((v, i) => 1 + 2 * v + (g[i] % 5) * 0.3 + (rng.NextDouble() - 0.5) / Math.Sqrt(w[i])).ToArray();
        return (g, x, w, y);
    }

    [Fact]
    public void WithoutRandomEffects_MlIsWeightedLeastSquares()
    {
        var (g, x, w, y) = Data();
        var fit = Reml.Fit(ModelSpec.FromFormula("y ~ x").WithWeights("w"), DataTable.FromColumns([("x", x), ("w", w), ("y", y)]), new RemlOptions { Method = EstimationMethod.Ml });
        int n = x.Length;
        var X = Matrix<double>.Build.Dense(n, 2, (i, j) => j == 0 ? 1 : x[i]);
        var W = Matrix<double>.Build.Diagonal(n, n, i => w[i]);
        var beta = (X.TransposeThisAndMultiply(W * X)).Solve(X.TransposeThisAndMultiply(W * Vector<double>.Build.DenseOfArray(y)));
        var r = Vector<double>.Build.DenseOfArray(y) - X * beta;
        double sigma2 = Enumerable.Range(0, n).Sum(i => w[i] * r[i] * r[i]) / n;
        Assert.Equal(beta[1], fit.FixedEffects[1].Estimate, 1e-9);
        Assert.Equal(sigma2, fit.ResidualVariance, 1e-9);
        Assert.Equal(n * Math.Log(2 * Math.PI * sigma2) + n - w.Sum(Math.Log), fit.Fit.Minus2LogLikelihood, 1e-6);
    }

    [Fact]
    public void ScalingEveryWeight_ScalesOnlySigma2()
    {
        var (g, x, w, y) = Data();
        var spec = ModelSpec.FromFormula("y ~ x + (1 | g)").WithWeights("w");
        var one = Reml.Fit(spec, DataTable.FromColumns([("g", g), ("x", x), ("w", w), ("y", y)]));
        var three = Reml.Fit(spec, DataTable.FromColumns([("g", g), ("x", x), ("w", w.Select(v => 3 * v).ToArray()), ("y", y)]));
        Assert.Equal(one.FixedEffects[1].Estimate, three.FixedEffects[1].Estimate, 1e-6);
        Assert.Equal(one.Covariance[0].Estimate, three.Covariance[0].Estimate, 1e-5);
        Assert.Equal(3 * one.ResidualVariance, three.ResidualVariance, 1e-5);
        var unweighted = Reml.Fit(ModelSpec.FromFormula("y ~ x + (1 | g)"), DataTable.FromColumns([("g", g), ("x", x), ("y", y)]));
        Assert.NotEqual(unweighted.FixedEffects[1].Estimate, one.FixedEffects[1].Estimate, 6);
    }

    [Fact]
    public void TheCli_TakesWeights_AndARunRecordsThem()
    {
        var (g, x, w, y) = Data();
        using var folder = new TestFolder();
        string data = folder.Write("w.csv", "g,x,w,y\n" + string.Join("\n", g.Select((gi, i) => string.Join(",", new[] { gi, x[i], w[i], y[i] }.Select(v => v.ToString("R", System.Globalization.CultureInfo.InvariantCulture))))) + "\n");
        var reml = Cli.CliRunner.Run("reml", "--data", data, "--formula", "y ~ x + (1 | g)", "--weights", "w");
        Assert.True(reml.ExitCode == 0, reml.ToString());
        Assert.Contains("Weights w (precision", reml.StdOut);
        var sample = Cli.CliRunner.Run("sample", "--data", data, "--formula", "y ~ x + (1 | g)", "--weights", "w", "--iter", "300", "--warmup", "150", "--quiet", "--out", folder.PathOf("run"));
        Assert.True(sample.ExitCode == 0, sample.ToString());
        Assert.Equal("w", BayesHlm.Reporting.FinishedRun.Load(folder.PathOf("run")).Manifest.Model.Weights);
        Assert.Equal(0, Cli.CliRunner.Run("compare", folder.PathOf("run")).ExitCode);
    }
}
