using BayesHlm.Data;
using BayesHlm.Estimation;
using BayesHlm.Model;

namespace BayesHlm.Tests.Estimation;

/// <summary>Group coefficients read back the level-by-level model: β_qj = γ_q0 + Σ γ_qs W_sj + u_qj (Raudenbush and Bryk ch. 4).</summary>
public class GroupCoefficientTests
{
    [Fact]
    public void SlopesAsOutcomes_CoefficientsAreTheLevelTwoEquationsPlusU()
    {
        var data = TestData.Hsb();
        var fit = Reml.Fit(ModelSpec.FromFormula("mathach ~ meanses * center(ses, school) + sector * center(ses, school) + (1 + center(ses, school) | school)"), data);
        double G(string term) => fit.FixedEffects.Single(f => f.Term == term).Estimate;
        var school = (NumericColumn)data["school"];
        var meanses = (NumericColumn)data["meanses"];
        var sector = (NumericColumn)data["sector"];
        var g = fit.Groups[0];
        for (int j = 0; j < g.GroupNames.Count; j++)
        {
            int row = Enumerable.Range(0, data.RowCount).First(i => school[i].ToString(System.Globalization.CultureInfo.InvariantCulture) == g.GroupNames[j]);
            double b0 = G("(Intercept)") + G("meanses") * meanses[row] + G("sector") * sector[row] + g.RandomEffects[j][0];
            double b1 = G("center(ses, school)") + G("meanses:center(ses, school)") * meanses[row] + G("center(ses, school):sector") * sector[row] + g.RandomEffects[j][1];
            Assert.Equal(b0, g.Coefficients[j]![0], 1e-9);
            Assert.Equal(b1, g.Coefficients[j]![1], 1e-9);
            Assert.True(g.CoefficientSe[j]![0] > g.RandomEffectSe[j][0], "β_j's SE includes the fixed effects' uncertainty");
        }
    }

    [Fact]
    public void UncentredLevelOnePredictorWithFixedSlope_IsNotPartOfTheIntercept()
    {
        // lme4's coef(): β_0j = γ_00 + u_0j, whatever the group's mean of a level-1 predictor with a fixed slope.
        var fit = Reml.Fit(ModelSpec.FromFormula("mathach ~ ses + (1 | school)"), TestData.Hsb());
        var g = fit.Groups[0];
        for (int j = 0; j < g.GroupNames.Count; j++)
            Assert.Equal(fit.FixedEffects[0].Estimate + g.RandomEffects[j][0], g.Coefficients[j]![0], 1e-9);
    }

    [Fact]
    public void ThreeLevels_ClassroomCoefficientIncludesItsSchoolEffect()
    {
        var data = TestData.ThreeLevelSim();
        var fit = Reml.Fit(ModelSpec.FromFormula("y ~ x + (1 | school/classroom)"), data);
        var schools = fit.Groups.Single(g => g.Group == "school");
        var classes = fit.Groups.Single(g => g.Group == "school:classroom");
        for (int j = 0; j < classes.GroupNames.Count; j++)
        {
            int s = schools.GroupNames.ToList().IndexOf(classes.GroupNames[j].Split(':')[0]);
            double expected = fit.FixedEffects[0].Estimate + schools.RandomEffects[s][0] + classes.RandomEffects[j][0];
            Assert.Equal(expected, classes.Coefficients[j]![0], 1e-9);
        }
    }
}
