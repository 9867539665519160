using BayesHlm.Data;
using BayesHlm.Diagnostics;
using BayesHlm.Estimation;
using BayesHlm.Sampling;
using BayesHlm.Statistics;

namespace BayesHlm.Reporting;

/// <summary>
/// A finished (or interrupted) run read back from its directory, what compare, plot and report work from: the
/// manifest (run.json), the statistics and the EB/ML fit rebuilt from the data (deterministic, and fast), the priors
/// resolved once from the manifest, and the draws from draws.csv.
/// </summary>
public sealed record FinishedRun(string Directory, RunManifest Manifest, SufficientStatistics Statistics, RemlFit Reml, ResolvedPriors Priors, DrawSet Draws)
{
    /// <summary>Reads the run in <paramref name="directory"/>; a directory that is not a run, or whose data file is gone
    /// or changed, is a <see cref="ModelSpecificationException"/> saying what to do.</summary>
    public static FinishedRun Load(string directory)
    {
        ArgumentNullException.ThrowIfNull(directory);
        string runJson = Path.Combine(directory, "run.json");
        if (!File.Exists(runJson))
            throw new ModelSpecificationException($"'{directory}' is not a run directory: no run.json there. Give the directory 'bayeshlm fit' or 'bayeshlm sample --out' wrote.");
        var manifest = RunManifest.Read(runJson);
        string dataPath = manifest.Data.Path;
        if (!File.Exists(dataPath)) throw new ModelSpecificationException($"The run's data file '{dataPath}' (from run.json) is not there any more.");
        string draws = Path.Combine(directory, "draws.csv");
        if (!File.Exists(draws)) throw new ModelSpecificationException($"'{directory}' has no draws.csv: the run stopped before any draw was kept.");
        if (manifest.Data.Sha256.Length > 0 && RunManifest.Sha256Of(dataPath) != manifest.Data.Sha256)
            throw new ModelSpecificationException(
                $"The data file '{dataPath}' has changed since the run (its SHA-256 is not the one in run.json): the EB/ML fit rebuilt from it would not be the run's. " +
                "Restore the file, or run the model again.");
        foreach (var file in manifest.Files.Where(f => f.Sha256.Length > 0))
        {
            string path = Path.Combine(directory, file.Name);
            if (!File.Exists(path) || RunManifest.Sha256Of(path) != file.Sha256)
                throw new ModelSpecificationException(
                    $"'{path}' is not the file this run wrote (missing, or its SHA-256 differs from run.json): the directory mixes runs. Run the model again into a new --out.");
        }
        var stats = SufficientStatistics.Build(manifest.Model, DataTable.ReadCsv(dataPath, manifest.Model.LabelColumns, manifest.Data.MissingValues, manifest.Data.DecimalComma));
        var reml = Estimation.Reml.Fit(stats, new RemlOptions { Method = manifest.Method });
        var priors = ResolvedPriors.Resolve(manifest.Priors, stats);
        return new FinishedRun(directory, manifest, stats, reml, priors, DrawsReader.Read([draws]).Draws);
    }
}
