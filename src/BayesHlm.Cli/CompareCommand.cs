using System.CommandLine;
using BayesHlm.Comparison;
using BayesHlm.Reporting;

namespace BayesHlm.Cli;

/// <summary><c>bayeshlm compare DIR</c>: the posterior of a finished run beside the REML fit of the same model; writes DIR/compare.csv.</summary>
internal static class CompareCommand
{
    public static Command Create(TextWriter output)
    {
        var dir = new Argument<string>("run") { Description = "A run directory written by 'bayeshlm fit' or 'bayeshlm sample --out'." };
        var top = new Option<int>("--top") { Description = "How many of the most-shrunk group coefficients to list (default 10).", DefaultValueFactory = _ => 10 };
        var cmd = new Command("compare",
            "Bayes beside EB/ML for a finished run: estimates and intervals, where and why they differ, shrinkage and reliability per group.\n" +
            "Writes compare.csv into the run directory.\n\n" +
            "Example:\n  bayeshlm fit models/hsb_slopes_as_outcomes.yaml && bayeshlm compare runs/hsb_slopes_as_outcomes")
        { dir, top };
        cmd.SetAction(parse =>
        {
            string path = parse.GetValue(dir)!;
            CliApp.RejectUnknownOption([path], "compare");
            var run = FinishedRun.Load(path);
            var table = Compare.Posterior(run);
            AtomicFile.WriteText(Path.Combine(path, "compare.csv"), ComparisonWriters.ToCsv(table));
            output.Write(ComparisonWriters.ToText(table, parse.GetValue(top)));
            output.WriteLine($"\ncompare.csv written to {path}.");
            return CliApp.Ok;
        });
        return cmd;
    }
}
