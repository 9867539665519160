using System.Globalization;
using System.Text.Json;

namespace BayesHlm.Tests.Cli;

/// <summary><c>bayeshlm loo</c>: the printed tables, the JSON file, several models compared, bad input.</summary>
public sealed class LooCommandTests : IDisposable
{
    private readonly TestFolder _dir = new();

    public void Dispose() => _dir.Dispose();

    private static string Fixture => RepositoryPaths.Reference("loo", "loglik.csv");

    /// <summary>Lines over 80 columns, other than the one naming the JSON file (a path as long as the user's).</summary>
    private static void FitsEightyColumns(string text)
    {
        var wide = text.Split('\n').Where(l => l.TrimEnd('\r').Length > 80 && !l.StartsWith("JSON written to", StringComparison.Ordinal)).ToArray();
        Assert.True(wide.Length == 0, "lines over 80 columns:\n" + string.Join("\n", wide));
    }

    [Fact]
    public void Fixture_PrintsLooWaicAndParetoTable_NamesTheBadObservations()
    {
        var r = CliRunner.Run("loo", "--loglik", Fixture);
        Assert.True(r.ExitCode == 0, r.ToString());
        // loo 2.5.1's print(loo) of the fixture, one decimal.
        Assert.Matches(@"elpd_loo\s+-227\.1\s+21\.8", r.StdOut);
        Assert.Matches(@"p_loo\s+14\.2\s+8\.7", r.StdOut);
        Assert.Matches(@"looic\s+454\.2\s+43\.6", r.StdOut);
        Assert.Contains("Monte Carlo SE of elpd_loo is NA.", r.StdOut);
        Assert.Matches(@"\(-Inf, 0\.5\]\s+\(good\)\s+70\s+97\.2%\s+634", r.StdOut);
        Assert.Matches(@"\(1, Inf\)\s+\(very bad\)\s+2\s+2\.8%\s+4", r.StdOut);
        Assert.Contains("X5 (k = 1.29), X40 (k = 1.04)", r.StdOut);
        Assert.Contains("min(1 - 1/log10(S), 0.7) = 0.70 for S = 4000", System.Text.RegularExpressions.Regex.Replace(r.StdOut, @"\s+", " "));
        Assert.Matches(@"elpd_waic\s+-226\.5\s+21\.4", r.StdOut);
        Assert.Matches(@"waic\s+453\.0\s+42\.8", r.StdOut);
        Assert.Contains("p_waic estimates greater than 0.4", r.StdOut);
        FitsEightyColumns(r.StdOut);
    }

    [Fact]
    public void Json_HasTheFixtureKeys_WithLoosValues()
    {
        string json = _dir.PathOf("loo.json");
        var r = CliRunner.Run("loo", "--loglik", Fixture, "--json", json);
        Assert.True(r.ExitCode == 0, r.ToString());
        using var actual = JsonDocument.Parse(File.ReadAllText(json));
        using var expected = JsonDocument.Parse(File.ReadAllText(RepositoryPaths.Reference("loo", "expected.json")));
        foreach (var key in new[] { "elpd_loo", "p_loo", "looic", "elpd_waic", "p_waic", "waic", "r_eff", "pareto_k", "pointwise_elpd_loo", "pointwise_p_loo", "n_eff" })
        {
            var e = expected.RootElement.GetProperty(key).EnumerateArray().Select(v => v.GetDouble()).ToArray();
            var a = actual.RootElement.GetProperty(key).EnumerateArray().Select(v => v.GetDouble()).ToArray();
            Assert.Equal(e.Length, a.Length);
            for (int i = 0; i < e.Length; i++) Assert.True(Math.Abs(a[i] - e[i]) <= 1e-6 * Math.Max(Math.Abs(e[i]), 1), $"{key}[{i}]: {e[i]} vs {a[i]}");
        }
        Assert.Equal(JsonValueKind.Null, actual.RootElement.GetProperty("mcse_elpd_loo").ValueKind);
        Assert.Equal(0.7, actual.RootElement.GetProperty("pareto_k_threshold").GetDouble());
        Assert.Equal(4, actual.RootElement.GetProperty("pareto_k_table").GetArrayLength());
        Assert.Empty(Directory.GetFiles(_dir.Path, "*.tmp"));
    }

