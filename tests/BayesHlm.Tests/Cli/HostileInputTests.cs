using System.Diagnostics;
using System.Text;

namespace BayesHlm.Tests.Cli;

/// <summary>Careless or hostile input gets exit code 2 and a message saying what and where, fast, with no stack trace
/// and no file written outside the run directory: YAML bombs and tricks, unknown prior keys, names that are paths,
/// formulas too deep or too wide, sizes that cannot fit in memory, option values of the wrong type.</summary>
public class HostileInputTests : IDisposable
{
    private readonly TestFolder _dir = new();

    public void Dispose() => _dir.Dispose();

    private static string Hsb => RepositoryPaths.Data("hsb.csv");

    private string Model(string name, string body)
    {
        if (!File.Exists(Path.Combine(_dir.Path, "hsb.csv"))) File.Copy(Hsb, Path.Combine(_dir.Path, "hsb.csv"));
        return _dir.Write(name, "data: hsb.csv\nformula: mathach ~ ses + (1 | school)\n" + body);
    }

    [Theory]
    [InlineData("../outside.csv")]
    [InlineData("/etc/passwd")]
    [InlineData("link/hsb.csv")]
    [InlineData("sub/../../outside.csv")]
    public void AModelFilesDataOutsideItsFolder_IsRefused_UnlessGivenOnTheCommandLine(string data)
    {
        string folder = Path.Combine(_dir.Path, "models");
        Directory.CreateDirectory(Path.Combine(folder, "sub"));
        File.Copy(Hsb, Path.Combine(_dir.Path, "outside.csv"), overwrite: true);
        string elsewhere = Path.Combine(_dir.Path, "elsewhere");
        Directory.CreateDirectory(elsewhere);
        File.Copy(Hsb, Path.Combine(elsewhere, "hsb.csv"), overwrite: true);
        if (!Directory.Exists(Path.Combine(folder, "link"))) Directory.CreateSymbolicLink(Path.Combine(folder, "link"), elsewhere);
        string model = Path.Combine(folder, "m.yaml");
        File.WriteAllText(model, $"data: {data}\nformula: mathach ~ ses + (1 | school)\n");

        var refused = CliRunner.RunIn(_dir.Path, "reml", model);
        Assert.True(refused.ExitCode == 2, refused.ToString());
        Assert.Contains($"line 1, column 7: data: '{data}' lies outside the model file's folder", refused.StdErr);
        Assert.Contains("--data PATH", refused.StdErr);
        Assert.DoesNotContain("root:", refused.StdErr);

        var given = CliRunner.RunIn(_dir.Path, "reml", model, "--data", "outside.csv");
        Assert.True(given.ExitCode == 0, given.ToString());
        Assert.Contains("7185 rows used", given.StdOut);
        var fit = CliRunner.RunIn(_dir.Path, "fit", model, "--data", "outside.csv", "--iter", "200", "--warmup", "100", "--chains", "1", "--quiet", "--out", "run");
        Assert.True(fit.ExitCode == 0, fit.ToString());
    }

    [Fact]
    public void AModelFilesDataInASubfolder_IsRead()
    {
        string folder = Path.Combine(_dir.Path, "models", "data");
        Directory.CreateDirectory(folder);
        File.Copy(Hsb, Path.Combine(folder, "hsb.csv"), overwrite: true);
        string model = Path.Combine(_dir.Path, "models", "m.yaml");
        File.WriteAllText(model, "data: ./data/hsb.csv\nformula: mathach ~ ses + (1 | school)\n");
        var r = CliRunner.RunIn(_dir.Path, "reml", model);
        Assert.True(r.ExitCode == 0, r.ToString());
    }

