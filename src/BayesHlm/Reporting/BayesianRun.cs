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
/// name and renamed. run.json is written when sampling starts (status <c>running</c>) and again, last, when the run
/// ends. Every chain saves its state to a checkpoint every 10 s and when it stops. Cancelled (Ctrl-C), the draws made
/// so far are kept and run.json says <c>interrupted</c>; <see cref="Resume(string, IProgress{string}?, IProgress{SamplerProgress}?, CancellationToken)"/> continues such a run (or a killed one)
/// from its checkpoints, and ends it exactly as the uninterrupted run would have.
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
        IProgress<SamplerProgress>? progress = null, CancellationToken cancel = default) =>
        Execute(request, directory, CheckpointPolicy.Default, stage, progress, cancel);

    internal static RunResult Execute(RunRequest request, string directory, CheckpointPolicy checkpoints, IProgress<string>? stage = null,
        IProgress<SamplerProgress>? progress = null, CancellationToken cancel = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(directory);
        request.Options.Validate();
        RunFolder.Check(directory, request.Replace);
        var clock = Stopwatch.StartNew();
        double Lap() { double t = clock.Elapsed.TotalSeconds; clock.Restart(); return t; }

        stage?.Report($"reading {Shown(request.DataPath)}");
        if (Data.Sources.DataSource.KindOf(request.DataPath) is Data.Sources.DataSourceKind.DuckDb or Data.Sources.DataSourceKind.Postgres)
            throw new DataException($"A Bayesian run reads a CSV or Parquet file (its run.json records the file and its hash); '{request.DataPath}' is a database. " +
                                    "Fit it with 'bayeshlm reml', or write the rows to a Parquet file first (in DuckDB: COPY (SELECT …) TO 'data.parquet').");
        var stats = ReadStatistics(request.DataPath, request.Spec, request.MissingValues, request.DecimalComma, stage, out double read, out double statistics);
        cancel.ThrowIfCancellationRequested();
        clock.Restart();
        // Resolved before the slower stages, so a mistake in the priors is reported at once.
        var priors = ResolvedPriors.Resolve(request.Priors, stats);
        bool gaussian = stats.Spec.Family == Model.Family.Gaussian;
        stage?.Report(gaussian ? $"fitting by {(request.Reml.Method == EstimationMethod.Reml ? "REML" : "ML")}" : "fitting by ML (Laplace)");
        var reml = Estimation.Glmm.GeneralizedFit.ForRun(stats, request.Reml);
        double remlSeconds = Lap();
        using var folder = RunFolder.Open(directory, request.Replace);
        try
        {
            AtomicFile.WriteText(Path.Combine(directory, "reml.json"), RemlJsonWriter.ToJson(reml, request.Name, request.DataPath));
            var started = new RunManifest
            {
                Complete = false,
                Running = true,
                Name = request.Name,
                Command = request.Command,
                Model = request.Spec,
                Method = reml.Method,
                Equations = request.Levels?.Equations().ToArray(),
                Data = RunManifest.DescribeData(request.DataPath, stats) with { MissingValues = request.MissingValues, DecimalComma = request.DecimalComma },
                Priors = priors.Complete,
                Sampler = request.Options,
                Timings = new RunTimings(read, statistics, remlSeconds, 0, 0, 0, 0),
                Warnings = [.. reml.Warnings.Select(x => (gaussian ? "REML: " : "ML: ") + x)],
                Versions = RunVersions.Current,
            };
            var run = new SamplingRun(request, folder, stats, priors, reml, started);
            return run.Sample(clock, checkpoints, stage, progress, cancel);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancel.IsCancellationRequested)
        {
            folder.Discard();
            throw;
        }
    }

    /// <summary>The statistics of <paramref name="spec"/> on the file at <paramref name="path"/>. A model the moments carry
    /// (gaussian, no weights or known variances) reads a large CSV or Parquet file (<see cref="SufficientStatistics.WorthStreaming"/>)
    /// in one streaming pass straight into them,
    /// memory in groups, not rows, so a file larger than memory can be sampled; its time is all <paramref name="read"/>.
    /// Any other reads the table, then builds them.</summary>
    private static SufficientStatistics ReadStatistics(string path, Model.ModelSpec spec, IReadOnlyList<string> missing, bool decimalComma,
        IProgress<string>? stage, out double read, out double statistics)
    {
        var clock = Stopwatch.StartNew();
        var kind = Data.Sources.DataSource.KindOf(path);
        if (SufficientStatistics.Streams(spec) && kind is Data.Sources.DataSourceKind.Csv or Data.Sources.DataSourceKind.Parquet && SufficientStatistics.WorthStreaming(path))
        {
            stage?.Report("building the sufficient statistics");
            var streamed = kind == Data.Sources.DataSourceKind.Parquet
                ? SufficientStatistics.BuildFromParquet(spec, path, spec.LabelColumns, missing)
                : SufficientStatistics.BuildFromCsv(spec, path, spec.LabelColumns, missing, decimalComma);
            read = clock.Elapsed.TotalSeconds;
            statistics = 0;
            return streamed;
        }
        var data = Data.Sources.DataSources.Read(new Data.Sources.DataSource(path), spec.Columns, spec.LabelColumns, missing, decimalComma);
        read = clock.Elapsed.TotalSeconds;
        clock.Restart();
        stage?.Report("building the sufficient statistics");
        var stats = SufficientStatistics.Build(spec, data);
        statistics = clock.Elapsed.TotalSeconds;
        return stats;
    }

    /// <summary>Continues the interrupted (or killed) run in <paramref name="directory"/> from its checkpoints, as run.json
    /// describes it — model, data, priors, sampler settings, seed — and ends it as the uninterrupted run would have:
    /// the same draws.csv, summary.csv and run.json but for the times.</summary>
    /// <param name="directory">The run directory.</param>
    /// <param name="stage">Told when each stage starts.</param>
    /// <param name="progress">Where the chains are, about four times a second.</param>
    /// <param name="cancel">Stops the run again; it can be resumed again.</param>
    /// <exception cref="ModelSpecificationException">The directory is not a run; the run is complete, or being written;
    /// it has no checkpoint; its data file, files or checkpoints are not the run's any more.</exception>
    public static RunResult Resume(string directory, IProgress<string>? stage = null, IProgress<SamplerProgress>? progress = null, CancellationToken cancel = default) =>
        Resume(directory, CheckpointPolicy.Default, stage, progress, cancel);

    internal static RunResult Resume(string directory, CheckpointPolicy checkpoints, IProgress<string>? stage = null,
        IProgress<SamplerProgress>? progress = null, CancellationToken cancel = default)
    {
        ArgumentNullException.ThrowIfNull(directory);
        var earlier = InterruptedRun.Check(directory);
        var clock = Stopwatch.StartNew();
        double Lap() { double t = clock.Elapsed.TotalSeconds; clock.Restart(); return t; }
        stage?.Report($"resuming {Shown(directory)}: reading {Shown(earlier.Data.Path)}");
        var stats = ReadStatistics(earlier.Data.Path, earlier.Model, earlier.Data.MissingValues, earlier.Data.DecimalComma, stage, out double read, out double statistics);
        clock.Restart();
        var priors = ResolvedPriors.Resolve(earlier.Priors, stats);
        bool gaussian = stats.Spec.Family == Model.Family.Gaussian;
        stage?.Report(gaussian ? $"fitting by {(earlier.Method == EstimationMethod.Reml ? "REML" : "ML")}" : "fitting by ML (Laplace)");
        var reml = Estimation.Glmm.GeneralizedFit.ForRun(stats, new RemlOptions { Method = gaussian ? earlier.Method : EstimationMethod.Reml });
        double remlSeconds = Lap();
        var started = earlier with
        {
            Complete = false,
            Running = true,
            IterationsReached = [],
            DrawsPerChain = null,
            Data = RunManifest.DescribeData(earlier.Data.Path, stats) with { MissingValues = earlier.Data.MissingValues, DecimalComma = earlier.Data.DecimalComma },
            Priors = priors.Complete,
            AncillaryAcceptance = [],
            // The stages before sampling are this session's; the sampling times add up over the sessions.
            Timings = new RunTimings(read, statistics, remlSeconds, earlier.Timings.Warmup, earlier.Timings.Sampling, 0, 0),
            Warnings = [.. reml.Warnings.Select(x => (gaussian ? "REML: " : "ML: ") + x)],
            Versions = RunVersions.Current,
            Files = [],
        };
        var request = new RunRequest(earlier.Data.Path, earlier.Model, earlier.Priors, earlier.Sampler)
        {
            Name = earlier.Name,
            Reml = new RemlOptions { Method = gaussian ? earlier.Method : EstimationMethod.Reml },
            Command = earlier.Command,
            MissingValues = earlier.Data.MissingValues,
            DecimalComma = earlier.Data.DecimalComma,
        };
        // Everything is checked before the directory is touched: a refused run is left as it was.
        var saved = RunCheckpoints.Load(directory, earlier.Sampler.Chains, RunCheckpoints.KeyOf(started));
        var names = GibbsChain.Names(priors, earlier.Sampler.SaveGroupEffects ? int.MaxValue : 0);
        var kept = StreamingDrawsWriter.ReadParts(Path.Combine(directory, "draws.csv"), names, saved.Select(s => s.Mark).ToList());
        var continuing = saved.Select((s, c) => (new ChainContinuation(s.Checkpoint, kept[c]), s.Mark)).ToList();
        using var folder = RunFolder.OpenToResume(directory);
        try
        {
            var run = new SamplingRun(request, folder, stats, priors, reml, started);
            return run.Sample(clock, checkpoints, stage, progress, cancel, continuing);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancel.IsCancellationRequested)
        {
            folder.Discard();
            throw;
        }
    }

    /// <summary>A path as the user would type it from here: relative when it lies below the current folder.</summary>
    internal static string Shown(string path)
    {
        string relative = Path.GetRelativePath(Environment.CurrentDirectory, path);
        return relative.StartsWith("..", StringComparison.Ordinal) || Path.IsPathRooted(relative) ? path : relative;
    }
}
