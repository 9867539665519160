using System.Text.Json;
using BayesHlm.Data;
using BayesHlm.Estimation;
using BayesHlm.Model;
using BayesHlm.Tests.Support;
using MathNet.Numerics.Distributions;

namespace BayesHlm.Tests.Estimation;

/// <summary>
/// <see cref="LikelihoodRatioTest"/>: the table lme4's anova prints, checked against lme4's own ML fits of the HSB models
/// (../shared/reference/reml/*_ml.json: −2 log L and npar, from which χ², Df, AIC and BIC follow), the p-values against
/// closed forms of the χ² tail, and what it refuses.
/// </summary>
public class LikelihoodRatioTestTests
{
    private static readonly Lazy<DataTable> Hsb = new(() => DataTable.ReadCsv(RepositoryPaths.Data("hsb.csv")));

    private static JsonElement Lme4(string id) => JsonDocument.Parse(File.ReadAllText(RepositoryPaths.Reference("reml", id + ".json"))).RootElement;

    private static ModelComparison Compare(params string[] formulas) =>
        LikelihoodRatioTest.Compare(formulas.Select(ModelSpec.FromFormula).ToList(), Hsb.Value);

    [Fact]
    public void RemlModels_RefittedWithMl_GiveLme4sLikelihoodsAndTheirTest()
    {
        var anova = Lme4("hsb_anova_ml");
        var slopes = Lme4("hsb_slopes_as_outcomes_ml");
        Assert.Equal("ML", anova.GetProperty("method").GetString());
        Assert.Equal("ML", slopes.GetProperty("method").GetString());
        // Given larger first: the table orders by npar.
        var c = Compare(slopes.GetProperty("formula").GetString()!, anova.GetProperty("formula").GetString()!);
        Assert.Equal(EstimationMethod.Ml, c.Method);
        Assert.Equal([2, 1], c.Models.Select(m => m.Number));
        double d0 = anova.GetProperty("fit").GetProperty("minus2ll").GetDouble(), d1 = slopes.GetProperty("fit").GetProperty("minus2ll").GetDouble();
        int n0 = anova.GetProperty("fit").GetProperty("params").GetInt32(), n1 = slopes.GetProperty("fit").GetProperty("params").GetInt32();
        var (small, large) = (c.Models[0], c.Models[1]);
        Assert.Equal((n0, n1), (small.Parameters, large.Parameters));
        Assert.Equal(d0, small.Deviance, 1e-3);
        Assert.Equal(d1, large.Deviance, 1e-3);
        // lme4's AIC: −2 log L + 2 npar (the fixtures' SAS AIC is the same under ML); its BIC: + npar log N.
        Assert.Equal(anova.GetProperty("fit").GetProperty("aic").GetDouble(), small.Aic, 1e-3);
        Assert.Equal(d1 + n1 * Math.Log(7185), large.Bic, 1e-3);
        Assert.Equal(d0 - d1, large.ChiSquare!.Value, 2e-3);
        Assert.Equal(n1 - n0, large.Df);
        Assert.Equal(1 - ChiSquared.CDF(n1 - n0, d0 - d1), large.P!.Value, 1e-12);
        Assert.Null(small.ChiSquare);
        // The slopes model adds the slope's variance (and covariance) to the intercept-only one.
        Assert.Equal(["center(ses, school) on school"], large.Boundary!.Variances);
        Assert.Null(large.NotNested);
    }

    [Theory]
    [InlineData(0.5)]
    [InlineData(3.841458820694124)]
    [InlineData(12.3)]
    public void ChiSquareP_IsTheTailOfChiSquared(double x)
    {
        // Closed forms: P(χ²(1) ≥ x) = erfc(√(x/2)), P(χ²(2) ≥ x) = e^(−x/2), P(χ²(4) ≥ x) = e^(−x/2)(1 + x/2).
        Assert.Equal(MathNet.Numerics.SpecialFunctions.Erfc(Math.Sqrt(x / 2)), LikelihoodRatioTest.ChiSquareP(x, 1), 1e-13);
        Assert.Equal(Math.Exp(-x / 2), LikelihoodRatioTest.ChiSquareP(x, 2), 1e-13);
        Assert.Equal(Math.Exp(-x / 2) * (1 + x / 2), LikelihoodRatioTest.ChiSquareP(x, 4), 1e-13);
        Assert.Equal(0.5 * LikelihoodRatioTest.ChiSquareP(x, 1), LikelihoodRatioTest.MixtureP(x, 1), 1e-15);
        Assert.Equal(0.5 * MathNet.Numerics.SpecialFunctions.Erfc(Math.Sqrt(x / 2)) + 0.5 * Math.Exp(-x / 2), LikelihoodRatioTest.MixtureP(x, 2), 1e-13);
    }

