using System.CommandLine;
using BayesHlm.Comparison;
using BayesHlm.Reporting;

namespace BayesHlm.Cli;

/// <summary><c>bayeshlm plot DIR</c>: the run's trace, density, rank, autocorrelation, pairs, caterpillar, shrinkage and
/// group-histogram plots into DIR/plots.</summary>
internal static class PlotCommand
{
    public static Command Create(TextWriter output)
    {
        var dir = new Argument<string>("run") { Description = "A run directory written by 'bayeshlm fit' or 'bayeshlm sample --out'." };
        var format = new Option<string>("--format") { Description = "png (default) or svg.", DefaultValueFactory = _ => "png" };
        format.AcceptOnlyFromAmong("png", "svg");
        var cmd = new Command("plot",
            "Trace, density (with the REML estimate), rank, autocorrelation, pairs, caterpillar, shrinkage and group histograms of a run, into DIR/plots.\n\n" +
            "Example:\n  bayeshlm plot runs/hsb_slopes_as_outcomes --format svg")
        { dir, format };
        cmd.SetAction(parse =>
        {
            string path = parse.GetValue(dir)!;
            CliApp.RejectUnknownOption([path], "plot");
            var run = FinishedRun.Load(path);
            var table = Compare.Posterior(run);
            var files = Plots.WriteAll(run.Draws, table, Path.Combine(path, "plots"), parse.GetValue(format) == "svg" ? PlotFormat.Svg : PlotFormat.Png);
            foreach (var f in files) output.WriteLine(f);
            output.WriteLine($"{files.Count} plots written to {Path.Combine(path, "plots")}.");
            return CliApp.Ok;
        });
        return cmd;
    }
}
