using System.Diagnostics;
using System.Text.Json;
using BayesHlm.Diagnostics;

namespace BayesHlm.Tests.Cli;

/// <summary><c>bayeshlm fit</c> and <c>bayeshlm sample</c> as a user runs them: the run directory, reproducibility from the
/// seed, the defaults written out, bad priors refused, and SIGTERM stopping a run with every file complete.</summary>
public class SampleCommandTests
{
    [Fact]
    public void Fit_ModelFile_WritesTheWholeRunDirectory()
    {
        using var folder = new TestFolder();
        string dir = folder.PathOf("run");
        var r = CliRunner.Run("fit", "models/eight_schools.yaml", "--iter", "1500", "--warmup", "500", "--out", dir, "--quiet");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("tau2[school:(Intercept)]", r.StdOut);
        foreach (var f in new[] { "run.json", "draws.csv", "summary.csv", "reml.json" }) Assert.True(File.Exists(Path.Combine(dir, f)), f);
        Assert.Empty(Directory.GetFiles(dir, "*.tmp"));

        var run = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "run.json"))).RootElement;
        Assert.Equal("complete", run.GetProperty("status").GetString());
        Assert.Equal("sigma", run.GetProperty("model").GetProperty("known_sd").GetString());
        Assert.Equal(1500, run.GetProperty("sampler").GetProperty("iter").GetInt32()); // the command line overrides the file
        Assert.Equal(8, run.GetProperty("sampler").GetProperty("seed").GetInt32());    // the file's own seed
        foreach (var stage in new[] { "read", "statistics", "reml", "warmup", "sampling" })
            Assert.True(run.GetProperty("timings").GetProperty(stage).GetDouble() >= 0, stage);
        Assert.Equal("half_cauchy_sd", run.GetProperty("priors").GetProperty("group:school").GetProperty("dist").GetString());
        Assert.Contains(run.GetProperty("model").GetProperty("levels").EnumerateArray(), l => l.GetString()!.StartsWith("Level 2 (school): b0 = g00"));

        var draws = DrawsReader.Read([Path.Combine(dir, "draws.csv")]).Draws;
        Assert.Equal(4, draws.Chains);
        Assert.Equal(1000, draws.Iterations);
        Assert.Contains("u[school=8:(Intercept)]", draws.Names); // save_group_effects from the file
        Assert.DoesNotContain("sigma2", draws.Names);
    }

    [Fact]
    public void Sample_NoPriors_WritesTheDefaults_AndTheSameSeedGivesTheSameDraws()
    {
        using var folder = new TestFolder();
        string a = folder.PathOf("a"), b = folder.PathOf("b");
        string[] args = ["sample", "--data", "models/data/hsb.csv", "--formula", "mathach ~ meanses + (1 | school)", "--iter", "300", "--warmup", "100", "--seed", "11", "--quiet"];
        var r1 = CliRunner.Run([.. args, "--out", a]);
        var r2 = CliRunner.Run([.. args, "--out", b]);
        Assert.True(r1.ExitCode == 0, r1.ToString());
        Assert.True(r2.ExitCode == 0, r2.ToString());
        Assert.Equal(File.ReadAllBytes(Path.Combine(a, "draws.csv")), File.ReadAllBytes(Path.Combine(b, "draws.csv")));
        var priors = JsonDocument.Parse(File.ReadAllText(Path.Combine(a, "run.json"))).RootElement.GetProperty("priors");
        Assert.Equal("half_t_sd", priors.GetProperty("residual").GetProperty("dist").GetString());
        Assert.Equal("half_t_sd", priors.GetProperty("group:school").GetProperty("dist").GetString());
        Assert.True(priors.GetProperty("fixed:meanses").GetProperty("variance").GetDouble() > 0);

        // The written-out priors, passed back as a priors file, reproduce the run exactly.
        string priorsFile = Path.Combine(a, "priors.json");
        File.WriteAllText(priorsFile, priors.GetRawText());
        string c = folder.PathOf("c");
        var r3 = CliRunner.Run([.. args, "--priors", priorsFile, "--out", c]);
        Assert.True(r3.ExitCode == 0, r3.ToString());
        Assert.Equal(File.ReadAllBytes(Path.Combine(a, "draws.csv")), File.ReadAllBytes(Path.Combine(c, "draws.csv")));
    }

    [Theory]
    [InlineData("{\"group:schol\":{\"dist\":\"half_t_sd\",\"df\":3,\"scale\":1}}", "grouping factors are 'school'")]
    [InlineData("{\"residual\":{\"dist\":\"inv_wishart\",\"df\":2,\"scale\":[[1]]}}", "unknown or misplaced prior 'inv_wishart'")]
    public void Sample_BadPriors_Exit2WithTheReason(string json, string fragment)
    {
        using var folder = new TestFolder();
        string dir = folder.Path;
        string file = folder.Write("priors.json", json);
        var r = CliRunner.Run("sample", "--data", "models/data/hsb.csv", "--formula", "mathach ~ 1 + (1 | school)", "--priors", file, "--out", Path.Combine(dir, "run"));
        Assert.True(r.ExitCode == 2, r.ToString());
        Assert.Contains(fragment, r.StdErr);
    }

    [Fact]
    public void Sigterm_StopsTheRun_Exit130_FilesCompleteAndMarkedInterrupted()
    {
        using var folder = new TestFolder();
        string dir = folder.PathOf("run");
        var r = CliRunner.Run(["sample", "--data", "models/data/hsb.csv", "--formula", "mathach ~ 1 + (1 | school)", "--iter", "50000000", "--warmup", "200", "--out", dir],
            null, TimeSpan.FromSeconds(120), (process, stderr) =>
            {
                var clock = Stopwatch.StartNew();
                while (!stderr().Contains("sampling:") && clock.Elapsed < TimeSpan.FromSeconds(60)) Thread.Sleep(100);
                Thread.Sleep(3000);
                using var kill = Process.Start("kill", ["-TERM", process.Id.ToString()]);
                kill!.WaitForExit();
            });
        Assert.True(r.ExitCode == 130, r.ToString());
        Assert.Contains("Interrupted", r.StdErr);
        var run = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "run.json"))).RootElement;
        Assert.Equal("interrupted", run.GetProperty("status").GetString());
        var reached = run.GetProperty("iterations_reached").EnumerateArray().Select(e => e.GetInt32()).ToArray();
        Assert.All(reached, i => Assert.InRange(i, 204, 49_999_999));
        var draws = DrawsReader.Read([Path.Combine(dir, "draws.csv")]).Draws;
        Assert.Equal(run.GetProperty("draws_per_chain").GetInt32(), draws.Iterations);
        Assert.True(File.Exists(Path.Combine(dir, "summary.csv")));
        Assert.Empty(Directory.GetFiles(dir, "*.tmp"));
        // Kept to resume from: every chain's checkpoint and draws so far, named in run.json with their hashes.
        var files = run.GetProperty("files").EnumerateObject().Select(f => f.Name).ToList();
        foreach (var kept in Directory.GetFiles(dir, "checkpoint.chain*.bin").Concat(Directory.GetFiles(dir, "draws.chain*.csv.part")))
            Assert.Contains(Path.GetFileName(kept), files);
        Assert.Equal(8, files.Count(f => f.StartsWith("checkpoint.chain", StringComparison.Ordinal) || f.EndsWith(".csv.part", StringComparison.Ordinal)));
        Assert.False(File.Exists(Path.Combine(dir, "run.lock")));
    }
}

