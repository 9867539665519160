namespace BayesHlm.Tests.Cli;

/// <summary>Bad input to <c>bayeshlm</c>: exit code 2, a message on stderr that says what and where,
/// no stack trace, nothing on stdout.</summary>
public sealed class CliErrorTests : IDisposable
{
    private readonly TestFolder _dir = new();

    public void Dispose() => _dir.Dispose();

    private static string HsbPath => RepositoryPaths.Data("hsb.csv");

    /// <summary>Exit code 2, every fragment on stderr, no stack trace or exception type name, no tables on stdout.</summary>
    private static void AssertBadInput(CliResult r, params string[] fragments)
    {
        Assert.True(r.ExitCode == 2, $"expected exit code 2\n{r}");
        Assert.False(string.IsNullOrWhiteSpace(r.StdErr), $"expected a message on stderr\n{r}");
        foreach (var f in fragments)
            Assert.True(r.StdErr.Contains(f, StringComparison.Ordinal), $"expected stderr to contain \"{f}\"\n{r}");
        Assert.False(r.StdErr.Contains("   at ", StringComparison.Ordinal), $"stack trace on stderr\n{r}");
        Assert.False(r.StdErr.Contains("Exception", StringComparison.Ordinal), $"exception type on stderr\n{r}");
        Assert.True(string.IsNullOrWhiteSpace(r.StdOut), $"expected nothing on stdout\n{r}");
    }

    private CliResult Reml(string csvName, string formula, params string[] more) =>
        CliRunner.RunIn(_dir.Path, ["reml", "--data", _dir.PathOf(csvName), "--formula", formula, .. more]);

    [Fact]
    public void DataFileMissing()
    {
        var r = CliRunner.RunIn(_dir.Path, "reml", "--data", "no_such_file.csv", "--formula", "y ~ x + (1 | g)");
        AssertBadInput(r, "no_such_file.csv", "not found");
    }

    [Fact]
    public void ModelFileMissing()
    {
        var r = CliRunner.RunIn(_dir.Path, "reml", "no_such_model.yaml");
        AssertBadInput(r, "no_such_model.yaml", "not found");
    }

    [Fact]
    public void ColumnNotFound_ListsColumnsAndSuggestsClosest()
    {
        var r = CliRunner.Run("reml", "--data", HsbPath, "--formula", "mathac ~ ses + (1 | school)");
        AssertBadInput(r, "'mathac'", "Did you mean 'mathach'", "hsb.csv",
            "school, minority, female, ses, mathach, size, sector, pracad, disclim, himinty, meanses");
    }

    [Fact]
    public void GroupingColumnNotFound_SuggestsClosest()
    {
        var r = CliRunner.Run("reml", "--data", HsbPath, "--formula", "mathach ~ ses + (1 | shcool)");
        AssertBadInput(r, "'shcool'", "'school'");
    }

    [Fact]
    public void NonNumericValue_NamesFileLineColumnAndValue()
    {
        // "abc" is in data row 5; the header is line 1 of the file, so that row is line 6 (CsvTableReader/ModelFrame: row + 2).
        _dir.Write("bad.csv", "y,x,g\n1,2,a\n2,3,a\n3,4,b\n4,5,b\n5,abc,c\n6,7,c\n7,8,c\n");
        var r = Reml("bad.csv", "y ~ x + (1 | g)");
        AssertBadInput(r, "bad.csv", "line 6", "'x'", "'abc'");
    }

    [Fact]
    public void NonNumericValueInOutcome_NamesLine()
    {
        _dir.Write("bad.csv", "y,x,g\n1,2,a\n2,3,a\nn/a,4,b\n4,5,b\n5,6,c\n6,7,c\n");
        var r = Reml("bad.csv", "y ~ x + (1 | g)");
        AssertBadInput(r, "bad.csv", "line 4", "'y'", "'n/a'");
    }

    [Fact]
    public void GroupingFactorWithOneGroup()
    {
        _dir.Write("one.csv", "y,x,g\n1,2,a\n2,3,a\n3,5,a\n4,4,a\n5,7,a\n");
        var r = Reml("one.csv", "y ~ x + (1 | g)");
        AssertBadInput(r, "'g'", "one group");
    }

    [Fact]
    public void RankDeficientFixedDesign_NamesBothTerms()
    {
        _dir.Write("rank.csv",
            "y,x1,x2,g\n1.5,2,4,a\n2.1,3,6,a\n3.7,1,2,b\n4.2,5,10,b\n5.9,6,12,c\n7.3,7,14,c\n6.1,4,8,a\n2.2,8,16,b\n");
        var r = Reml("rank.csv", "y ~ x1 + x2 + (1 | g)");
        AssertBadInput(r, "'x1'", "'x2'", "collinear");
    }

    [Fact]
    public void OutcomeWithZeroVariance()
    {
        _dir.Write("const.csv", "y,x,g\n3,2,a\n3,3,a\n3,4,b\n3,5,b\n3,1,c\n3,7,c\n");
        var r = Reml("const.csv", "y ~ x + (1 | g)");
        AssertBadInput(r, "'y'", "same value");
    }

    [Fact]
    public void EmptyFile()
    {
        _dir.Write("empty.csv", "");
        var r = Reml("empty.csv", "y ~ x + (1 | g)");
        AssertBadInput(r, "empty.csv", "empty");
    }

    [Fact]
    public void HeaderOnlyFile()
    {
        _dir.Write("header.csv", "y,x,g\n");
        var r = Reml("header.csv", "y ~ x + (1 | g)");
        AssertBadInput(r, "header.csv", "no data rows");
    }

