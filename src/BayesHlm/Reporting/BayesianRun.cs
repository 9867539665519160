using System.Diagnostics;
using System.Reflection;
using System.Security.Cryptography;
using System.Text.Json;
using BayesHlm.Data;
using BayesHlm.Diagnostics;
using BayesHlm.Estimation;
using BayesHlm.Model;
using BayesHlm.Sampling;
using BayesHlm.Statistics;

namespace BayesHlm.Reporting;

/// <summary>What to fit: the model on a data file, the priors, the sampler's options.</summary>
/// <param name="DataPath">The data file (CSV).</param>
/// <param name="Spec">The model.</param>
/// <param name="Priors">The priors; parts left out take their defaults.</param>
/// <param name="Options">Chains, iterations, seed.</param>
public sealed record RunRequest(string DataPath, ModelSpec Spec, PriorSpec Priors, SamplerOptions Options)
{
    /// <summary>The model's name (from the model file).</summary>
    public string? Name { get; init; }
    /// <summary>The level-by-level declaration, when the model was declared that way.</summary>
    public HierarchicalModel? Levels { get; init; }
    /// <summary>REML or ML, for reml.json.</summary>
    public RemlOptions Reml { get; init; } = RemlOptions.Default;
    /// <summary>The command line that started the run, recorded so it can be repeated.</summary>
    public string? Command { get; init; }
    /// <summary>Codes in the data that mark a missing value, besides the empty field, NA, '.' and NaN (-99, 999).</summary>
    public IReadOnlyList<string> MissingValues { get; init; } = [];
    /// <summary>The data's numbers are written with a decimal comma (3,14).</summary>
    public bool DecimalComma { get; init; }
    /// <summary>Replace an earlier run in the run directory (its files are removed first); without it such a directory is refused.</summary>
    public bool Replace { get; init; }
}

/// <summary>A finished (or interrupted) run: everything that was written to its directory, as objects.</summary>
public sealed record RunResult(string Directory, RunRequest Request, SufficientStatistics? Statistics, RemlFit? Reml,
    PosteriorSample? Posterior, DiagnosticsTable? Summary, RunManifest Manifest)
{
    /// <summary>The run stopped before its last iteration.</summary>
    public bool Interrupted => !Manifest.Complete;
}

/// <summary>
/// A whole Bayesian fit into a run directory (ARCHITECTURE.md): read the data, build the statistics, fit REML,
/// sample, summarise, and write reml.json, draws.csv, summary.csv and run.json — each written whole under a temporary
/// name and renamed. Cancelled (Ctrl-C), the draws made so far are kept and run.json says <c>interrupted</c>.
/// </summary>
public static class BayesianRun
{
    /// <param name="request">What to fit.</param>
    /// <param name="directory">The run directory: new or empty, or holding an earlier run when <see cref="RunRequest.Replace"/>;
    /// locked while the run writes it; left as it was when the run fails before sampling ends.</param>
    /// <param name="stage">Told when each stage starts ("reading data", "sampling").</param>
    /// <param name="progress">Where the chains are, about four times a second.</param>
    /// <param name="cancel">Stops the run; what is done so far is written.</param>
    public static RunResult Execute(RunRequest request, string directory, IProgress<string>? stage = null,
        IProgress<SamplerProgress>? progress = null, CancellationToken cancel = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(directory);
        request.Options.Validate();
        RunFolder.Check(directory, request.Replace);
        var clock = Stopwatch.StartNew();
        double Lap() { double t = clock.Elapsed.TotalSeconds; clock.Restart(); return t; }

        stage?.Report($"reading {Shown(request.DataPath)}");
        var data = DataTable.ReadCsv(request.DataPath, request.Spec.LabelColumns, request.MissingValues, request.DecimalComma);
        double read = Lap();
        stage?.Report("building the sufficient statistics");
        var stats = SufficientStatistics.Build(request.Spec, data);
        cancel.ThrowIfCancellationRequested();
        double statistics = Lap();
        // Resolved before the slower stages, so a mistake in the priors is reported at once.
        var priors = ResolvedPriors.Resolve(request.Priors, stats);
        stage?.Report($"fitting by {(request.Reml.Method == EstimationMethod.Reml ? "REML" : "ML")}");
        var reml = Reml.Fit(stats, request.Reml);
        double remlSeconds = Lap();
        using var folder = RunFolder.Open(directory, request.Replace);
        try
        {
            return Write(request, folder, stats, priors, reml, (read, statistics, remlSeconds), clock, stage, progress, cancel);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancel.IsCancellationRequested)
        {
            folder.Discard();
            throw;
        }
    }

