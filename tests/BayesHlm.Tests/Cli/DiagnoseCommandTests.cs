using System.Text.Json;

namespace BayesHlm.Tests.Cli;

/// <summary><c>bayeshlm diagnose</c>: tables, files, exit codes.</summary>
public sealed class DiagnoseCommandTests : IDisposable
{
    private readonly TestFolder _dir = new();

    public void Dispose() => _dir.Dispose();

    private static string ReferenceDraws => RepositoryPaths.Reference("diagnostics", "draws.csv");

    [Fact]
    public void ReferenceDraws_PrintTableAndWarnings_WriteCsvAndJson()
    {
        string csv = _dir.PathOf("summary.csv"), json = _dir.PathOf("summary.json");
        var r = CliRunner.Run("diagnose", ReferenceDraws, "--csv", csv, "--json", json);
        Assert.Equal(0, r.ExitCode);
        Assert.Contains("ess_bulk", r.StdOut);
        Assert.Contains("R̂ above 1.01", r.StdOut);
        Assert.Contains("shifted_chain (chain 4)", r.StdOut);
        var header = File.ReadLines(csv).First().Split(',');
        foreach (var column in new[] { "variable", "mean", "median", "sd", "mad", "q5", "q95", "rhat", "ess_bulk", "ess_tail", "mcse_mean", "mcse_sd" })
            Assert.Contains(column, header);
        Assert.Equal(10, File.ReadAllLines(csv).Length); // header + 9 variables
        using var doc = JsonDocument.Parse(File.ReadAllText(json));
        Assert.Equal(9, doc.RootElement.GetProperty("parameters").GetArrayLength());
        Assert.True(doc.RootElement.GetProperty("warnings").GetArrayLength() >= 3);
    }

    [Fact]
    public void Strict_WithWarnings_ExitsOne()
    {
        var r = CliRunner.Run("diagnose", ReferenceDraws, "--strict");
        Assert.Equal(1, r.ExitCode);
    }

    [Fact]
    public void Vars_SelectsParameters_AndSuggestsMisspelt()
    {
        var ok = CliRunner.Run("diagnose", ReferenceDraws, "--vars", "iid_normal", "--json", "-");
        Assert.Equal(0, ok.ExitCode);
        using var doc = JsonDocument.Parse(ok.StdOut);
        Assert.Equal(1, doc.RootElement.GetProperty("parameters").GetArrayLength());
        var bad = CliRunner.Run("diagnose", ReferenceDraws, "--vars", "trendin");
        Assert.Equal(2, bad.ExitCode);
        Assert.Contains("Did you mean 'trending'", bad.StdErr);
    }

    [Theory]
    [InlineData("a,b\n1,2\n3,4\n", "no 'chain' column")]
    [InlineData("chain,iteration,mu\n1,1,0.5\n1,2,0.7,9\n", "line 3")]
    [InlineData("chain,iteration,mu\n1,1,0.5\n1,2,abc\n1,3,1\n1,4,2\n", "'abc' is not a number")]
    [InlineData("chain,iteration,mu\n1,1,0.5\n2,1,0.7\n", "A single draw")]
    public void BadFiles_ExitTwo_WithFileAndLine(string content, string fragment)
    {
        var path = _dir.Write("draws.csv", content);
        var r = CliRunner.Run("diagnose", path);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains(fragment, r.StdErr);
        Assert.Contains("draws.csv", r.StdErr);
        Assert.DoesNotContain("   at ", r.StdErr);
    }

    [Fact]
    public void ConstantParameter_IsReported_NotACrash()
    {
        var rows = string.Concat(Enumerable.Range(0, 40).Select(i => $"{i / 20 + 1},{i % 20 + 1},{Math.Sin(i)},3\n"));
        var path = _dir.Write("draws.csv", "chain,iteration,mu,fixed\n" + rows);
        var r = CliRunner.Run("diagnose", path, "--csv", _dir.PathOf("s.csv"));
        Assert.Equal(0, r.ExitCode);
        Assert.Contains("Constant in every draw", r.StdOut);
        Assert.Contains("fixed", File.ReadAllLines(_dir.PathOf("s.csv"))[2]);
        Assert.Contains("NA", File.ReadAllLines(_dir.PathOf("s.csv"))[2]);
    }

    [Fact]
    public void ProbsAndLevel_ChooseTheQuantilesAndIntervals()
    {
        string csv = _dir.PathOf("s.csv");
        var r = CliRunner.Run("diagnose", ReferenceDraws, "--probs", "0.025,0.975", "--level", "0.95", "--csv", csv);
        Assert.Equal(0, r.ExitCode);
        var header = File.ReadLines(csv).First().Split(',');
        Assert.Contains("q2.5", header);
        Assert.Contains("q97.5", header);
        Assert.Contains("hdi95_lower", header);
        Assert.Contains("q5", header); // always, as posterior reports it
    }

    [Theory]
    [InlineData("--probs", "2", "not a probability")]
    [InlineData("--level", "1.5", "between 0 and 1")]
    [InlineData("--bogus", null, "Unrecognized option '--bogus'")]
    public void BadOptions_ExitTwo(string option, string? value, string fragment)
    {
        var args = new List<string> { "diagnose", ReferenceDraws, option };
        if (value is not null) args.Add(value);
        var r = CliRunner.Run([.. args]);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains(fragment, r.StdErr);
    }
}
