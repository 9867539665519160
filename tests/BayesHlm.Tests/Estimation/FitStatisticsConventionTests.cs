using BayesHlm.Estimation;
using BayesHlm.Model;
using BayesHlm.Reporting;

namespace BayesHlm.Tests.Estimation;

/// <summary>Fit statistics in both conventions, labelled: SAS counts only the covariance parameters under REML and
/// uses log(subjects) in BIC; lme4 counts every parameter and uses log(N). A variance at the boundary reads 0.</summary>
public class FitStatisticsConventionTests
{
    [Fact]
    public void Lme4sAicAndBic_CountEveryParameter_AndLogN()
    {
        var fit = Reml.Fit(ModelSpec.FromFormula("mathach ~ meanses + (1 | school)"), TestData.Hsb());
        // Closed form: 2 fixed effects + τ² + σ² = 4 parameters; N = 7185 rows.
        Assert.Equal(4, fit.Fit.ParametersLme4);
        Assert.Equal(fit.Fit.Minus2LogLikelihood + 8, fit.Fit.AicLme4, 9);
        Assert.Equal(fit.Fit.Minus2LogLikelihood + 4 * Math.Log(7185), fit.Fit.BicLme4, 9);
        string text = RemlTextReport.Render(fit);
        Assert.Contains("AIC  as lme4 (all parameters)", text);
        Assert.Contains("SAS PROC MIXED's conventions", text);
    }

    [Fact]
    public void AVarianceAtTheBoundary_ReadsZero()
    {
        // y has no group effect at all: REML puts τ² on its boundary, 0.
        var rng = new Random(1);
        var g = Enumerable.Range(0, 400).Select(i => (double)(i % 20)).ToArray();
        var x = Enumerable.Range(0, 400).Select(_ => rng.NextDouble()).ToArray();
        var y = x.Select(v => 2 * v + rng.NextDouble()).ToArray();
        var fit = Reml.Fit(ModelSpec.FromFormula("y ~ x + (1 | g)"), BayesHlm.Data.DataTable.FromColumns([("g", g), ("x", x), ("y", y)]));
        var tau = fit.Covariance.First(c => c.Group == "g");
        Assert.Null(tau.StandardError); // at the boundary
        string line = RemlTextReport.Render(fit).Split('\n').First(l => l.StartsWith("Var g: (Intercept)", StringComparison.Ordinal));
        Assert.Equal("0", line["Var g: (Intercept)".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries)[0]);
    }
}
