using BayesHlm.Data;
using BayesHlm.Estimation;
using BayesHlm.Model;
using BayesHlm.Statistics;

namespace BayesHlm.Tests.Estimation;

/// <summary>
/// A balanced two-way crossed design, one observation per cell (y_ij = μ + a_i + b_j + e_ij): REML equals the ANOVA
/// (expected mean squares) estimators when they are positive — σ²_e = MSE, σ²_a = (MSA − MSE)/J, σ²_b = (MSB − MSE)/I —
/// and μ̂ is the grand mean, with variance σ²_a/I + σ²_b/J + σ²_e/(IJ) (Searle, Casella &amp; McCulloch, Variance
/// Components, §4.8).
/// </summary>
public class CrossedClosedFormTests
{
    [Theory]
    [InlineData(8, 6, 1)]
    [InlineData(12, 5, 2)]
    public void BalancedTwoWay_RemlIsTheAnovaEstimator(int rows, int columns, int seed)
    {
        var rng = new Random(seed);
        var a = Enumerable.Range(0, rows).Select(_ => 2 * rng.NextStandardNormal()).ToArray();
        var b = Enumerable.Range(0, columns).Select(_ => 1.5 * rng.NextStandardNormal()).ToArray();
        var y = new double[rows, columns];
        var ga = new List<double>(); var gb = new List<double>(); var yy = new List<double>();
        for (int i = 0; i < rows; i++)
            for (int j = 0; j < columns; j++)
            {
                y[i, j] = 10 + a[i] + b[j] + rng.NextStandardNormal();
                ga.Add(i); gb.Add(j); yy.Add(y[i, j]);
            }
        double grand = yy.Average();
        var rowMean = Enumerable.Range(0, rows).Select(i => Enumerable.Range(0, columns).Average(j => y[i, j])).ToArray();
        var colMean = Enumerable.Range(0, columns).Select(j => Enumerable.Range(0, rows).Average(i => y[i, j])).ToArray();
        double msa = columns * rowMean.Sum(m => (m - grand) * (m - grand)) / (rows - 1);
        double msb = rows * colMean.Sum(m => (m - grand) * (m - grand)) / (columns - 1);
        double sse = 0;
        for (int i = 0; i < rows; i++)
            for (int j = 0; j < columns; j++) { double r = y[i, j] - rowMean[i] - colMean[j] + grand; sse += r * r; }
        double mse = sse / ((rows - 1) * (columns - 1));
        double sa = (msa - mse) / columns, sb = (msb - mse) / rows;
        Assert.True(sa > 0 && sb > 0, "the data must give positive ANOVA estimates for REML to equal them");

        var fit = Reml.Fit(ModelSpec.FromFormula("y ~ 1 + (1 | a) + (1 | b)"), DataTable.FromColumns([("a", ga.ToArray()), ("b", gb.ToArray()), ("y", yy.ToArray())]));
        double Var(string group) => fit.Covariance.Single(c => c.Group == group).Estimate;
        Assert.Equal(mse, Var("Residual"), 1e-7);
        Assert.Equal(sa, Var("a"), 1e-7);
        Assert.Equal(sb, Var("b"), 1e-7);
        Assert.Equal(grand, fit.FixedEffects[0].Estimate, 1e-9);
        Assert.Equal(Math.Sqrt(sa / rows + sb / columns + mse / (rows * columns)), fit.FixedEffects[0].StandardError, 1e-7);
    }

    /// <summary>No grouping factor nests the others, so SAS does not process the data by subjects and DDFM=BW leaves the
    /// residual df whole: N − rank X for every effect (the fit itself uses Satterthwaite's).</summary>
    [Fact]
    public void BetweenWithinDf_OfCrossedFactors_AreTheResidualDf()
    {
        var fit = Reml.Fit(ModelSpec.FromFormula("y ~ x + (1 + x | school) + (1 | neighbourhood)"), DataTable.ReadCsv(RepositoryPaths.Data("crossed_sim.csv")));
        Assert.All(fit.FixedEffects, f => Assert.Equal(fit.Observations - fit.FixedEffects.Count, f.DfBetweenWithin));
        Assert.Equal(DegreesOfFreedomMethod.Satterthwaite, fit.DegreesOfFreedom);
    }
}
