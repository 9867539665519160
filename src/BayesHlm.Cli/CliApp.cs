using System.CommandLine;

namespace BayesHlm.Cli;

/// <summary>The <c>bayeshlm</c> command: parses arguments, calls the library, maps errors to exit codes
/// (0 success, 1 a warning the user asked to treat as an error, 2 bad input, 3 internal error, 130 interrupted).</summary>
internal static class CliApp
{
    public const int Ok = 0, BadInput = 2, InternalError = 3;

    /// <summary>System.CommandLine hands an unknown option to a positional argument; name it instead.</summary>
    public static void RejectUnknownOption(IEnumerable<string> positional, string command)
    {
        if (positional.FirstOrDefault(a => a.StartsWith('-')) is { } unknown)
            throw new ModelSpecificationException($"Unrecognized option '{unknown}'. Run 'bayeshlm {command} --help' for the options.");
    }

    /// <summary>A JSON document to standard output (<paramref name="path"/> "-") or, atomically, to a file, said so.</summary>
    public static void WriteJson(TextWriter output, string path, string json)
    {
        if (path == "-") output.WriteLine(json);
        else
        {
            Reporting.AtomicFile.WriteText(path, json + "\n");
            output.WriteLine($"\nJSON written to {path}");
        }
    }

    /// <summary>System.CommandLine names the expected type as .NET spells it ("System.Nullable`1[System.UInt64]"): say it in words.</summary>
    private static string Readable(string message) => message
        .Replace("as expected type 'System.Nullable`1[System.UInt64]'", "as a whole number from 0 to 18446744073709551615")
        .Replace("as expected type 'System.Nullable`1[System.Int32]'", "as a whole number")
        .Replace("as expected type 'System.Int32'", "as a whole number")
        .Replace("as expected type 'System.UInt64'", "as a whole number from 0 to 18446744073709551615")
        .Replace("as expected type 'System.Nullable`1[System.Double]'", "as a number")
        .Replace("as expected type 'System.Double'", "as a number");

    public static int Run(string[] args, TextWriter output, TextWriter error)
    {
        var root = new RootCommand(
            "BayesHlm: Bayesian and EB/ML fits of hierarchical linear models.\n\n" +
            "Examples:\n  bayeshlm fit models/hsb_slopes_as_outcomes.yaml\n  bayeshlm reml models/hsb_slopes_as_outcomes.yaml\n" +
            "  bayeshlm reml --data models/data/hsb.csv --formula \"mathach ~ center(ses, school) + (1 + center(ses, school) | school)\"");
        var verbose = new Option<bool>("--verbose") { Description = "Show stack traces of internal errors.", Recursive = true };
        root.Options.Add(verbose);
        root.Options.Add(new Option<bool>("--no-color") { Description = "Plain text even on a terminal (also: the NO_COLOR environment variable).", Recursive = true });
        root.Subcommands.Add(RemlCommand.Create(output, error));
        root.Subcommands.Add(AnovaCommand.Create(output));
        root.Subcommands.Add(SampleCommand.CreateFit(output, error));
        root.Subcommands.Add(SampleCommand.CreateSample(output, error));
        root.Subcommands.Add(DiagnoseCommand.Create(output));
        root.Subcommands.Add(LooCommand.Create(output));
        root.Subcommands.Add(CompareCommand.Create(output));
        root.Subcommands.Add(PlotCommand.Create(output));
        root.Subcommands.Add(ReportCommand.Create(output));
        root.Subcommands.Add(PpcCommand.Create(output));
        root.Subcommands.Add(PredictCommand.Create(output));
        root.Subcommands.Add(StatsCommand.Create(output));
        root.Subcommands.Add(StatsCommand.CreateMerge(output));
        root.Subcommands.Add(StatsSqlCommand.Create(output));

        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            // An option the command does not have is named, with the nearest one it has (System.CommandLine names its value).
            var options = parse.CommandResult.Command.Options.Concat(root.Options).SelectMany(o => o.Aliases.Append(o.Name)).ToHashSet();
            if (args.FirstOrDefault(a => a.StartsWith("--", StringComparison.Ordinal) && !options.Contains(a.Split('=')[0])) is { } unknown)
            {
                string closest = BayesHlm.Data.Closest.Name(unknown.Split('=')[0], options.Where(o => o.StartsWith("--", StringComparison.Ordinal)));
                error.WriteLine($"error: unknown option '{unknown.Split('=')[0]}'.{(closest.Length > 0 ? $" Did you mean '{closest}'?" : "")}");
                error.WriteLine($"Run 'bayeshlm {parse.CommandResult.Command.Name} --help' for its options.");
                return BadInput;
            }
            foreach (var e in parse.Errors) error.WriteLine($"error: {Readable(e.Message)}");
            error.WriteLine("Run 'bayeshlm --help' (or 'bayeshlm <command> --help') for usage and examples.");
            return BadInput;
        }
        try
        {
            return parse.Invoke(new InvocationConfiguration { Output = output, Error = error, EnableDefaultExceptionHandler = false });
        }
        catch (UserInputException e)
        {
            error.WriteLine($"error: {e.Message}");
            return BadInput;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            error.WriteLine($"error: {e.Message}");
            return BadInput;
        }
        catch (Exception e)
        {
            error.WriteLine($"internal error: {e.Message}");
            error.WriteLine(parse.GetValue(verbose) ? e.ToString() : "(run with --verbose for details; please report this with the command you ran)");
            return InternalError;
        }
    }
}
