using System.Text.Json;
using BayesHlm.Data;
using BayesHlm.Diagnostics;
using BayesHlm.Estimation;
using BayesHlm.Model;
using BayesHlm.Statistics;

namespace BayesHlm.Reporting;

/// <summary>A finished run read back from its directory: the model and priors from run.json, the statistics and the
/// REML fit rebuilt from the data (deterministic, and fast), the draws from draws.csv.</summary>
public sealed record RunDirectory(string Directory, string? Name, string DataPath, ModelSpec Spec, PriorSpec Priors,
    SufficientStatistics Statistics, RemlFit Reml, DrawSet Draws, JsonElement RunJson)
{
    public static RunDirectory Load(string directory)
    {
        ArgumentNullException.ThrowIfNull(directory);
        string runJson = Path.Combine(directory, "run.json");
        if (!File.Exists(runJson))
            throw new ModelSpecificationException($"'{directory}' is not a run directory: no run.json there. Give the directory 'bayeshlm fit' or 'bayeshlm sample --out' wrote.");
        JsonElement root;
        try { root = JsonDocument.Parse(File.ReadAllText(runJson)).RootElement.Clone(); }
        catch (JsonException e) { throw new ModelSpecificationException($"'{runJson}' is not valid JSON ({e.Message}).", e); }
        string Get(params string[] path)
        {
            var e = root;
            foreach (var key in path)
                if (!e.TryGetProperty(key, out e)) throw new ModelSpecificationException($"'{runJson}' has no '{string.Join(".", path)}'.");
            return e.GetString() ?? throw new ModelSpecificationException($"'{runJson}': '{string.Join(".", path)}' is empty.");
        }
        var spec = ModelSpec.FromFormula(Get("model", "formula"));
        var model = root.GetProperty("model");
        if (model.TryGetProperty("known_sd", out var sd)) spec = spec.WithKnownResidual(sd.GetString()!, isStandardDeviation: true);
        if (model.TryGetProperty("known_variance", out var variance)) spec = spec.WithKnownResidual(variance.GetString()!, isStandardDeviation: false);
        string dataPath = Get("data", "path");
        if (!File.Exists(dataPath)) throw new ModelSpecificationException($"The run's data file '{dataPath}' (from run.json) is not there any more.");
        var priors = PriorSpec.FromJson(root.GetProperty("priors").GetRawText(), $"'{runJson}' priors");
        string draws = Path.Combine(directory, "draws.csv");
        if (!File.Exists(draws)) throw new ModelSpecificationException($"'{directory}' has no draws.csv: the run stopped before any draw was kept.");
        var stats = SufficientStatistics.Build(spec, DataTable.ReadCsv(dataPath));
        var method = EstimationMethod.Reml;
        string remlJson = Path.Combine(directory, "reml.json");
        if (File.Exists(remlJson) && JsonDocument.Parse(File.ReadAllText(remlJson)).RootElement.TryGetProperty("method", out var m) && m.GetString() == "ML")
            method = EstimationMethod.Ml;
        var reml = Estimation.Reml.Fit(stats, new RemlOptions { Method = method });
        string? name = root.TryGetProperty("name", out var n) && n.ValueKind == JsonValueKind.String ? n.GetString() : null;
        return new RunDirectory(directory, name, dataPath, spec, priors, stats, reml, DrawsReader.Read([draws]).Draws, root);
    }
}