    /// <summary>A path as the user would type it from here: relative when it lies below the current folder.</summary>
    private static string Shown(string path)
    {
        string relative = Path.GetRelativePath(Environment.CurrentDirectory, path);
        return relative.StartsWith("..", StringComparison.Ordinal) || Path.IsPathRooted(relative) ? path : relative;
    }

    private static RunResult Write(RunRequest request, RunFolder folder, SufficientStatistics stats, ResolvedPriors priors, RemlFit reml,
        (double Read, double Statistics, double Reml) before, Stopwatch clock, IProgress<string>? stage, IProgress<SamplerProgress>? progress, CancellationToken cancel)
    {
        string directory = folder.Path;
        double Lap() { double t = clock.Elapsed.TotalSeconds; clock.Restart(); return t; }
        var (read, statistics, remlSeconds) = before;
        AtomicFile.WriteText(Path.Combine(directory, "reml.json"), RemlJsonWriter.ToJson(reml, request.Name, request.DataPath));

        stage?.Report($"sampling: {request.Options.Chains} chains × {request.Options.Iterations} iterations ({request.Options.Warmup} warm-up)");
        PosteriorSample? posterior = null;
        // The draws go to disk as they are made; draws.csv is assembled from them when the sampling ends.
        using var streaming = new StreamingDrawsWriter(Path.Combine(directory, "draws.csv"));
        try
        {
            posterior = Gibbs.Sample(stats, priors, StartValues.FromFit(reml, stats), request.Options, cancel, progress, streaming);
        }
        catch (OperationCanceledException) when (cancel.IsCancellationRequested)
        {
            // Interrupted before every chain kept a draw: nothing to summarise, run.json still says where it stopped.
        }
        Lap();
        DiagnosticsTable? summary = null;
        double summarySeconds = 0, writing = 0;
        if (posterior is not null)
        {
            stage?.Report("summarising");
            summary = PosteriorSummary.Summarise(posterior.Draws);
            summarySeconds = Lap();
            stage?.Report("writing draws and summary");
            streaming.Complete(posterior.Draws.Iterations);
            AtomicFile.WriteText(Path.Combine(directory, "summary.csv"), SummaryWriters.ToCsv(summary));
            writing = Lap();
        }
        var manifest = new RunManifest
        {
            Complete = posterior is { Interrupted: false },
            IterationsReached = posterior?.IterationsReached ?? [],
            DrawsPerChain = posterior?.Draws.Iterations,
            Name = request.Name,
            Command = request.Command,
            Model = request.Spec,
            Method = request.Reml.Method,
            Equations = request.Levels?.Equations().ToArray(),
            Data = RunManifest.DescribeData(request.DataPath, stats) with { MissingValues = request.MissingValues, DecimalComma = request.DecimalComma },
            Priors = priors.Complete,
            Sampler = request.Options,
            AncillaryAcceptance = posterior?.AncillaryAcceptance ?? [],
            Timings = new RunTimings(read, statistics, remlSeconds, posterior?.WarmupSeconds ?? 0, posterior?.SamplingSeconds ?? 0, summarySeconds, writing),
            Warnings = [.. reml.Warnings.Select(x => "REML: " + x), .. summary?.Warnings ?? []],
            Versions = RunVersions.Current,
            Files = new[] { "reml.json", "draws.csv", "summary.csv" }.Where(f => File.Exists(Path.Combine(directory, f)))
                .Select(f => new RunFile(f, RunManifest.Sha256Of(Path.Combine(directory, f)))).ToArray(),
        };
        AtomicFile.WriteText(Path.Combine(directory, "run.json"), manifest.ToJson());
        return new RunResult(directory, request, stats, reml, posterior, summary, manifest);
    }
}
