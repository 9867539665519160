using System.CommandLine;
using BayesHlm.Diagnostics;
using BayesHlm.Reporting;

namespace BayesHlm.Cli;

/// <summary><c>bayeshlm diagnose</c>: summaries and convergence diagnostics of draws from any sampler.</summary>
internal static class DiagnoseCommand
{
    public static Command Create(TextWriter output)
    {
        var files = new Argument<string[]>("draws") { Description = "Draws files: our draws.csv (chain, iteration, parameters) or CmdStan output CSV (one per chain).", Arity = ArgumentArity.OneOrMore };
        var csv = new Option<string?>("--csv") { Description = "Write summary.csv (columns as R's posterior names them) to this file." };
        var json = new Option<string?>("--json") { Description = "Write the summary as JSON to this file, or '-' for standard output." };
        var vars = new Option<string?>("--vars") { Description = "Only these parameters, comma-separated." };
        var strict = new Option<bool>("--strict") { Description = "Exit with code 1 when there is any warning." };
        var cmd = new Command("diagnose",
            "Posterior summaries and convergence diagnostics (R̂, bulk- and tail-ESS, MCSE) of draws from any sampler.\n\n" +
            "Examples:\n  bayeshlm diagnose runs/hsb/draws.csv --csv summary.csv\n  bayeshlm diagnose output_1.csv output_2.csv output_3.csv output_4.csv --strict")
        { files, csv, json, vars, strict };
        cmd.SetAction(parse =>
        {
            var read = DrawsReader.Read(parse.GetValue(files)!);
            var draws = read.Draws;
            if (parse.GetValue(vars) is { } list)
                draws = draws.Select(list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
            var table = PosteriorSummary.Summarise(draws);
            string? jsonPath = parse.GetValue(json);
            if (jsonPath == "-") output.WriteLine(SummaryWriters.ToJson(table, read.DivergentTransitions));
            else
            {
                output.Write(SummaryWriters.ToText(table, read.DivergentTransitions));
                if (jsonPath is not null) AtomicFile.WriteText(jsonPath, SummaryWriters.ToJson(table, read.DivergentTransitions) + "\n");
            }
            if (parse.GetValue(csv) is { } csvPath)
            {
                AtomicFile.WriteText(csvPath, SummaryWriters.ToCsv(table));
                if (jsonPath != "-") output.WriteLine($"\nsummary written to {csvPath}");
            }
            bool warned = table.Warnings.Count > 0 || read.DivergentTransitions > 0;
            return warned && parse.GetValue(strict) ? 1 : CliApp.Ok;
        });
        return cmd;
    }
}