    public static TheoryData<string, string> ModelFiles() => new()
    {
        { "name: ../../escaped\n", "is not a plain name" },
        { "name: /tmp/absolute\n", "is not a plain name" },
        { "method: reml\nmethod: ml\n", "line 4, column 1: not valid YAML (Duplicate key method)" },
        { "sampler: &s {seed: 1}\nname: x\n", "YAML anchors (&s) are not read" },
        { "---\nname: second\n", "a second YAML document" },
        { "priors:\n  residual: {dist: half_t_sd, df: 3, scael: 2}\n", "unknown key 'scael'. Did you mean 'scale'?" },
        { "priors:\n  fixed: {dist: normal, mean: 0, varaince: 10}\n", "unknown key 'varaince'. Did you mean 'variance'?" },
    };

    [Theory]
    [MemberData(nameof(ModelFiles))]
    public void AModelFileThatIsNotWhatItSeems_IsRefused(string body, string fragment)
    {
        var r = CliRunner.RunIn(_dir.Path, "fit", Model("m.yaml", body), "--iter", "200", "--warmup", "100", "--quiet");
        Assert.True(r.ExitCode == 2, r.ToString());
        Assert.Contains(fragment, r.StdErr);
        Assert.DoesNotContain("   at ", r.StdErr);
        Assert.False(Directory.Exists(Path.Combine(_dir.Path, "runs")));
    }

    [Fact]
    public void AYamlAliasBomb_IsRefusedAtOnce()
    {
        var bomb = new StringBuilder("data: x.csv\na: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n");
        for (char c = 'b'; c <= 'k'; c++) bomb.Append(CultureInfo(c)).Append('\n');
        var clock = Stopwatch.StartNew();
        var r = CliRunner.RunIn(_dir.Path, "reml", _dir.Write("bomb.yaml", bomb.ToString()));
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("not read in model or priors files", r.StdErr);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), $"took {clock.Elapsed}");
        static string CultureInfo(char c) => $"{c}: &{c} [*{(char)(c - 1)},*{(char)(c - 1)},*{(char)(c - 1)},*{(char)(c - 1)},*{(char)(c - 1)},*{(char)(c - 1)},*{(char)(c - 1)},*{(char)(c - 1)},*{(char)(c - 1)}]";
    }

    public static TheoryData<string, string> Formulas() => new()
    {
        { "mathach ~ " + new string('(', 20_000) + "ses" + new string(')', 20_000) + " + (1 | school)", "characters long; a formula is at most 10,000" },
        { "mathach ~ " + new string('(', 4_000) + "ses" + new string(')', 4_000) + " + (1 | school)", "parentheses nested more than 100 deep" },
        { "mathach ~ " + string.Join("*", Enumerable.Range(0, 14).Select(i => i % 2 == 0 ? "ses" : "sector").Select((v, i) => $"{v}")) + " + (1 | school)", "" },
        { "mathach ~ (minority + female + ses + size + sector + pracad + disclim + himinty + meanses + log(size) + center(ses))^11 + (1 | school)", "expands to more than 1000 terms" },
        { "mathach ~ factor(ses):factor(pracad) + (1 | school)", "The design would have over 1,000 columns" },
    };

    [Theory]
    [MemberData(nameof(Formulas))]
    public void AFormulaTooDeepOrTooWide_IsRefusedBeforeAnyWork(string formula, string fragment)
    {
        var clock = Stopwatch.StartNew();
        var r = CliRunner.Run("reml", "--data", Hsb, "--formula", formula);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), $"took {clock.Elapsed}");
        Assert.DoesNotContain("   at ", r.StdErr);
        Assert.NotEqual(3, r.ExitCode);
        if (fragment.Length > 0)
        {
            Assert.True(r.ExitCode == 2, r.ToString());
            Assert.Contains(fragment, r.StdErr);
        }
    }

    public static TheoryData<string[], string> Options() => new()
    {
        { ["--iter", "2000000000"], "would take" },
        { ["--seed", "-5"], "as a whole number from 0 to 18446744073709551615" },
        { ["--chains", "four"], "as a whole number" },
        { ["--out", ""], "The run directory (--out) is empty" },
    };

    [Theory]
    [MemberData(nameof(Options))]
    public void OptionValuesThatCannotWork_AreSaidInWords(string[] options, string fragment)
    {
        string[] args = ["sample", "--data", Hsb, "--formula", "mathach ~ ses + (1 | school)", "--quiet", .. options];
        if (!options.Contains("--out")) args = [.. args, "--out", _dir.PathOf("run")];
        var r = CliRunner.Run(args);
        Assert.True(r.ExitCode == 2, r.ToString());
        Assert.Contains(fragment, r.StdErr);
        Assert.DoesNotContain("System.", r.StdErr);
        Assert.False(Directory.Exists(_dir.PathOf("run")));
    }

    [Fact]
    public void APriorsFileGivingAKeyTwice_IsRefused()
    {
        string priors = _dir.Write("p.json", """{"group:school":{"dist":"half_t_sd","df":3,"scale":1},"group:school":{"dist":"uniform_sd","upper":9}}""");
        var r = CliRunner.Run("sample", "--data", Hsb, "--formula", "mathach ~ ses + (1 | school)", "--priors", priors, "--out", _dir.PathOf("run"), "--quiet");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("the key 'group:school' is given twice", r.StdErr);
    }

    [Fact]
    public void ALineLongerThan16KCharacters_IsRead()
    {
        string path = _dir.Write("wide.csv", "g,note,y\n" + string.Join("\n", Enumerable.Range(0, 40).Select(i => $"{i % 8},{new string('x', i == 3 ? 40_000 : 3)},{i * 0.37 % 5}")) + "\n");
        var r = CliRunner.Run("reml", "--data", path, "--formula", "y ~ 1 + (1 | g)");
        Assert.True(r.ExitCode == 0, r.ToString());
    }
}

