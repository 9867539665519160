using BayesHlm.Model;

namespace BayesHlm.Tests.Model;

public class LevelDeclarationTests
{
    private static string ModelPath(string name) => RepositoryPaths.Model(name);

    [Theory]
    [InlineData("hsb_anova", "mathach ~ 1 + (1 | school)")]
    [InlineData("hsb_means_as_outcomes", "mathach ~ meanses + (1 | school)")]
    [InlineData("hsb_random_coef", "mathach ~ center(ses, school) + (1 + center(ses, school) | school)")]
    [InlineData("hsb_slopes_as_outcomes", "mathach ~ meanses * center(ses, school) + sector * center(ses, school) + (1 + center(ses, school) | school)")]
    [InlineData("three_level", "y ~ x + (1 | school/classroom)")]
    public void ModelFile_GivesTheSameSpecAsTheFormula(string file, string formula)
    {
        var loaded = ModelFile.Load(ModelPath(file));
        Assert.True(loaded.Spec.IsEquivalentTo(ModelSpec.FromFormula(formula)), $"{loaded.Spec} vs {formula}");
        Assert.True(File.Exists(loaded.DataPath), loaded.DataPath);
    }

    [Fact]
    public void Builder_GivesTheSameSpecAsTheFormula()
    {
        var spec = HlmBuilder.Level1("mathach = b0 + b1*center(ses, school) + e")
            .Level2("school", "b0 = g00 + g01*meanses + g02*sector + u0", "b1 = g10 + g11*meanses + g12*sector + u1")
            .Build();
        Assert.True(spec.IsEquivalentTo(ModelSpec.FromFormula(
            "mathach ~ meanses * center(ses, school) + sector * center(ses, school) + (1 + center(ses, school) | school)")));
    }

    [Fact]
    public void Builder_FixedSlope_IsNotRandom()
    {
        var spec = HlmBuilder.Level1("y = b0 + b1*x + e").Level2("g", "b0 = g00 + u0", "b1 = g10").Build();
        Assert.True(spec.IsEquivalentTo(ModelSpec.FromFormula("y ~ x + (1 | g)")));
    }

    [Fact]
    public void Builder_Uncorrelated_MatchesDoubleBar()
    {
        var spec = HlmBuilder.Level1("y = b0 + b1*x + e").Level2("g", correlated: false, "b0 = g00 + u0", "b1 = g10 + u1").Build();
        Assert.True(spec.IsEquivalentTo(ModelSpec.FromFormula("y ~ x + (1 + x || g)")));
    }

    [Fact]
    public void Builder_ThreeLevels_WithRandomSlopeAtLevelThreeAndPredictors()
    {
        var spec = HlmBuilder.Level1("y = p0 + p1*x + e")
            .Level2("classroom", "p0 = b00 + b01*w + r0", "p1 = b10 + r1")
            .Level3("school", "b00 = g000 + g001*z + u00", "b10 = g100 + u10")
            .Build();
        Assert.True(spec.IsEquivalentTo(ModelSpec.FromFormula(
            "y ~ 1 + z + w + x + (1 + x | school:classroom) + (1 + x | school)")), spec.ToString());
    }

    [Theory]
    [InlineData("y = b0 + b1*x + e", "b2 = g20 + u2", "not a coefficient of level 1")]
    [InlineData("y = b0 + b1*x + e", "b0 g00", "not an equation")]
    [InlineData("y = b0 + b1*x + e", "b0 = g00 + g01 + u0", "two intercept coefficients")]
    [InlineData("y = b0 + b1*x + e", "b0 = g00 + u0 + r0", "two random effects")]
    public void Builder_Errors_NameTheLevelAndProblem(string level1, string level2, string fragment)
    {
        var e = Assert.Throws<ModelSpecificationException>(() => HlmBuilder.Level1(level1).Level2("g", level2).Build());
        Assert.Contains(fragment, e.Message);
        Assert.Contains("level 2", e.Message);
    }

    [Fact]
    public void ModelFile_WithFormula_AndRelativeDataPath()
    {
        using var folder = new TestFolder();
        var m = ModelFile.Load(folder.Write("m.yaml", "data: sub/d.csv\nformula: y ~ x + (1 | g)\nmethod: ML\n"));
        Assert.Equal(Path.Combine(folder.Path, "sub", "d.csv"), m.DataPath);
        Assert.Equal("ml", m.Method);
    }

    [Theory]
    [InlineData("data: d.csv\n? [a, b]\n: x\nformula: y ~ x\n", "line 2", "plain name")]
    [InlineData("data: d.csv\nlevel1:\n  equation: y = b0 + e\n  eqaution: y = b0\nlevel2:\n  group: g\n  equations: [b0 = g00 + u0]\n", "line 4", "unknown key 'eqaution'")]
    [InlineData("data: d.csv\nformula: y ~ x\nlevel2:\n  group: g\n  equations: [b0 = g00 + u0]\n", "line 2", "not both")]
    [InlineData("data: d.csv\nlevel1:\n  equation: y = b0 + e\nlevel2:\n  group: g\n", "line 5", "no equations")]
    [InlineData("data: d.csv\nlevel1: y = b0 + e\nlevel2:\n  group: g\n  equations: [b0 = g00 + u0]\nmethod: bayes\n", "line 6", "reml or ml")]
    public void ModelFile_Errors_NameTheLine(string yaml, string line, string fragment)
    {
        using var folder = new TestFolder();
        var path = folder.Write("m.yaml", yaml);
        var e = Assert.Throws<ModelSpecificationException>(() => ModelFile.Load(path));
        Assert.Contains(line, e.Message);
        Assert.Contains(fragment, e.Message);
    }
}

public class OddColumnNameTests
{
    [Fact]
    public void ColumnsThatNeedBackquotes_SurviveTheLevelTranslationAndRoundTrip()
    {
        var spec = HlmBuilder.Level1("`math score` = b0 + b1*center(`ses-z`, `school id`) + e")
            .Level2("school id", "b0 = g00 + g01*`mean ses` + u0", "b1 = g10 + u1").Build();
        var expected = ModelSpec.FromFormula("`math score` ~ `mean ses` + center(`ses-z`, `school id`) + (1 + center(`ses-z`, `school id`) | `school id`)");
        Assert.True(spec.IsEquivalentTo(expected), spec.ToFormula());
        Assert.True(ModelSpec.FromFormula(spec.ToFormula()).IsEquivalentTo(spec));
        Assert.Equal("math score", spec.Outcome.Name);
    }
}
