using BayesHlm.Model;
using BayesHlm.Reporting;
using BayesHlm.Sampling;
using BayesHlm.Tests.Cli;

namespace BayesHlm.Tests.Reporting;

/// <summary>A run directory holds one run: never mixed with another run or written over data; locked while a run
/// writes it; replaced only when asked; left as it was by a failed run; and read back only while its files and data
/// are those the run wrote.</summary>
public class RunFolderTests
{
    private static readonly ModelSpec Anova = ModelSpec.FromFormula("mathach ~ 1 + (1 | school)");

    private static RunRequest Request(SamplerOptions? options = null, bool replace = false, PriorSpec? priors = null) =>
        new(RepositoryPaths.Data("hsb.csv"), Anova, priors ?? PriorSpec.Default, options ?? new SamplerOptions { Chains = 2, Iterations = 200, Warmup = 100, Seed = 2 })
        { Replace = replace };

    [Fact]
    public void AnEarlierRun_IsRefused_UnlessReplaced_AndThenNothingOfItRemains()
    {
        using var folder = new TestFolder();
        string dir = folder.PathOf("run");
        BayesianRun.Execute(Request(), dir);
        File.WriteAllText(Path.Combine(dir, "report.html"), "old report");
        Directory.CreateDirectory(Path.Combine(dir, "plots"));
        File.WriteAllText(Path.Combine(dir, "plots", "trace.png"), "old plot");

        var e = Assert.Throws<ModelSpecificationException>(() => BayesianRun.Execute(Request(), dir));
        Assert.Contains("--force", e.Message);
        Assert.True(File.Exists(Path.Combine(dir, "report.html")));

        var again = BayesianRun.Execute(Request(new SamplerOptions { Chains = 2, Iterations = 200, Warmup = 100, Seed = 3 }, replace: true), dir);
        Assert.False(again.Interrupted);
        Assert.False(File.Exists(Path.Combine(dir, "report.html")));
        Assert.False(Directory.Exists(Path.Combine(dir, "plots")));
        Assert.False(File.Exists(Path.Combine(dir, "run.lock")));
        Assert.Equal(3UL, FinishedRun.Load(dir).Manifest.Sampler.Seed);
    }

    [Fact]
    public void AFolderWithOtherFiles_IsNeverWrittenInto_EvenWithForce()
    {
        using var folder = new TestFolder();
        string dataDir = folder.PathOf("data");
        Directory.CreateDirectory(dataDir);
        string data = Path.Combine(dataDir, "hsb.csv");
        File.Copy(RepositoryPaths.Data("hsb.csv"), data);
        var request = Request(replace: true) with { DataPath = data };
        var e = Assert.Throws<ModelSpecificationException>(() => BayesianRun.Execute(request, dataDir));
        Assert.Contains("not a run's ('hsb.csv')", e.Message);
        Assert.Equal(File.ReadAllText(RepositoryPaths.Data("hsb.csv")), File.ReadAllText(data));
        Assert.Single(Directory.GetFiles(dataDir));
    }

    [Fact]
    public void ASecondWriter_IsStoppedWhileTheFirstHoldsTheLock()
    {
        using var folder = new TestFolder();
        string dir = folder.PathOf("run");
        using var cancel = new CancellationTokenSource();
        var first = Task.Run(() => BayesianRun.Execute(Request(new SamplerOptions { Chains = 2, Iterations = 2_000_000, Warmup = 1000, Seed = 2 }), dir, cancel: cancel.Token));
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (!File.Exists(Path.Combine(dir, "run.lock")) && waited.Elapsed < TimeSpan.FromSeconds(60)) Thread.Sleep(20);
        var e = Assert.Throws<ModelSpecificationException>(() => BayesianRun.Execute(Request(replace: true), dir));
        Assert.Contains("being written by another bayeshlm", e.Message);
        cancel.Cancel();
        var result = first.GetAwaiter().GetResult();
        Assert.True(result.Interrupted);
        // Interrupted in sampling: the priors as used are still written in full.
        Assert.NotEmpty(RunManifest.Read(Path.Combine(dir, "run.json")).Priors.Groups);
        Assert.False(File.Exists(Path.Combine(dir, "run.lock")));
    }

    [Fact]
    public void AFailedRun_LeavesNoFolderBehind()
    {
        using var folder = new TestFolder();
        string dir = folder.PathOf("run");
        // The initial values are checked when sampling starts, after the folder is made: it must go again.
        var options = new SamplerOptions { Chains = 2, Iterations = 200, Warmup = 100, Initial = new Dictionary<string, double> { ["tau2[schol:(Intercept)]"] = 1 } };
        Assert.Throws<ModelSpecificationException>(() => BayesianRun.Execute(Request(options), dir));
        Assert.False(Directory.Exists(dir));
        // A prior that does not fit fails before anything is made.
        Assert.Throws<ModelSpecificationException>(() => BayesianRun.Execute(Request(priors: PriorSpec.FromJson("""{"group:school":{"dist":"independent_gamma_precision","shape":1,"rate":1},"residual":{"dist":"uniform_sd","upper":-1}}""")), dir));
        Assert.False(Directory.Exists(dir));
    }

    [Fact]
    public void ARunIsReadBackOnlyWithItsOwnFilesAndData()
    {
        using var folder = new TestFolder();
        string data = folder.Write("hsb.csv", File.ReadAllText(RepositoryPaths.Data("hsb.csv")));
        string dir = folder.PathOf("run"), other = folder.PathOf("other");
        BayesianRun.Execute(Request() with { DataPath = data }, dir);
        BayesianRun.Execute(Request(new SamplerOptions { Chains = 2, Iterations = 200, Warmup = 100, Seed = 9 }) with { DataPath = data }, other);
        FinishedRun.Load(dir);

        File.Copy(Path.Combine(other, "draws.csv"), Path.Combine(dir, "draws.csv"), overwrite: true);
        var mixed = Assert.Throws<ModelSpecificationException>(() => FinishedRun.Load(dir));
        Assert.Contains("mixes runs", mixed.Message);

        File.AppendAllText(data, "1224,0,-1,0,0,0,0,0.5,0,0\n");
        var changed = Assert.Throws<ModelSpecificationException>(() => FinishedRun.Load(other));
        Assert.Contains("has changed since the run", changed.Message);
    }

    [Fact]
    public void TheCli_RefusesAnEarlierRun_AndReplacesItWithForce()
    {
        using var folder = new TestFolder();
        string dir = folder.PathOf("run");
        string[] args = ["sample", "--data", RepositoryPaths.Data("hsb.csv"), "--formula", "mathach ~ 1 + (1 | school)", "--iter", "200", "--warmup", "100", "--quiet", "--out", dir];
        Assert.Equal(0, CliRunner.Run(args).ExitCode);
        var refused = CliRunner.Run(args);
        Assert.Equal(2, refused.ExitCode);
        Assert.Contains("--force", refused.StdErr);
        Assert.Equal(0, CliRunner.Run([.. args, "--force"]).ExitCode);
        Assert.Equal(2, CliRunner.Run("sample", "--data", RepositoryPaths.Data("hsb.csv"), "--formula", "mathach ~ 1 + (1 | school)", "--quiet", "--out", "").ExitCode);
    }
}
