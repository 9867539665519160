using System.Text.Json.Nodes;
using BayesHlm.Model;
using BayesHlm.Reporting;
using BayesHlm.Sampling;

namespace BayesHlm.Tests.Reporting;

/// <summary>
/// A run interrupted — cancelled in warm-up or while keeping draws, or killed after a checkpoint — and resumed ends
/// exactly as the uninterrupted run with the same seed: draws.csv and summary.csv byte for byte, run.json but for the
/// times; for a model of every kind of step (exact draws, random walks, adaptive proposals, the ancillary move, a
/// gamma hyperprior's rate, the linear hyperprior, known level-1 sds with the group effects saved).
/// </summary>
public class ResumeTests
{
    private static readonly SamplerOptions Short = new() { Chains = 3, Iterations = 700, Warmup = 300, Seed = 5 };

    public static TheoryData<string> Models() => ["hsb-intercept", "slopes-inv-wishart", "gamma-hyperprior", "eight-schools", "lkj-hierarchy"];

    private static RunRequest Request(string model) => model switch
    {
        "hsb-intercept" => new RunRequest(RepositoryPaths.Data("hsb.csv"), ModelSpec.FromFormula("mathach ~ ses + (1 | school)"), PriorSpec.Default,
            Short with { SaveGroupEffects = true }),
        "slopes-inv-wishart" => FromFile("hsb_slopes_as_outcomes"),
        "gamma-hyperprior" => new RunRequest(RepositoryPaths.Data("hsb.csv"), ModelSpec.FromFormula("mathach ~ ses + (1 | school)"),
            PriorSpec.FromJson("""{"group:school":{"dist":"gamma_precision","shape":2,"rate":{"dist":"gamma","shape":2,"rate":3}}}"""), Short),
        "eight-schools" => FromFile("eight_schools"),
        "lkj-hierarchy" => new RunRequest(RepositoryPaths.Data("hsb.csv"), ModelSpec.FromFormula("mathach ~ meanses + sector + ses + (1 + ses || school)"),
            PriorSpec.FromJson("""
                {"group:school":{"dist":"lkj_half_t","eta":2,"df":4,"scales":[3,1]},
                 "fixed_hierarchy":{"terms":["meanses","sector","ses"],"design":[[1],[1],[1]],"predictors":["mu"],"delta":{"dist":"normal","mean":0,"variance":100},"omega":{"dist":"gamma_precision","shape":1,"rate":1}}}
                """), Short),
        _ => throw new ArgumentException(model),
    };

    private static RunRequest FromFile(string name)
    {
        var file = ModelFile.Load(RepositoryPaths.Model(name));
        // The file's seed and draws to keep, shortened.
        return new RunRequest(file.DataPath, file.Spec, file.Priors, file.Sampler with { Chains = 3, Iterations = 700, Warmup = 300 }) { Name = file.Name, Levels = file.Levels };
    }