    [Fact]
    public void ChiSquareP_KeepsTinyTails()
    {
        // 1 − CDF would be 0; e^(−x/2) is not.
        Assert.Equal(Math.Exp(-200), LikelihoodRatioTest.ChiSquareP(400, 2), 1e-100);
        Assert.Equal(0.025, LikelihoodRatioTest.MixtureP(3.841458820694124, 1), 1e-12);
        Assert.Equal(1, LikelihoodRatioTest.MixtureP(0, 1));
    }

    [Fact]
    public void AddingAVarianceAlone_IsTestedAgainstTheMixtureOfChiSquared0And1()
    {
        var c = Compare("mathach ~ meanses + (1 | school)", "mathach ~ meanses + (1 | school) + (0 + center(ses, school) | school)");
        var test = c.Models[1];
        Assert.Equal(1, test.Df);
        Assert.Equal(0.5 * test.P!.Value, test.Boundary!.MixtureP!.Value, 1e-14);
    }

    [Fact]
    public void AddingFixedEffectsOnly_HasNoBoundaryTest()
    {
        var c = Compare("mathach ~ 1 + (1 | school)", "mathach ~ meanses + sector + (1 | school)");
        Assert.Equal(2, c.Models[1].Df);
        Assert.Null(c.Models[1].Boundary);
    }

    [Fact]
    public void ModelsNotNested_AreNoted()
    {
        var c = Compare("mathach ~ meanses + (1 | school)", "mathach ~ sector + center(ses, school) + (1 + center(ses, school) | school)");
        Assert.Contains("meanses", c.Models[1].NotNested);
        // Nor is there a mixture for the slope's variance: the mixture is the null distribution of a nested test.
        Assert.Null(c.Models[1].Boundary);
    }

    [Fact]
    public void RemlComparison_OfTheSameFixedEffects_UsesTheRestrictedLikelihood()
    {
        var specs = new[] { "mathach ~ meanses + (1 | school)", "mathach ~ meanses + (1 + center(ses, school) | school)" }.Select(ModelSpec.FromFormula).ToList();
        var c = LikelihoodRatioTest.Compare(specs, Hsb.Value, EstimationMethod.Reml);
        Assert.Equal(EstimationMethod.Reml, c.Method);
        Assert.Equal(Reml.Fit(specs[0], Hsb.Value).Fit.Minus2LogLikelihood, c.Models[0].Deviance, 1e-9);
        Assert.Equal(2, c.Models[1].Df);
    }

    [Fact]
    public void RemlComparison_OfDifferentFixedEffects_IsRefused()
    {
        var specs = new[] { "mathach ~ 1 + (1 | school)", "mathach ~ meanses + (1 | school)" }.Select(ModelSpec.FromFormula).ToList();
        var e = Assert.Throws<ModelSpecificationException>(() => LikelihoodRatioTest.Compare(specs, Hsb.Value, EstimationMethod.Reml));
        Assert.Contains("meanses", e.Message);
        Assert.Contains("Leave out --reml", e.Message);
    }

    [Fact]
    public void ModelsOnDifferentRows_AreRefused()
    {
        var data = Hsb.Value;
        var x = ((NumericColumn)data["ses"]).Values.ToArray();
        for (int i = 0; i < 20; i++) x[i * 7] = double.NaN;
        var withMissing = new DataTable(data.Columns.Append(new NumericColumn("ses_missing", x)).ToList());
        var specs = new[] { "mathach ~ 1 + (1 | school)", "mathach ~ ses_missing + (1 | school)" }.Select(ModelSpec.FromFormula).ToList();
        var e = Assert.Throws<ModelSpecificationException>(() => LikelihoodRatioTest.Compare(specs, withMissing));
        Assert.Contains("model 1 uses 7185 rows, model 2 uses 7165 rows (missing values in 'ses_missing')", e.Message);
    }

    [Fact]
    public void OneModel_OrAnotherOutcome_IsRefused()
    {
        Assert.Throws<ModelSpecificationException>(() => Compare("mathach ~ 1 + (1 | school)"));
        var e = Assert.Throws<ModelSpecificationException>(() => Compare("mathach ~ 1 + (1 | school)", "ses ~ 1 + (1 | school)"));
        Assert.Contains("one outcome", e.Message);
    }
}
