using System.CommandLine;
using BayesHlm.Data;
using BayesHlm.Estimation;
using BayesHlm.Model;
using BayesHlm.Reporting;

namespace BayesHlm.Cli;

/// <summary><c>bayeshlm anova</c>: likelihood-ratio tests of nested models, as lme4's <c>anova</c>.</summary>
internal static class AnovaCommand
{
    public static Command Create(TextWriter output)
    {
        var models = new Argument<string[]>("models") { Description = "Model files (YAML) to compare; alternative or addition to --formula.", Arity = ArgumentArity.ZeroOrMore };
        var data = new Option<string?>("--data") { Description = "The data file (CSV with a header row); replaces the model files' data:." };
        var formulas = new Option<string[]>("--formula") { Description = "A model to compare, as an lme4-style formula; give it once per model." };
        var reml = new Option<bool>("--reml") { Description = "Compare the REML fits (only for models with the same fixed effects) instead of refitting with ML." };
        var json = new Option<string?>("--json") { Description = "Write the table as JSON to this file, or '-' for standard output." };
        var naValues = new Option<string?>("--na-values") { Description = "Codes that mark a missing value besides empty, NA and '.', comma-separated." };
        var cmd = new Command("anova",
            "Likelihood-ratio tests of nested models, as lme4's anova: each model fitted by ML (REML fits are refitted,\n" +
            "as lme4 does), ordered by number of parameters, each tested against the one before; a variance tested at\n" +
            "its boundary 0 also against the χ² mixture.\n\n" +
            "Examples:\n  bayeshlm anova --data models/data/hsb.csv --formula \"mathach ~ 1 + (1 | school)\" --formula \"mathach ~ meanses + (1 | school)\"\n" +
            "  bayeshlm anova models/hsb_random_coef.yaml models/hsb_slopes_as_outcomes.yaml")
        { models, data, formulas, reml, json, naValues };
        cmd.SetAction(parse =>
        {
            var files = parse.GetValue(models) ?? [];
            CliApp.RejectUnknownOption(files, "anova");
            string? dataPath = parse.GetValue(data);
            var specs = new List<ModelSpec>();
            var dataPaths = new HashSet<string>();
            var missingCodes = new HashSet<string>(SampleCommand.Codes(parse.GetValue(naValues)));
            bool decimalComma = false;
            foreach (var file in files.Select(f => ModelFile.Load(f, dataPath)))
            {
                if (file.By is not null)
                    throw new ModelSpecificationException($"'{file.Path}' fits its model by '{file.By}' (by:), one fit per value: anova compares models fitted to all the rows. Give a model file without by:, or --formula.");
                specs.Add(file.Spec);
                dataPaths.Add(Path.GetFullPath(file.DataPath));
                // The files' own missing-value codes and decimal comma read their data, as 'bayeshlm reml FILE' would.
                if (parse.GetValue(naValues) is null) missingCodes.UnionWith(file.MissingValues);
                decimalComma |= file.DecimalComma;
            }
            specs.AddRange((parse.GetValue(formulas) ?? []).Select(ModelSpec.FromFormula));
            if (specs.Count < 2)
                throw new ModelSpecificationException("Give two or more models to compare: --formula \"...\" once per model (with --data FILE), or model files.");
            if (dataPath is null)
            {
                if (dataPaths.Count != 1)
                    throw new ModelSpecificationException(dataPaths.Count == 0
                        ? "Missing input: give --data FILE for the formulas."
                        : $"The model files read different data ({string.Join(", ", dataPaths)}): models are compared on one data set. Give --data FILE to fit them all to it.");
                dataPath = dataPaths.Single();
            }
            var table = DataTable.ReadCsv(dataPath, specs.SelectMany(s => s.LabelColumns).Distinct(), missingCodes, decimalComma);
            var comparison = LikelihoodRatioTest.Compare(specs, table, parse.GetValue(reml) ? EstimationMethod.Reml : EstimationMethod.Ml);
            string? jsonPath = parse.GetValue(json);
            if (jsonPath != "-") output.Write(AnovaWriters.ToText(comparison, dataPath));
            if (jsonPath is not null) CliApp.WriteJson(output, jsonPath, AnovaWriters.ToJson(comparison, dataPath));
            return CliApp.Ok;
        });
        return cmd;
    }
}
