namespace BayesHlm.Tests.Cli;

/// <summary>--probs sets the quantiles of the printed table too, not only of the CSV.</summary>
public class DiagnoseProbsTests
{
    [Fact]
    public void TheQuantilesAskedFor_AreThePrintedColumns()
    {
        string draws = RepositoryPaths.Reference("diagnostics", "draws.csv");
        var r = CliRunner.Run("diagnose", draws, "--probs", "0.025,0.5,0.975");
        Assert.True(r.ExitCode is 0 or 1, r.ToString());
        string header = r.StdOut.Split('\n').First(l => l.StartsWith("variable", StringComparison.Ordinal));
        Assert.Equal(["variable", "mean", "sd", "q2.5", "q50", "q97.5", "rhat", "ess_bulk", "ess_tail"], header.Split(' ', StringSplitOptions.RemoveEmptyEntries));
        var plain = CliRunner.Run("diagnose", draws);
        Assert.Contains(plain.StdOut.Split('\n'), l => l.StartsWith("variable", StringComparison.Ordinal) && l.Contains("q5") && l.Contains("q95"));
    }
}
