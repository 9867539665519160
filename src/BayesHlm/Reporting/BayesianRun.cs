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
}

/// <summary>Wall time of each stage, in seconds.</summary>
public sealed record RunTimings(double Read, double Statistics, double Reml, double Warmup, double Sampling, double Summary, double Writing);

/// <summary>A finished (or interrupted) run: everything that was written to its directory, as objects.</summary>
public sealed record RunResult(string Directory, RunRequest Request, SufficientStatistics? Statistics, RemlFit? Reml,
    PosteriorSample? Posterior, DiagnosticsTable? Summary, RunTimings Timings, bool Interrupted);

/// <summary>
/// A whole Bayesian fit into a run directory (ARCHITECTURE.md): read the data, build the statistics, fit REML,
/// sample, summarise, and write reml.json, draws.csv, summary.csv and run.json — each written whole under a temporary
/// name and renamed. Cancelled (Ctrl-C), the draws made so far are kept and run.json says <c>interrupted</c>.
/// </summary>
public static class BayesianRun
{
    /// <param name="request">What to fit.</param>
    /// <param name="directory">The run directory (created if needed).</param>
    /// <param name="stage">Told when each stage starts ("reading data", "sampling").</param>
    /// <param name="progress">Where the chains are, about four times a second.</param>
    /// <param name="cancel">Stops the run; what is done so far is written.</param>
    public static RunResult Execute(RunRequest request, string directory, IProgress<string>? stage = null,
        IProgress<SamplerProgress>? progress = null, CancellationToken cancel = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(directory);
        request.Options.Validate();
        Directory.CreateDirectory(directory);
        var clock = Stopwatch.StartNew();
        double Lap() { double t = clock.Elapsed.TotalSeconds; clock.Restart(); return t; }

        stage?.Report($"reading {request.DataPath}");
        var data = DataTable.ReadCsv(request.DataPath);
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
        bool interrupted = posterior is null || posterior.Interrupted;
        var timings = new RunTimings(read, statistics, remlSeconds, posterior?.WarmupSeconds ?? 0, posterior?.SamplingSeconds ?? 0, summarySeconds, writing);
        var result = new RunResult(directory, request, stats, reml, posterior, summary, timings, interrupted);
        AtomicFile.WriteText(Path.Combine(directory, "run.json"), RunJson(result));
        return result;
    }

    /// <summary>run.json: what was fitted and how, so the run can be repeated exactly and its time accounted for.</summary>
    public static string RunJson(RunResult run)
    {
        ArgumentNullException.ThrowIfNull(run);
        var r = run.Request;
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            w.WriteStartObject();
            w.WriteString("status", run.Interrupted ? "interrupted" : "complete");
            if (run.Posterior is { } p)
            {
                w.WriteStartArray("iterations_reached");
                foreach (int i in p.IterationsReached) w.WriteNumberValue(i);
                w.WriteEndArray();
                w.WriteNumber("draws_per_chain", p.Draws.Iterations);
            }
            w.WriteString("name", r.Name);
            w.WriteString("command", r.Command);
            w.WriteStartObject("model");
            w.WriteString("formula", r.Spec.ToFormula());
            if (r.Spec.KnownResidual is { } k)
            {
                w.WriteString(k.IsStandardDeviation ? "known_sd" : "known_variance", k.Column);
            }
            if (r.Levels is { } levels) WriteLevels(w, levels);
            w.WriteEndObject();
            w.WriteStartObject("data");
            w.WriteString("path", Path.GetFullPath(r.DataPath));
            w.WriteString("sha256", Sha256(r.DataPath));
            if (run.Statistics is { } s)
            {
                w.WriteNumber("rows_read", s.Frame.RowsRead);
                w.WriteNumber("rows_used", s.Frame.RowsUsed);
                w.WriteStartObject("missing");
                foreach (var (col, n) in s.Frame.MissingByColumn) w.WriteNumber(col, n);
                w.WriteEndObject();
                w.WriteStartObject("groups");
                foreach (var level in s.Levels) w.WriteNumber(level.Grouping.Name, level.Grouping.Count);
                w.WriteEndObject();
            }
            w.WriteEndObject();
            w.WriteStartObject("priors");
            (run.Posterior?.Priors ?? r.Priors).WriteTo(w);
            w.WriteEndObject();
            var o = r.Options;
            w.WriteStartObject("sampler");
            w.WriteNumber("chains", o.Chains);
            w.WriteNumber("iter", o.Iterations);
            w.WriteNumber("warmup", o.Warmup);
            w.WriteNumber("thin", o.Thin);
            w.WriteNumber("seed", o.Seed);
            w.WriteBoolean("save_group_effects", o.SaveGroupEffects);
            if (o.Initial is { } init)
            {
                w.WriteStartObject("init");
                foreach (var (name, v) in init) w.WriteNumber(name, v);
                w.WriteEndObject();
            }
            if (run.Posterior is { } post && post.AncillaryAcceptance.Any(double.IsFinite))
            {
                w.WriteStartArray("ancillary_acceptance");
                foreach (var a in post.AncillaryAcceptance) w.WriteNumberValue(Math.Round(a, 4));
                w.WriteEndArray();
            }
            w.WriteEndObject();
            w.WriteStartObject("timings");
            var t = run.Timings;
            foreach (var (name, v) in new[] { ("read", t.Read), ("statistics", t.Statistics), ("reml", t.Reml), ("warmup", t.Warmup), ("sampling", t.Sampling), ("summary", t.Summary), ("writing", t.Writing) })
                w.WriteNumber(name, Math.Round(v, 4));
            w.WriteEndObject();
            w.WriteStartArray("warnings");
            foreach (var warning in (run.Reml?.Warnings ?? []).Select(x => "REML: " + x).Concat(run.Summary?.Warnings ?? []))
                w.WriteStringValue(warning);
            w.WriteEndArray();
            w.WriteStartObject("versions");
            w.WriteString("bayeshlm", typeof(BayesianRun).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown");
            w.WriteString("dotnet", Environment.Version.ToString());
            w.WriteString("os", System.Runtime.InteropServices.RuntimeInformation.OSDescription);
            w.WriteEndObject();
            w.WriteStartArray("files");
            foreach (var f in new[] { "reml.json", "draws.csv", "summary.csv" })
                if (File.Exists(Path.Combine(run.Directory, f))) w.WriteStringValue(f);
            w.WriteEndArray();
            w.WriteEndObject();
        }
        return System.Text.Encoding.UTF8.GetString(stream.ToArray());
    }

    private static void WriteLevels(Utf8JsonWriter w, HierarchicalModel levels)
    {
        w.WriteStartArray("levels");
        foreach (var line in levels.Equations()) w.WriteStringValue(line);
        w.WriteEndArray();
    }

    private static string Sha256(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }
}