/// <summary>A random-effects term in the wrong place is told apart: doubled parentheses, or inside a parenthesis left open.</summary>
public class MisplacedRandomTermTests
{
    [Theory]
    [InlineData("mathach ~ ses + ((1|school))", "two pairs of parentheses")]
    [InlineData("mathach ~ (ses + (1|school)", "inside the parenthesis opened at column 11")]
    [InlineData("mathach ~ ses:(1|school)", "not inside ':' or '*'")]
    public void TheMessageSaysWhatIsWrong(string formula, string fragment)
    {
        var e = Assert.Throws<BayesHlm.ModelSpecificationException>(() => BayesHlm.Model.ModelSpec.FromFormula(formula));
        Assert.Contains(fragment, e.Message);
    }
}

/// <summary>Every bad value of a column is reported at once (the first ten, with their lines), not one per run.</summary>
public class AllBadValuesTests
{
    [Fact]
    public void TheBadValuesOfAColumn_AreListedTogether()
    {
        using var folder = new TestFolder();
        var rows = Enumerable.Range(0, 40).Select(i => $"{i % 5},{(i % 3 == 0 ? "oops" + i : (i * 0.5).ToString(System.Globalization.CultureInfo.InvariantCulture))},{i % 7}");
        string path = folder.Write("bad.csv", "g,x,y\n" + string.Join("\n", rows) + "\n");
        var r = CliRunner.Run("reml", "--data", path, "--formula", "y ~ x + (1 | g)");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("14 values are not (finite) numbers — line 2 'oops0', line 5 'oops3'", r.StdErr);
        Assert.Contains("and 4 more", r.StdErr);
    }
}

/// <summary>Inputs the fuzzer found crashing a reader, each kept as a test.</summary>
public class FuzzFoundTests
{
    [Theory]
    [InlineData("data: x.csv\n{\nformula: y ~ x + (1 | g)")]
    [InlineData("\n!!o]ZD;8owF_\nGfD")]
    public void AModelFileTheFuzzerBroke_IsNowABadInputMessage(string text)
    {
        using var folder = new TestFolder();
        var e = Assert.ThrowsAny<UserInputException>(() => BayesHlm.Model.ModelFile.Load(folder.Write("m.yaml", text)));
        Assert.Contains("not valid YAML", e.Message);
    }
}
