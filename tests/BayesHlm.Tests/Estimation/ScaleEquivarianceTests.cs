using BayesHlm.Data;
using BayesHlm.Estimation;
using BayesHlm.Model;

namespace BayesHlm.Tests.Estimation;

/// <summary>A fit must not depend on the units: multiplying y by c multiplies the fixed effects and their SEs by c and
/// the variances by c², and leaves t, Z, p and the Satterthwaite df as they are; shifting a predictor by a constant
/// moves only the intercept, and a shift so large that rounding would move the variances is refused with the fix.
/// (Before, y × 10⁻⁶ turned a variance's Z of 2.87 into 1.10, and ses + 10⁵ was called collinear or moved τ² by 15%.)</summary>
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

    [Fact]
    public void ShiftingAPredictor_MovesOnlyTheIntercept_EvenByALargeConstant()
    {
        var intercepts = ModelSpec.FromFormula("y ~ meanses + ses + (1 | school)");
        var unit = Reml.Fit(intercepts, Hsb(1, 0), Satterthwaite);
        var shifted = Reml.Fit(intercepts, Hsb(1, 1000), Satterthwaite);
        Relative(unit.FixedEffects[2].Estimate, shifted.FixedEffects[2].Estimate, 1e-6, "ses slope");
        Relative(unit.FixedEffects[0].Estimate - 1000 * unit.FixedEffects[2].Estimate, shifted.FixedEffects[0].Estimate, 1e-6, "intercept");
        // Rounding in the uncentred kernel costs about (1000/0.78)²·10⁻¹¹ here; centring internally would remove it.
        Relative(unit.Covariance[0].Estimate, shifted.Covariance[0].Estimate, 1e-4, "intercept variance");
        Relative(unit.FixedEffects[2].DfSatterthwaite, shifted.FixedEffects[2].DfSatterthwaite, 1e-5, "ses df");

        // Far from 0 for its spread, the predictor is refused with the fix, fixed or random.
        var e = Assert.Throws<ModelSpecificationException>(() => Reml.Fit(intercepts, Hsb(1, 1e5)));
        Assert.Contains("Centre it", e.Message);
        var slope = Assert.Throws<ModelSpecificationException>(() => Reml.Fit(Spec, Hsb(1, 1e5)));
        Assert.Contains("center(", slope.Message);
    }

    private static void Relative(double expected, double actual, double tolerance, string what) =>
        Assert.True(Math.Abs(actual - expected) <= tolerance * Math.Abs(expected), $"{what}: {actual:R} vs {expected:R} (relative {Math.Abs(actual - expected) / Math.Abs(expected):G3})");
}
