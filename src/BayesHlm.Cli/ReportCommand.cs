using System.CommandLine;
using BayesHlm.Comparison;
using BayesHlm.Diagnostics;
using BayesHlm.Reporting;

namespace BayesHlm.Cli;

/// <summary><c>bayeshlm report DIR</c>: one self-contained DIR/report.html (plots embedded; no network needed to view it).</summary>
internal static class ReportCommand
{
    public static Command Create(TextWriter output)
    {
        var dir = new Argument<string>("run") { Description = "A run directory written by 'bayeshlm fit' or 'bayeshlm sample --out'." };
        var cmd = new Command("report",
            "One self-contained HTML page for a run: warnings, model, data, priors, sampler and times, diagnostics, Bayes beside REML, plots, and how to reproduce it.\n\n" +
            "Example:\n  bayeshlm report runs/hsb_slopes_as_outcomes")
        { dir };
        cmd.SetAction(parse =>
        {
            string path = parse.GetValue(dir)!;
            CliApp.RejectUnknownOption([path], "report");
            var run = FinishedRun.Load(path);
            var table = Compare.Posterior(run);
            var plots = Plots.WriteAll(run.Draws, table, Path.Combine(path, "plots"));
            var html = HtmlReport.Render(run, table, PosteriorSummary.Summarise(run.Draws), plots, ModelCheckSections.For(run, path));
            string file = Path.Combine(path, "report.html");
            AtomicFile.WriteText(file, html);
            output.WriteLine($"Report written to {file} ({plots.Count} plots embedded).");
            return CliApp.Ok;
        });
        return cmd;
    }
}
