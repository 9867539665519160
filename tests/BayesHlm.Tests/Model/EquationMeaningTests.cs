using BayesHlm.Model;

namespace BayesHlm.Tests.Model;

/// <summary>Level equations that would fit another model than the one written are refused with the equation: a
/// coefficient with no intercept, one random effect on two coefficients, a level-2 predictor that duplicates a
/// level-1 term, one coefficient name for two coefficients. An explicit '0' still means no intercept.</summary>
public class EquationMeaningTests
{
    [Theory]
    [InlineData("b0 = g00*meanses + u0", "b1 = g10", "has no intercept coefficient")]
    [InlineData("b0 = g00 + u0", "b1 = g10 + u0", "the random effect 'u0' is in the equations of both b0 and b1")]
    [InlineData("b0 = g00 + g01*ses + u0", "b1 = g10", "give the fixed effect ses twice")]
    [InlineData("b0 = g00 + u0", "b1 = g00 + u1", "'g00' names two coefficients")]
    [InlineData("b0 = g00 + g01*meanses + u0", "b1 = g01 + u1", "'g01' names two coefficients")]
    public void AnEquationThatWouldChangeTheModel_IsRefused(string b0, string b1, string fragment)
    {
        var e = Assert.Throws<ModelSpecificationException>(() => HlmBuilder.Level1("mathach = b0 + b1*ses + e").Level2("school", b0, b1).Build());
        Assert.Contains(fragment, e.Message);
    }

    [Fact]
    public void AnExplicitZero_MeansNoIntercept()
    {
        var spec = HlmBuilder.Level1("mathach = b0 + b1*ses + e").Level2("school", "b0 = g00 + u0", "b1 = 0 + g11*meanses + u1").Build();
        Assert.True(spec.IsEquivalentTo(ModelSpec.FromFormula("mathach ~ 1 + ses:meanses + (1 + ses | school)")), spec.ToFormula());
    }
}
