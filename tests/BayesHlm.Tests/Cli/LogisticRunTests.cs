using System.Security.Cryptography;
using System.Text.Json;

namespace BayesHlm.Tests.Cli;

/// <summary>A logistic model through the run directory as a user meets it: sampled from the command line and from a model
/// file, the same draws from the same seed, run.json saying its family and trials (so that compare, report and resume
/// rebuild the same model), and the comparison set beside the Laplace fit.</summary>
public class LogisticRunTests
{
    private static readonly string[] Short = ["--iter", "300", "--warmup", "150", "--chains", "2", "--quiet"];

    [Fact]
    public void ABinomialRun_IsReproducible_SaysItsFamily_AndComparesWithTheLaplaceFit()
    {
        using var folder = new TestFolder();
        string cbpp = RepositoryPaths.Data("cbpp.csv");
        string[] Sample(string dir) => ["sample", "--data", cbpp, "--formula", "incidence ~ factor(period) + (1 | herd)", "--family", "binomial", "--trials", "size",
            "--out", Path.Combine(folder.Path, dir), "--seed", "5", .. Short];
        var a = CliRunner.Run(Sample("a"));
        Assert.True(a.ExitCode == 0, a.ToString());
        var b = CliRunner.Run(Sample("b"));
        Assert.True(b.ExitCode == 0, b.ToString());
        string Hash(string dir) => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(Path.Combine(folder.Path, dir, "draws.csv"))));
        Assert.Equal(Hash("a"), Hash("b"));

        var model = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder.Path, "a", "run.json"))).RootElement.GetProperty("model");
        Assert.Equal("binomial", model.GetProperty("family").GetString());
        Assert.Equal("size", model.GetProperty("trials").GetString());
        Assert.Equal("Laplace", model.GetProperty("method").GetString());
        var draws = File.ReadLines(Path.Combine(folder.Path, "a", "draws.csv")).First();
        Assert.DoesNotContain("sigma2", draws);

        var compare = CliRunner.Run("compare", Path.Combine(folder.Path, "a"));
        Assert.True(compare.ExitCode == 0, compare.ToString());
        Assert.Contains("Laplace estimates (95% CI) beside the posterior", compare.StdOut);
        Assert.Contains("Only 15 groups inform this variance: with a binomial", compare.StdOut);
        var report = CliRunner.Run("report", Path.Combine(folder.Path, "a"));
        Assert.True(report.ExitCode == 0, report.ToString());
    }

    [Fact]
    public void ABernoulliModelFile_Fits()
    {
        using var folder = new TestFolder();
        var r = CliRunner.Run(["fit", RepositoryPaths.Model("bernoulli_slopes"), "--out", Path.Combine(folder.Path, "run"), .. Short]);
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("tau2[school:x]", r.StdOut);
    }
}
