using BayesHlm.Formula;
using BayesHlm.Model;

namespace BayesHlm.Tests.Formula;

public class FormulaParserTests
{
    private static string[] Fixed(string formula) => FormulaParser.Parse(formula).FixedTerms.Select(t => t.Name).ToArray();

    [Fact]
    public void Star_ExpandsToMainEffectsThenInteraction_InLme4Order()
    {
        // Given the reference formula of the slopes-as-outcomes model
        var terms = Fixed("mathach ~ meanses * center(ses, school) + sector * center(ses, school) + (1 + center(ses, school) | school)");
        // Then R's order: by degree, variables named in order of first appearance
        Assert.Equal(["meanses", "center(ses, school)", "sector", "meanses:center(ses, school)", "center(ses, school):sector"], terms);
    }

    [Fact]
    public void ColonAndPlus_KeepWrittenTermsAndDeduplicate()
    {
        Assert.Equal(["x", "w", "x:w"], Fixed("y ~ 1 + x + w + x:w + x*w"));
    }

    [Theory]
    [InlineData("y ~ 0 + x", false)]
    [InlineData("y ~ x - 1", false)]
    [InlineData("y ~ x", true)]
    [InlineData("y ~ 1 + x", true)]
    public void Intercept_FollowsZeroOneAndMinusOne(string formula, bool intercept)
    {
        Assert.Equal(intercept, FormulaParser.Parse(formula).Intercept);
    }

    [Fact]
    public void Functions_AreNamedCanonically()
    {
        var spec = FormulaParser.Parse("log(y) ~ center(x) + center(x,g) + mean(x , g) + factor(k) + (1 | g)");
        Assert.Equal("log(y)", spec.Outcome.Name);
        Assert.Equal(["center(x)", "center(x, g)", "mean(x, g)", "factor(k)"], spec.FixedTerms.Select(t => t.Name));
    }

    [Fact]
    public void NestedGrouping_ExpandsToOuterAndOuterInner()
    {
        var spec = FormulaParser.Parse("y ~ x + (1 | school/classroom)");
        Assert.Equal(["school", "school:classroom"], spec.RandomFactors.Select(r => r.Name));
        Assert.True(spec.IsEquivalentTo(FormulaParser.Parse("y ~ x + (1 | school) + (1 | school:classroom)")));
    }

    [Fact]
    public void DoubleBar_MarksIndependentEffects()
    {
        var spec = FormulaParser.Parse("y ~ x + (1 + x || g)");
        var block = Assert.Single(Assert.Single(spec.RandomFactors).Blocks);
        Assert.False(block.Correlated);
        Assert.True(block.Intercept);
        Assert.Equal("x", Assert.Single(block.Terms).Name);
    }

    [Fact]
    public void RandomSlopeWithoutIntercept_ZeroPlus()
    {
        var block = FormulaParser.Parse("y ~ x + (0 + x | g)").RandomFactors[0].Blocks[0];
        Assert.False(block.Intercept);
    }

    [Fact]
    public void SameFactorTwice_BecomesIndependentBlocksOfOneFactor()
    {
        var spec = FormulaParser.Parse("y ~ x + (1 | g) + (0 + x | g)");
        var factor = Assert.Single(spec.RandomFactors);
        Assert.Equal(2, factor.Blocks.Count);
    }

    [Theory]
    [InlineData("y x", "no '~'")]
    [InlineData("y ~ x +", "ends where a term was expected")]
    [InlineData("y ~ x + (1 | g", "expected ')'")]
    [InlineData("y ~ foo(x)", "unknown function 'foo'")]
    [InlineData("y ~ x + 2", "the number 2 is not a term")]
    [InlineData("y ~ x $ w", "unexpected character '$'")]
    [InlineData("y ~ center(x, g, h)", "wrong number of arguments")]
    public void Errors_SayWhatAndWhere(string formula, string fragment)
    {
        var e = Assert.Throws<ModelSpecificationException>(() => FormulaParser.Parse(formula));
        Assert.Contains(fragment, e.Message);
        Assert.Contains("column", e.Message);
    }

    [Fact]
    public void Error_PointsAtTheColumn()
    {
        var e = Assert.Throws<ModelSpecificationException>(() => FormulaParser.Parse("y ~ x + foo(w)"));
        Assert.Contains("column 9", e.Message);
    }

    [Fact]
    public void ToFormula_RoundTrips()
    {
        var spec = FormulaParser.Parse("y ~ w * x + (1 + x || g) + (1 | h)");
        Assert.True(spec.IsEquivalentTo(FormulaParser.Parse(spec.ToFormula())));
    }
}