    /// <summary>Every chain saves its state after every iteration; the last chain to save its checkpoint of iteration
    /// <paramref name="stopAt"/> cancels the run, so it stops there and the others a little later, each where it is.
    /// <paramref name="onSaved"/> sees every checkpoint.</summary>
    private static void Interrupted(RunRequest request, string dir, int stopAt, Action<ChainCheckpoint>? onSaved = null)
    {
        using var cancel = new CancellationTokenSource();
        int chains = request.Options.Chains, arrived = 0;
        var last = new int[chains];
        var policy = new CheckpointPolicy(TimeSpan.Zero)
        {
            Saved = c =>
            {
                onSaved?.Invoke(c);
                last[c.Chain] = c.Iteration;
                if (c.Iteration == stopAt && Interlocked.Increment(ref arrived) == chains) cancel.Cancel();
            },
        };
        var result = BayesianRun.Execute(request, dir, policy, cancel: cancel.Token);
        Assert.True(result.Interrupted);
        Assert.Equal(stopAt, last.Min());
        Assert.Equal("interrupted", JsonNode.Parse(File.ReadAllText(Path.Combine(dir, "run.json")))!["status"]!.GetValue<string>());
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void InterruptedInWarmup_OrWhileKeepingDraws_ResumesToTheUninterruptedRun(string model)
    {
        using var folder = new TestFolder();
        var request = Request(model);
        string whole = folder.PathOf("whole");
        var uninterrupted = BayesianRun.Execute(request, whole);
        Assert.False(uninterrupted.Interrupted);

        foreach (int stopAt in new[] { 100, 450 })
        {
            string dir = folder.PathOf($"stopped-at-{stopAt}");
            // 100: in warm-up, while the proposals adapt; 450: while draws are kept.
            Interrupted(request, dir, stopAt);
            var resumed = BayesianRun.Resume(dir);
            Assert.False(resumed.Interrupted);
            AssertSameRun(whole, dir);
        }
    }

    [Fact]
    public void KilledAfterACheckpoint_WithDrawsWrittenPastIt_ResumesToTheUninterruptedRun()
    {
        using var folder = new TestFolder();
        var request = Request("slopes-inv-wishart");
        string whole = folder.PathOf("whole"), dir = folder.PathOf("killed"), saved = folder.PathOf("saved");
        BayesianRun.Execute(request, whole);

        // What a killed run leaves: run.json as written when sampling started, each chain's checkpoint from iteration
        // 420 (its own thread copies it there), and part files that go on past it, to 600 at least.
        Directory.CreateDirectory(saved);
        Interrupted(request, dir, stopAt: 600, onSaved: c =>
        {
            if (c.Chain == 0 && c.Iteration == 1) File.Copy(Path.Combine(dir, "run.json"), Path.Combine(saved, "run.json"));
            if (c.Iteration == 420) File.Copy(RunCheckpoints.PathOf(dir, c.Chain), Path.Combine(saved, Path.GetFileName(RunCheckpoints.PathOf(dir, c.Chain))));
        });
        foreach (var f in Directory.GetFiles(saved)) File.Copy(f, Path.Combine(dir, Path.GetFileName(f)), overwrite: true);
        File.Delete(Path.Combine(dir, "draws.csv"));
        File.Delete(Path.Combine(dir, "summary.csv"));
        Assert.True(RunManifest.Read(Path.Combine(dir, "run.json")).Running);
        Assert.True(new FileInfo(Path.Combine(dir, "draws.chain1.csv.part")).Length > 0);

        var resumed = BayesianRun.Resume(dir);
        Assert.False(resumed.Interrupted);
        AssertSameRun(whole, dir);
    }

    [Fact]
    public void InterruptedTwice_ResumesToTheUninterruptedRun_AndDropsItsCheckpointsAtTheEnd()
    {
        using var folder = new TestFolder();
        var request = Request("hsb-intercept");
        string whole = folder.PathOf("whole"), dir = folder.PathOf("twice");
        BayesianRun.Execute(request, whole);
        Interrupted(request, dir, stopAt: 400);
        Assert.NotEmpty(Directory.GetFiles(dir, "checkpoint.chain*.bin"));
        // Files run.json names (checkpoints and parts too) are those on disk.
        FinishedRun.Load(dir);

        using (var cancel = new CancellationTokenSource())
        {
            var policy = new CheckpointPolicy(TimeSpan.Zero) { Saved = c => { if (c.Chain == 0 && c.Iteration == 550) cancel.Cancel(); } };
            Assert.True(BayesianRun.Resume(dir, policy, cancel: cancel.Token).Interrupted);
        }
        Assert.False(BayesianRun.Resume(dir).Interrupted);
        AssertSameRun(whole, dir);
        Assert.Empty(Directory.GetFiles(dir, "checkpoint.chain*.bin"));
        Assert.Empty(Directory.GetFiles(dir, "*.part"));
        Assert.False(File.Exists(Path.Combine(dir, "run.lock")));
    }

    [Fact]
    public void ResumeIsRefused_ForACompleteRun_ALockedOne_OneWithoutCheckpoints_ChangedData_AndAnotherRunsCheckpoint()
    {
        using var folder = new TestFolder();
        string data = folder.Write("hsb.csv", File.ReadAllText(RepositoryPaths.Data("hsb.csv")));
        var request = Request("hsb-intercept") with { DataPath = data };
        string complete = folder.PathOf("complete"), stopped = folder.PathOf("stopped"), other = folder.PathOf("other");
        BayesianRun.Execute(request, complete);
        Assert.Contains("is complete: there is nothing to resume", Assert.Throws<ModelSpecificationException>(() => BayesianRun.Resume(complete)).Message);
        Assert.Contains("no run.json there", Assert.Throws<ModelSpecificationException>(() => BayesianRun.Resume(folder.PathOf("nothing"))).Message);

        Interrupted(request, stopped, stopAt: 400);
        Interrupted(request with { Options = request.Options with { Seed = 6 } }, other, stopAt: 400);
        string runJson = File.ReadAllText(Path.Combine(stopped, "run.json"));

        // Another bayeshlm (this process here) holds the lock.
        File.WriteAllText(Path.Combine(stopped, "run.lock"), Environment.ProcessId.ToString());
        Assert.Contains("being written by another bayeshlm", Assert.Throws<ModelSpecificationException>(() => BayesianRun.Resume(stopped)).Message);
        File.Delete(Path.Combine(stopped, "run.lock"));

        // Another run's checkpoint: refused by run.json's hashes, and — after a kill, when run.json names none — by the run's key.
        string mine = RunCheckpoints.PathOf(stopped, 1), kept = folder.PathOf("mine.bin");
        File.Copy(mine, kept);
        File.Copy(RunCheckpoints.PathOf(other, 1), mine, overwrite: true);
        Assert.Contains("the directory mixes runs", Assert.Throws<ModelSpecificationException>(() => BayesianRun.Resume(stopped)).Message);
        var killed = RunManifest.Read(Path.Combine(stopped, "run.json")) with { Complete = false, Running = true, Files = [] };
        File.WriteAllText(Path.Combine(stopped, "run.json"), killed.ToJson());
        Assert.Contains("is another run's checkpoint", Assert.Throws<ModelSpecificationException>(() => BayesianRun.Resume(stopped)).Message);
        File.Copy(kept, mine, overwrite: true);
        File.WriteAllText(Path.Combine(stopped, "run.json"), runJson);

        // A damaged part file: what the checkpoint counted is not there (checked, too, before anything is changed).
        string part = Path.Combine(stopped, "draws.chain2.csv.part");
        byte[] bytes = File.ReadAllBytes(part);
        var damaged = JsonNode.Parse(runJson)!;
        File.WriteAllBytes(part, bytes[..(bytes.Length / 2)]);
        damaged["files"]!["draws.chain2.csv.part"] = RunManifest.Sha256Of(part);
        File.WriteAllText(Path.Combine(stopped, "run.json"), damaged.ToJsonString());
        Assert.Contains("shorter than its checkpoint says", Assert.Throws<ModelSpecificationException>(() => BayesianRun.Resume(stopped)).Message);
        File.WriteAllBytes(part, bytes);
        File.WriteAllText(Path.Combine(stopped, "run.json"), runJson);

        var checkpoints = Directory.GetFiles(stopped, "checkpoint.chain*.bin").ToDictionary(f => f, File.ReadAllBytes);
        foreach (var f in checkpoints.Keys) File.Delete(f);
        var json = JsonNode.Parse(runJson)!;
        foreach (var f in checkpoints.Keys) json["files"]!.AsObject().Remove(Path.GetFileName(f));
        File.WriteAllText(Path.Combine(stopped, "run.json"), json.ToJsonString());
        Assert.Contains("has no checkpoint", Assert.Throws<ModelSpecificationException>(() => BayesianRun.Resume(stopped)).Message);
        foreach (var (f, b) in checkpoints) File.WriteAllBytes(f, b);
        File.WriteAllText(Path.Combine(stopped, "run.json"), runJson);

        File.AppendAllText(data, "1224,0,-1,0,0,0,0,0.5,0,0\n");
        Assert.Contains("has changed since the run", Assert.Throws<ModelSpecificationException>(() => BayesianRun.Resume(stopped)).Message);
        // Each refusal left the run as it was: with the data restored, it resumes.
        File.WriteAllText(data, File.ReadAllText(RepositoryPaths.Data("hsb.csv")));
        Assert.False(BayesianRun.Resume(stopped).Interrupted);
        Assert.Equal(File.ReadAllBytes(Path.Combine(complete, "draws.csv")), File.ReadAllBytes(Path.Combine(stopped, "draws.csv")));
    }

    /// <summary>draws.csv and summary.csv byte for byte; run.json but for the times (and reml.json's hash: it holds the
    /// fit's time) — its command the one that started the run, which differs from the uninterrupted run's in --out alone.</summary>
    internal static void AssertSameRun(string expected, string actual)
    {
        Assert.True(File.ReadAllBytes(Path.Combine(expected, "draws.csv")).AsSpan().SequenceEqual(File.ReadAllBytes(Path.Combine(actual, "draws.csv"))), "draws.csv differs");
        Assert.Equal(File.ReadAllText(Path.Combine(expected, "summary.csv")), File.ReadAllText(Path.Combine(actual, "summary.csv")));
        var (a, b) = (WithoutTimes(expected), WithoutTimes(actual));
        Assert.Equal(a["command"]?.GetValue<string>().Replace(expected, actual), b["command"]?.GetValue<string>());
        a.Remove("command");
        b.Remove("command");
        Assert.Equal(a.ToJsonString(), b.ToJsonString());
    }

    private static JsonObject WithoutTimes(string dir)
    {
        var json = JsonNode.Parse(File.ReadAllText(Path.Combine(dir, "run.json")))!.AsObject();
        json.Remove("timings");
        json["files"]!.AsObject().Remove("reml.json");
        return json;
    }
}