    [Fact]
    public void JsonToStandardOutput_InsteadOfTheTables()
    {
        var r = CliRunner.Run("loo", "--loglik", Fixture, "--json", "-");
        Assert.True(r.ExitCode == 0, r.ToString());
        using var doc = JsonDocument.Parse(r.StdOut);
        Assert.Equal(72, doc.RootElement.GetProperty("pareto_k").GetArrayLength());
        Assert.Equal("loglik", doc.RootElement.GetProperty("name").GetString());
    }

    /// <summary>The fixture with every log-likelihood of a third of the observations lowered by 0.5: a worse model of the same data.</summary>
    private string WorseModel()
    {
        var lines = File.ReadAllLines(Fixture);
        var rows = lines.Skip(1).Select(line =>
        {
            var cells = line.Split(',');
            for (int c = 2; c < cells.Length; c += 3)
                cells[c] = (double.Parse(cells[c], CultureInfo.InvariantCulture) - 0.5).ToString("R", CultureInfo.InvariantCulture);
            return string.Join(',', cells);
        });
        return _dir.Write("worse.csv", string.Join('\n', rows.Prepend(lines[0])) + "\n");
    }

    [Fact]
    public void TwoModels_ComparedBestFirst_InTextAndJson()
    {
        string worse = WorseModel(), json = _dir.PathOf("compare.json");
        var r = CliRunner.Run("loo", "--loglik", worse, "--loglik", Fixture, "--json", json);
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("Model comparison (loo_compare), best first:", r.StdOut);
        var table = r.StdOut[r.StdOut.IndexOf("Model comparison", StringComparison.Ordinal)..];
        // 24 observations lowered by 0.5 each: elpd_diff −12.0 exactly, the same shift under every draw.
        Assert.Matches(@"\nloglik\s+0\.0\s+0\.0\s+-227\.1", table);
        Assert.Matches(@"\nworse\s+-12\.0\s+", table);
        FitsEightyColumns(r.StdOut);
        using var doc = JsonDocument.Parse(File.ReadAllText(json));
        Assert.Equal(2, doc.RootElement.GetProperty("models").GetArrayLength());
        var rows = doc.RootElement.GetProperty("comparison").EnumerateArray().ToArray();
        Assert.Equal(["loglik", "worse"], rows.Select(x => x.GetProperty("name").GetString()));
        Assert.Equal(-12.0, rows[1].GetProperty("elpd_diff").GetDouble(), 1e-9);
    }

    [Theory]
    [InlineData("chain,iteration,a,b\n1,1,-1,-2\n1,2,-1,oops\n", "line 3, column 4 ('b'): 'oops' is not a number")]
    [InlineData("chain,iteration,a,b\n1,1,-1,-2\n1,2,-1\n", "line 3: 3 fields, but the header has 4")]
    [InlineData("chain,iteration,a,b\n1,1,-1,-2\n1,2,-1,NA\n", "line 3, column 4 ('b'): 'NA' is missing")]
    [InlineData("chain,iteration,a\n1,1,-1\n1,2,-1\n2,1,-1\n", "different numbers of draws (chain 1: 2, chain 2: 1)")]
    [InlineData("iteration,a\n1,-1\n2,-1\n", "no 'chain' column")]
    [InlineData("chain,iteration,a\n1.5,1,-1\n", "line 2, column 'chain': '1.5' is not a chain number")]
    [InlineData("\"chain\",\"iteration\",\"a\"\n", "has a header but no draws")]
    public void BadFile_ExitsTwo_NamingLineAndColumn(string content, string fragment)
    {
        var path = _dir.Write("ll.csv", content);
        var r = CliRunner.Run("loo", "--loglik", path);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains(fragment, r.StdErr);
        Assert.Contains("ll.csv", r.StdErr);
        Assert.DoesNotContain("   at ", r.StdErr);
    }

    [Fact]
    public void MissingFile_SameFileTwice_NoLoglik_ExitTwo()
    {
        var missing = CliRunner.Run("loo", "--loglik", _dir.PathOf("nope.csv"));
        Assert.Equal(2, missing.ExitCode);
        Assert.Contains("not found", missing.StdErr);
        var twice = CliRunner.Run("loo", "--loglik", Fixture, "--loglik", Fixture);
        Assert.Equal(2, twice.ExitCode);
        Assert.Contains("given twice", twice.StdErr);
        Assert.Equal(2, CliRunner.Run("loo").ExitCode);
    }
}
