using System.Diagnostics;
using System.Text.Json;
using BayesHlm.Tests.Reporting;

namespace BayesHlm.Tests.Cli;

/// <summary><c>bayeshlm fit --resume DIR</c> as a user runs it: a run stopped by SIGTERM, or killed by SIGKILL after a
/// checkpoint, is continued to the run the same command gives uninterrupted.</summary>
public class ResumeCommandTests
{
    // Long enough to be stopped mid-run (a few seconds), thinned so the draws stay small.
    private static readonly string[] Fit = ["fit", "models/eight_schools.yaml", "--iter", "200000", "--thin", "100", "--checkpoint-every", "0.3", "--quiet"];

    /// <summary>Starts the run into <paramref name="dir"/> and sends <paramref name="signal"/> once every chain has saved a
    /// checkpoint (and a little later, so draws are written past it).</summary>
    private static CliResult Stopped(string dir, string signal) =>
        CliRunner.Run([.. Fit, "--out", dir], null, TimeSpan.FromSeconds(120), (process, stderr) =>
        {
            var clock = Stopwatch.StartNew();
            while ((!Directory.Exists(dir) || Directory.GetFiles(dir, "checkpoint.chain*.bin").Length < 4) && clock.Elapsed < TimeSpan.FromSeconds(60)) Thread.Sleep(20);
            Thread.Sleep(200);
            using var kill = Process.Start("kill", [signal, process.Id.ToString()]);
            kill!.WaitForExit();
        });

    [Fact]
    public void StoppedBySigterm_OrKilledAfterACheckpoint_ResumesToTheUninterruptedRun()
    {
        using var folder = new TestFolder();
        string whole = folder.PathOf("whole"), terminated = folder.PathOf("terminated"), killed = folder.PathOf("killed");
        var reference = CliRunner.Run([.. Fit, "--out", whole]);
        Assert.True(reference.ExitCode == 0, reference.ToString());

        var stopped = Stopped(terminated, "-TERM");
        Assert.True(stopped.ExitCode == 130, stopped.ToString());
        Assert.Contains($"Continue it with: bayeshlm fit --resume {terminated}", stopped.StdErr);
        var resumed = CliRunner.Run("fit", "--resume", terminated, "--quiet");
        Assert.True(resumed.ExitCode == 0, resumed.ToString());
        Assert.Contains($"Run written to {terminated}", resumed.StdOut);
        ResumeTests.AssertSameRun(whole, terminated);

        var dead = Stopped(killed, "-KILL");
        Assert.True(dead.ExitCode == 137, dead.ToString());
        Assert.Equal("running", JsonDocument.Parse(File.ReadAllText(Path.Combine(killed, "run.json"))).RootElement.GetProperty("status").GetString());
        Assert.True(File.Exists(Path.Combine(killed, "run.lock")));
        var again = CliRunner.Run("fit", "--resume", killed, "--quiet");
        Assert.True(again.ExitCode == 0, again.ToString());
        ResumeTests.AssertSameRun(whole, killed);
        Assert.Empty(Directory.GetFiles(killed, "checkpoint.*"));
        Assert.Empty(Directory.GetFiles(killed, "*.part"));
    }
}