/// <summary>Initial values and YAML priors files, from the command line.</summary>
public class SampleCommandInputTests
{
    [Fact]
    public void InitFile_StartsTheChains_AndIsRecorded_AUnknownNameIsRefusedWithASuggestion()
    {
        using var folder = new TestFolder();
        string dir = folder.Path;
        string init = folder.Write("init.json", """{"sigma2": 40, "tau2[school:(Intercept)]": 8}""");
        string[] args = ["sample", "--data", "models/data/hsb.csv", "--formula", "mathach ~ 1 + (1 | school)", "--iter", "300", "--warmup", "100", "--quiet"];
        var ok = CliRunner.Run([.. args, "--init", init, "--out", Path.Combine(dir, "run")]);
        Assert.True(ok.ExitCode == 0, ok.ToString());
        var run = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "run", "run.json"))).RootElement;
        Assert.Equal(8, run.GetProperty("sampler").GetProperty("init").GetProperty("tau2[school:(Intercept)]").GetDouble());

        File.WriteAllText(init, """{"tau2[school:Intercept]": 8}""");
        var bad = CliRunner.Run([.. args, "--init", init, "--out", Path.Combine(dir, "bad")]);
        Assert.True(bad.ExitCode == 2, bad.ToString());
        Assert.Contains("Did you mean 'tau2[school:(Intercept)]'", bad.StdErr);
    }

    [Fact]
    public void YamlPriorsFile_IsReadLikeJson()
    {
        using var folder = new TestFolder();
        string dir = folder.Path;
        string priors = folder.Write("priors.yaml", """
            fixed: {dist: normal, mean: 0, variance: 100}
            residual: {dist: inv_gamma_variance, shape: 2, scale: 30}
            group:school: {dist: half_t_sd, df: 4, scale: 2.5}
            """);
        var r = CliRunner.Run("sample", "--data", "models/data/hsb.csv", "--formula", "mathach ~ 1 + (1 | school)", "--iter", "300", "--warmup", "100", "--quiet",
            "--priors", priors, "--out", Path.Combine(dir, "run"));
        Assert.True(r.ExitCode == 0, r.ToString());
        var written = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "run", "run.json"))).RootElement.GetProperty("priors");
        Assert.Equal(30, written.GetProperty("residual").GetProperty("rate").GetDouble()); // InvGamma(2, scale 30) = Gamma(2, rate 30) on the precision
        Assert.Equal(4, written.GetProperty("group:school").GetProperty("df").GetDouble());
        Assert.Equal(100, written.GetProperty("fixed").GetProperty("variance").GetDouble());
    }
}
