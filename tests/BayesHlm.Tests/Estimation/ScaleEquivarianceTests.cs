using BayesHlm.Data;
using BayesHlm.Estimation;
using BayesHlm.Model;

namespace BayesHlm.Tests.Estimation;

/// <summary>A fit must not depend on the units: multiplying y by c multiplies the fixed effects and their SEs by c and
/// the variances by c², and leaves t, Z, p and the Satterthwaite df as they are; shifting a predictor by a constant
/// moves only the coefficients that its products share, even by 10⁷ (the statistics hold predictors centred). (Before,
/// y × 10⁻⁶ turned a variance's Z of 2.87 into 1.10, ses + 10⁵ was called collinear or moved τ² by 15%, and a random
/// slope on ses + 300 ended at a wrong optimum.)</summary>
public class ScaleEquivarianceTests
{
    private static readonly ModelSpec Spec = ModelSpec.FromFormula("y ~ meanses + ses + (1 + ses | school)");

    private static DataTable Hsb(double yScale, double sesShift)
    {
        var hsb = TestData.Hsb();
        double[] Col(string name) => ((NumericColumn)hsb[name]).Values.ToArray();
        return DataTable.FromColumns([("school", Col("school")), ("meanses", Col("meanses")),
            ("ses", Col("ses").Select(v => v + sesShift).ToArray()), ("y", Col("mathach").Select(v => v * yScale).ToArray())]);
    }

    private static readonly RemlOptions Satterthwaite = new() { DegreesOfFreedom = DegreesOfFreedomMethod.Satterthwaite };

    [Theory]
    [InlineData(1e-6)]
    [InlineData(1e-12)]
    [InlineData(1e6)]
    public void ScalingY_ScalesTheEstimates_AndLeavesTheTestsAsTheyAre(double c)
    {
        var unit = Reml.Fit(Spec, Hsb(1, 0), Satterthwaite);
        var scaled = Reml.Fit(Spec, Hsb(c, 0), Satterthwaite);
        for (int i = 0; i < unit.FixedEffects.Count; i++)
        {
            var (a, b) = (unit.FixedEffects[i], scaled.FixedEffects[i]);
            Relative(a.Estimate * c, b.Estimate, 1e-7, a.Term);
            Relative(a.StandardError * c, b.StandardError, 1e-6, a.Term + " SE");
            Relative(a.DfSatterthwaite, b.DfSatterthwaite, 1e-5, a.Term + " df");
            Relative(a.T, b.T, 1e-6, a.Term + " t");
        }
        for (int i = 0; i < unit.Covariance.Count; i++)
        {
            var (a, b) = (unit.Covariance[i], scaled.Covariance[i]);
            Relative(a.Estimate * c * c, b.Estimate, 1e-6, $"{a.Group} {a.Term1} {a.Term2}");
            Relative(a.Z!.Value, b.Z!.Value, 1e-5, $"Z of {a.Group} {a.Term1} {a.Term2}");
        }
    }

    [Theory]
    [InlineData(1e3)]
    [InlineData(1e5)]
    [InlineData(1e7)]
    public void ShiftingAPredictor_MovesOnlyTheIntercept_EvenByALargeConstant(double shift)
    {
        // Fitted on centred predictors and mapped back, the fit does not see the shift: x + 10⁷ is a year in seconds.
        var intercepts = ModelSpec.FromFormula("y ~ meanses * ses + (1 | school)");
        var unit = Reml.Fit(intercepts, Hsb(1, 0), Satterthwaite);
        var shifted = Reml.Fit(intercepts, Hsb(1, shift), Satterthwaite);
        // meanses·(ses + s) = meanses·ses + s·meanses: the meanses slope and the intercept take the shift's share.
        double G(RemlFit fit, int i) => fit.FixedEffects[i].Estimate;
        Relative(G(unit, 3), G(shifted, 3), 1e-7, "interaction");
        Relative(G(unit, 2), G(shifted, 2), 1e-7, "ses slope");
        Relative(G(unit, 1) - shift * G(unit, 3), G(shifted, 1), 1e-7, "meanses slope");
        Relative(G(unit, 0) - shift * G(unit, 2), G(shifted, 0), 1e-7, "intercept");
        Relative(unit.Covariance[0].Estimate, shifted.Covariance[0].Estimate, 1e-8, "intercept variance");
        Relative(unit.ResidualVariance, shifted.ResidualVariance, 1e-8, "residual variance");
        Relative(unit.Fit.Minus2LogLikelihood, shifted.Fit.Minus2LogLikelihood, 1e-12, "−2 log L");
        Relative(unit.FixedEffects[3].DfSatterthwaite, shifted.FixedEffects[3].DfSatterthwaite, 1e-5, "interaction df");

        // A random slope with an unstructured covariance: Σ moves to the intercept at 0, the fit is the same.
        var unitSlope = Reml.Fit(Spec, Hsb(1, 0));
        var shiftedSlope = Reml.Fit(Spec, Hsb(1, shift));
        Relative(unitSlope.Fit.Minus2LogLikelihood, shiftedSlope.Fit.Minus2LogLikelihood, 1e-12, "−2 log L, random slope");
        double Cov(RemlFit fit, int i) => fit.Covariance[i].Estimate;
        // Σ at ses = 0 from Σ at ses = s: τ00 − 2s·τ01 + s²·τ11, τ01 − s·τ11, τ11 (variances first, then the covariance).
        Relative(Cov(unitSlope, 1), Cov(shiftedSlope, 1), 1e-7, "slope variance");
        Relative(Cov(unitSlope, 2) - shift * Cov(unitSlope, 1), Cov(shiftedSlope, 2), 1e-6, "covariance");
        Relative(Cov(unitSlope, 0) - 2 * shift * Cov(unitSlope, 2) + shift * shift * Cov(unitSlope, 1), Cov(shiftedSlope, 0), 1e-6, "intercept variance");
    }

    [Fact]
    public void ARandomSlopeFarFromZero_WithADiagonalCovariance_IsRefusedWithTheFix()
    {
        // There the origin is part of the model, and the uncentred cross-products would lose the slope's digits.
        var e = Assert.Throws<ModelSpecificationException>(() => Reml.Fit(ModelSpec.FromFormula("y ~ ses + (1 + ses || school)"), Hsb(1, 1e5)));
        Assert.Contains("Centre it", e.Message);
        Assert.Contains("center(ses)", e.Message);
        // Near 0 for its spread it is fitted as written.
        Reml.Fit(ModelSpec.FromFormula("y ~ ses + (1 + ses || school)"), Hsb(1, 100));
    }

    private static void Relative(double expected, double actual, double tolerance, string what) =>
        Assert.True(Math.Abs(actual - expected) <= tolerance * Math.Abs(expected), $"{what}: {actual:R} vs {expected:R} (relative {Math.Abs(actual - expected) / Math.Abs(expected):G3})");
}
