using System.CommandLine;
using System.Text.Json;
using BayesHlm.Data;
using BayesHlm.Estimation;
using BayesHlm.Model;
using BayesHlm.Reporting;

namespace BayesHlm.Cli;

/// <summary><c>bayeshlm reml</c>: the EB/ML fit (REML or ML), its tables, and optionally JSON.</summary>
internal static class RemlCommand
{
    public static Command Create(TextWriter output)
    {
        var model = new Argument<string?>("model") { Description = "A model file (YAML); alternative to --data and --formula.", Arity = ArgumentArity.ZeroOrOne };
        var data = new Option<string?>("--data") { Description = "The data file (CSV with a header row; comma, semicolon or tab separated)." };
        var formula = new Option<string?>("--formula") { Description = "lme4-style formula, e.g. \"y ~ x + (1 + x | g)\"." };
        var method = new Option<string?>("--method") { Description = "reml (default) or ml." };
        method.AcceptOnlyFromAmong("reml", "ml");
        var algorithm = new Option<string>("--algorithm") { Description = "auto (Newton, EM as fallback), em (as the HLM software), or newton.", DefaultValueFactory = _ => "auto" };
        algorithm.AcceptOnlyFromAmong("auto", "em", "newton");
        var df = new Option<string>("--df") { Description = "Fixed-effect df: bw (SAS between-within, default) or satterthwaite.", DefaultValueFactory = _ => "bw" };
        df.AcceptOnlyFromAmong("bw", "satterthwaite");
        var by = new Option<string?>("--by") { Description = "Fit the model separately for each value of this column (SAS BY)." };
        var json = new Option<string?>("--json") { Description = "Write the fit as JSON to this file, or '-' for standard output." };
        var groups = new Option<bool>("--groups") { Description = "Also print every group's EB and OLS estimates and reliabilities." };

        var cmd = new Command("reml",
            "Fit a hierarchical linear model by REML or ML (EB estimates, SAS-style tables).\n\n" +
            "Examples:\n  bayeshlm reml models/hsb_slopes_as_outcomes.yaml\n" +
            "  bayeshlm reml --data data/hsb.csv --formula \"mathach ~ meanses + (1 | school)\" --method ml --json fit.json")
        { model, data, formula, method, algorithm, df, by, json, groups };

        cmd.SetAction(parse =>
        {
            string? modelPath = parse.GetValue(model);
            string? dataPath = parse.GetValue(data);
            string? formulaText = parse.GetValue(formula);
            string? methodText = parse.GetValue(method);
            string? byColumn = parse.GetValue(by);
            string? id = null;
            ModelSpec spec;
            if (modelPath is not null && modelPath.StartsWith('-'))
                throw new ModelSpecificationException($"Unrecognized option '{modelPath}'. Run 'bayeshlm reml --help' for the options.");
            if (modelPath is not null)
            {
                if (dataPath is not null || formulaText is not null)
                    throw new ModelSpecificationException("Give either a model file or --data and --formula, not both.");
                var file = ModelFile.Load(modelPath);
                spec = file.Spec;
                dataPath = file.DataPath;
                methodText ??= file.Method;
                byColumn ??= file.By;
                id = file.Name;
            }
            else
            {
                if (dataPath is null || formulaText is null)
                    throw new ModelSpecificationException("Missing input: give a model file (bayeshlm reml MODEL.yaml) or both --data FILE and --formula \"...\".");
                spec = ModelSpec.FromFormula(formulaText);
            }
            var options = new RemlOptions
            {
                Method = methodText == "ml" ? EstimationMethod.Ml : EstimationMethod.Reml,
                Algorithm = parse.GetValue(algorithm) switch { "em" => EstimationAlgorithm.Em, "newton" => EstimationAlgorithm.Newton, _ => EstimationAlgorithm.Auto },
                DegreesOfFreedom = parse.GetValue(df) == "satterthwaite" ? DegreesOfFreedomMethod.Satterthwaite : DegreesOfFreedomMethod.BetweenWithin,
            };
            var table = DataTable.ReadCsv(dataPath);
            var fits = byColumn is null
                ? [(Value: (string?)null, Fit: Reml.Fit(spec, table, options))]
                : Reml.FitBy(spec, table, byColumn, options).Select(f => (Value: (string?)f.Value, f.Fit)).ToList();

            string? jsonPath = parse.GetValue(json);
            bool jsonToStdout = jsonPath == "-";
            if (!jsonToStdout)
            {
                foreach (var (value, fit) in fits)
                {
                    if (value is not null) output.WriteLine($"\n=== {byColumn} = {value} ===");
                    output.Write(RemlTextReport.Render(fit, dataPath, parse.GetValue(groups)));
                }
            }
            if (jsonPath is not null)
            {
                string text = byColumn is null ? RemlJsonWriter.ToJson(fits[0].Fit, id, dataPath) : ByJson(fits, byColumn, id, dataPath);
                if (jsonToStdout) output.WriteLine(text);
                else
                {
                    AtomicFile.WriteText(jsonPath, text + "\n");
                    output.WriteLine($"\nJSON written to {jsonPath}");
                }
            }
            return CliApp.Ok;
        });
        return cmd;
    }

    private static string ByJson(List<(string? Value, RemlFit Fit)> fits, string byColumn, string? id, string dataPath)
    {
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            w.WriteString("by", byColumn);
            w.WriteStartArray("fits");
            foreach (var (value, fit) in fits)
            {
                // Each element is the single-fit object with the BY value beside it.
                using var one = JsonDocument.Parse(RemlJsonWriter.ToJson(fit, id, dataPath));
                w.WriteStartObject();
                w.WriteString("value", value);
                foreach (var p in one.RootElement.EnumerateObject()) p.WriteTo(w);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        }
        return System.Text.Encoding.UTF8.GetString(ms.ToArray());
    }
}