    [Fact]
    public void FormulaSyntaxError_GivesColumnPosition()
    {
        _dir.Write("ok.csv", "y,x,g\n1,2,a\n2,3,a\n3,5,b\n4,4,b\n");
        // The second '+' is at column 9.
        var r = Reml("ok.csv", "y ~ x + + (1 | g)");
        AssertBadInput(r, "Formula error at column 9", "y ~ x + + (1 | g)");
    }

    [Fact]
    public void FormulaUnclosedParenthesis_GivesColumnPosition()
    {
        _dir.Write("ok.csv", "y,x,g\n1,2,a\n2,3,a\n3,5,b\n4,4,b\n");
        var r = Reml("ok.csv", "y ~ x + (1 | g");
        AssertBadInput(r, "Formula error at column", "')'");
    }

    [Fact]
    public void UnknownOption_AfterDataAndFormula_IsNamed()
    {
        _dir.Write("ok.csv", "y,x,g\n1,2,a\n2,3,a\n3,5,b\n4,4,b\n");
        var r = Reml("ok.csv", "y ~ x + (1 | g)", "--bogus");
        AssertBadInput(r, "--bogus");
    }

    [Fact]
    public void UnknownOption_Alone_IsNamed()
    {
        var r = CliRunner.RunIn(_dir.Path, "reml", "--bogus");
        AssertBadInput(r, "--bogus");
        Assert.DoesNotContain("Model file", r.StdErr);
    }

    [Fact]
    public void UnknownOption_AfterModelFile_IsNamed()
    {
        var r = CliRunner.Run("reml", "models/hsb_anova.yaml", "--bogus");
        AssertBadInput(r, "--bogus");
    }

    [Fact]
    public void UnknownOption_AtTopLevel_IsNamed()
    {
        var r = CliRunner.Run("--bogus");
        AssertBadInput(r, "--bogus");
    }

    [Fact]
    public void BadOptionValue_ListsTheChoices()
    {
        _dir.Write("ok.csv", "y,x,g\n1,2,a\n2,3,a\n3,5,b\n4,4,b\n");
        var r = Reml("ok.csv", "y ~ x + (1 | g)", "--method", "bayes");
        AssertBadInput(r, "'bayes'", "reml", "ml");
    }

    [Fact]
    public void NeitherModelFileNorDataAndFormula()
    {
        var r = CliRunner.RunIn(_dir.Path, "reml", "--formula", "y ~ x + (1 | g)");
        AssertBadInput(r, "--data");
    }

    [Fact]
    public void CrossedGroupingFactors_AreFittedByRemlAndBySample()
    {
        // Every level of b occurs with both levels of a: crossed, not nested.
        _dir.Write("crossed.csv", "y,a,b\n1.1,1,1\n2.3,1,2\n3.2,2,1\n4.8,2,2\n5.0,1,1\n6.4,2,2\n7.7,1,2\n8.1,2,1\n3.3,1,3\n4.1,2,3\n");
        var r = Reml("crossed.csv", "y ~ 1 + (1 | a) + (1 | b)");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("2 groups of a", r.StdOut);
        var s = CliRunner.RunIn(_dir.Path, "sample", "--data", "crossed.csv", "--formula", "y ~ 1 + (1 | a) + (1 | b)", "--out", "run",
            "--iter", "200", "--warmup", "100", "--quiet");
        Assert.True(s.ExitCode == 0, s.ToString());
        Assert.Contains("tau2[b:(Intercept)]", s.StdOut);
    }

    [Fact]
    public void UnknownKeyInModelFile_GivesLineNumber()
    {
        _dir.Write("ok.csv", "y,x,g\n1,2,a\n2,3,a\n3,5,b\n4,4,b\n");
        _dir.Write("model.yaml",
            "name: test\n" +
            "data: ok.csv\n" +
            "formula: y ~ x + (1 | g)\n" +
            "\n" +
            "sampeler: 3\n");
        var r = CliRunner.RunIn(_dir.Path, "reml", "model.yaml");
        AssertBadInput(r, "model.yaml", "line 5", "'sampeler'", "unknown key");
    }

    [Fact]
    public void UnknownKeyInModelFileLevel_GivesLineNumber()
    {
        _dir.Write("ok.csv", "y,x,g\n1,2,a\n2,3,a\n3,5,b\n4,4,b\n");
        _dir.Write("model.yaml",
            "data: ok.csv\n" +
            "level1:\n" +
            "  equation: y = b0 + e\n" +
            "level2:\n" +
            "  group: g\n" +
            "  equatoins:\n" +
            "    - b0 = g00 + u0\n");
        var r = CliRunner.RunIn(_dir.Path, "reml", "model.yaml");
        AssertBadInput(r, "model.yaml", "line 6", "'equatoins'");
    }

    [Fact]
    public void InvalidYaml_GivesLineNumber()
    {
        _dir.Write("model.yaml", "data: ok.csv\nformula: [y ~ x\n");
        var r = CliRunner.RunIn(_dir.Path, "reml", "model.yaml");
        AssertBadInput(r, "model.yaml", "line");
    }

    [Fact]
    public void ByColumnNotFound()
    {
        var r = CliRunner.Run("reml", "--data", HsbPath, "--formula", "mathach ~ 1 + (1 | school)", "--by", "sectr");
        AssertBadInput(r, "'sectr'", "'sector'");
    }
}
