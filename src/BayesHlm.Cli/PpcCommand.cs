using System.CommandLine;
using BayesHlm.ModelChecks;
using BayesHlm.Reporting;

namespace BayesHlm.Cli;

/// <summary><c>bayeshlm ppc DIR</c>: posterior predictive checks of a finished run; writes DIR/ppc.json and its plots.</summary>
internal static class PpcCommand
{
    public static Command Create(TextWriter output)
    {
        var dir = new Argument<string>("run") { Description = "A run directory written by 'bayeshlm fit' or 'bayeshlm sample --out'." };
        var newGroups = new Option<bool>("--new-groups") { Description = "Replicate the data in new groups (every group effect drawn afresh) instead of new observations in the same groups." };
        var seed = new Option<ulong>("--seed") { Description = "Seed of the replicated data (default 1); the same seed gives the same check.", DefaultValueFactory = _ => 1 };
        var format = new Option<string>("--format") { Description = "Plots as png (default) or svg.", DefaultValueFactory = _ => "png" };
        format.AcceptOnlyFromAmong("png", "svg");
        var cmd = new Command("ppc",
            "Posterior predictive checks: one replicated data set per draw, test statistics of y (mean, sd, min, max, skewness, the spread of group means, the ICC) against the data's, with Bayesian p-values, and each group's mean.\n" +
            "Writes ppc.json and plots/ppc_*.png into the run directory.\n\n" +
            "Examples:\n  bayeshlm ppc runs/hsb_slopes_as_outcomes\n  bayeshlm ppc runs/hsb_slopes_as_outcomes --new-groups")
        { dir, newGroups, seed, format };
        cmd.SetAction(parse =>
        {
            string path = parse.GetValue(dir)!;
            CliApp.RejectUnknownOption([path], "ppc");
            var run = FinishedRun.Load(path);
            // A prior-only run's group effects come from their prior: every data set is one of new groups.
            bool prior = run.Manifest.Sampler.PriorOnly;
            var check = PosteriorPredictiveCheck.Run(ModelCheckInputs.Rows(run, parse.GetValue(seed)), prior || parse.GetValue(newGroups), parse.GetValue(seed)) with { Prior = prior };
            output.Write(PredictiveCheckWriters.ToText(check));
            string json = Path.Combine(path, !prior && parse.GetValue(newGroups) ? "ppc_new_groups.json" : "ppc.json");
            AtomicFile.WriteText(json, PredictiveCheckWriters.ToJson(check) + "\n");
            var files = Plots.WriteChecks(check, Path.Combine(path, "plots"), parse.GetValue(format) == "svg" ? PlotFormat.Svg : PlotFormat.Png);
            output.WriteLine($"\nWritten to {path}: {Path.GetFileName(json)}, and in plots/:");
            foreach (string file in files) output.WriteLine($"  {Path.GetFileName(file)}");
            return CliApp.Ok;
        });
        return cmd;
    }
}
