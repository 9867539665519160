using System.CommandLine;
using BayesHlm.Diagnostics.Loo;

namespace BayesHlm.Cli;

/// <summary><c>bayeshlm loo --loglik FILE.csv [--loglik FILE2.csv …] [--json FILE]</c>: PSIS-LOO and WAIC of pointwise
/// log-likelihoods as the R package loo 2.5.1 computes them; with several models, loo_compare's table.
/// Reading the inputs (<see cref="Inputs"/>) is kept apart from reporting them (<see cref="Report"/>) so that
/// other sources of log-likelihoods (run directories) need only add to the first.</summary>
internal static class LooCommand
{
    public static Command Create(TextWriter output)
    {
        var loglik = new Option<string[]>("--loglik")
        {
            Description = "A pointwise log-likelihood CSV (columns chain, iteration, then one per observation). Give it once per model to compare models.",
            Arity = ArgumentArity.OneOrMore,
            Required = true,
        };
        var json = new Option<string?>("--json") { Description = "Write the estimates, pointwise values and diagnostics as JSON to this file, or '-' for standard output (instead of the tables)." };
        var cmd = new Command("loo",
            "Leave-one-out cross-validation by Pareto smoothed importance sampling (PSIS-LOO) and WAIC, computed as the R package loo 2.5.1 does, " +
            "with the Pareto k diagnostic of each observation. Several --loglik files are compared as loo_compare does, best model first.\n\n" +
            "Examples:\n  bayeshlm loo --loglik loglik.csv\n  bayeshlm loo --loglik model1.csv --loglik model2.csv --json loo.json")
        { loglik, json };
        cmd.SetAction(parse =>
        {
            string? jsonPath = parse.GetValue(json);
            if (jsonPath is not null && Directory.Exists(jsonPath))
                throw new ModelSpecificationException($"--json '{jsonPath}' is a folder: give the name of the file to write, e.g. --json {Path.Combine(jsonPath, "loo.json")}.");
            return Report(Inputs(parse.GetValue(loglik) ?? []), output, jsonPath);
        });
        return cmd;
    }

    /// <summary>The named log-likelihood of each model: a file's name without its extension, or the path as given
    /// when two files share a name.</summary>
    internal static IReadOnlyList<(string Name, PointwiseLogLikelihood LogLikelihood)> Inputs(IReadOnlyList<string> loglikFiles)
    {
        if (loglikFiles.GroupBy(Path.GetFullPath).FirstOrDefault(g => g.Count() > 1) is { } twice)
            throw new ModelSpecificationException($"'{twice.First()}' is given twice: give each model's log-likelihood file once.");
        var stems = loglikFiles.Select(Path.GetFileNameWithoutExtension).ToList();
        return loglikFiles
            .Select((file, i) => (stems.Count(s => s == stems[i]) > 1 ? file : stems[i]!, PointwiseLogLikelihood.ReadCsv(file)))
            .ToList();
    }

    /// <summary>Each model's LOO and WAIC, then the comparison when there are several; JSON to <paramref name="jsonPath"/>
    /// if given ('-': standard output, instead of the tables).</summary>
    internal static int Report(IReadOnlyList<(string Name, PointwiseLogLikelihood LogLikelihood)> inputs, TextWriter output, string? jsonPath)
    {
        var models = inputs.Select(m => LooModel.Compute(m.Name, m.LogLikelihood)).ToList();
        LooComparison? comparison = models.Count > 1 ? LooComparison.Compare(models.Select(m => (m.Name, m.Loo)).ToList()) : null;
        string? json = jsonPath is null ? null : comparison is null ? LooJsonWriter.ToJson(models[0]) : LooJsonWriter.ToJson(models, comparison);
        if (jsonPath == "-")
        {
            output.WriteLine(json);
            return CliApp.Ok;
        }
        for (int i = 0; i < models.Count; i++)
        {
            if (i > 0) output.WriteLine();
            output.Write(LooTextReport.ToText(models[i]));
        }
        if (comparison is not null) output.Write("\n" + LooTextReport.ToText(comparison));
        if (jsonPath is not null)
        {
            LooJsonWriter.Write(jsonPath, json!);
            output.WriteLine($"\nJSON written to {jsonPath}");
        }
        return CliApp.Ok;
    }
}
