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
        var probs = new Option<string?>("--probs") { Description = "Quantiles to report, comma-separated probabilities (default 0.05,0.25,0.5,0.75,0.95; 5% and 95% are always included)." };
        var level = new Option<double>("--level") { Description = "Coverage of the central and highest-density intervals (default 0.9).", DefaultValueFactory = _ => 0.9 };
        var cmd = new Command("diagnose",
            "Posterior summaries and convergence diagnostics (R̂, bulk- and tail-ESS, MCSE) of draws from any sampler.\n\n" +
            "Examples:\n  bayeshlm diagnose runs/hsb/draws.csv --csv summary.csv\n  bayeshlm diagnose output_1.csv output_2.csv output_3.csv output_4.csv --strict")
        { files, csv, json, vars, strict, probs, level };
        cmd.SetAction(parse =>
        {
            var paths = parse.GetValue(files)!;
            CliApp.RejectUnknownOption(paths, "diagnose");
            var read = DrawsReader.Read(paths);
            var draws = read.Draws;
            if (parse.GetValue(vars) is { } list)
                draws = draws.Select(list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
            double lvl = parse.GetValue(level);
            if (!(lvl > 0 && lvl < 1)) throw new BayesHlm.ModelSpecificationException($"--level must be between 0 and 1 (e.g. 0.9), not {lvl}.");
            var options = new SummaryOptions { IntervalLevel = lvl };
            if (parse.GetValue(probs) is { } p)
            {
                var probabilities = new List<double>();
                foreach (var token in p.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                {
                    if (!double.TryParse(token, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out double v) || !(v >= 0 && v <= 1))
                        throw new BayesHlm.ModelSpecificationException($"--probs: '{token}' is not a probability between 0 and 1.");
                    probabilities.Add(v);
                }
                options = options with { Probabilities = probabilities };
            }
            var table = PosteriorSummary.Summarise(draws, options);
            string? jsonPath = parse.GetValue(json);
            foreach (var (option, target) in new[] { ("--csv", parse.GetValue(csv)), ("--json", jsonPath) })
                if (target is not null && target != "-" && Directory.Exists(target))
                    throw new BayesHlm.ModelSpecificationException($"{option} '{target}' is a folder: give the name of the file to write, e.g. {option} {Path.Combine(target, option == "--csv" ? "summary.csv" : "summary.json")}.");
            if (jsonPath == "-") output.WriteLine(SummaryWriters.ToJson(table, read.DivergentTransitions));
            else
            {
                output.Write(SummaryWriters.ToText(table, read.DivergentTransitions, parse.GetValue(probs) is null ? null : options.Probabilities));
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
