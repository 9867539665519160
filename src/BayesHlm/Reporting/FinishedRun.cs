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
public sealed record FinishedRun(string Directory, RunManifest Manifest, SufficientStatistics Statistics, ResolvedPriors Priors, DrawSet Draws)
{
    private Lazy<RemlFit> _reml = null!;

    /// <summary>The EB/ML fit of the run's model, refitted on first use (what reads only the draws does not wait for it).</summary>
    public RemlFit Reml => _reml.Value;

    /// <summary>The model's rows, for what reads them again (pointwise log-likelihoods, predictive checks).</summary>
    internal Design Design { get; init; } = null!;

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
        if (!File.Exists(draws))
            throw new ModelSpecificationException(manifest.Running
                ? $"'{directory}' holds a run that has not ended (it is at work, or was killed): no draws.csv yet. A killed run is continued with --resume {directory}."
                : $"'{directory}' has no draws.csv: the run stopped before any draw was kept.");
        manifest.CheckData("the EB/ML fit rebuilt from it would not be the run's. Restore the file, or run the model again.");
        manifest.CheckFiles(directory);
        var (stats, design) = SufficientStatistics.BuildWithDesign(manifest.Model, Data.Sources.DataSources.Read(new Data.Sources.DataSource(dataPath), manifest.Model.Columns, manifest.Model.LabelColumns, manifest.Data.MissingValues, manifest.Data.DecimalComma));
        var reml = new Lazy<RemlFit>(() => Estimation.Glmm.GeneralizedFit.ForRun(stats, new RemlOptions { Method = manifest.Method == EstimationMethod.Ml ? EstimationMethod.Ml : EstimationMethod.Reml }));
        var priors = ResolvedPriors.Resolve(manifest.Priors, stats);
        return new FinishedRun(directory, manifest, stats, priors, DrawsReader.Read([draws]).Draws) { Design = design, _reml = reml };
    }
}
