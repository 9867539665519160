using System.Diagnostics;
using BayesHlm.Diagnostics;
using BayesHlm.Estimation;
using BayesHlm.Sampling;
using BayesHlm.Statistics;

namespace BayesHlm.Reporting;

/// <summary>
/// The part of a run that a resumed run shares with a fresh one: from the locked directory with reml.json in it,
/// run.json saying <c>running</c>, the chains (started, or continued from their checkpoints) streaming their draws to
/// the part files and their states to the checkpoints, then draws.csv, summary.csv and, last, run.json. A complete run
/// then drops its checkpoints and parts; an interrupted one keeps them, and run.json names them with their hashes.
/// </summary>
/// <param name="Request">What is fitted.</param>
/// <param name="Folder">The locked run directory.</param>
/// <param name="Statistics">The model on its data.</param>
/// <param name="Priors">The priors, resolved.</param>
/// <param name="Reml">The EB/ML fit.</param>
/// <param name="Started">run.json as written when sampling starts: everything but how the sampling went.</param>
internal sealed record SamplingRun(RunRequest Request, RunFolder Folder, SufficientStatistics Statistics, ResolvedPriors Priors, RemlFit Reml, RunManifest Started)
{
    /// <param name="clock">Restarted at each stage's end.</param>
    /// <param name="policy">When the chains save their state.</param>
    /// <param name="stage">Told when each stage starts.</param>
    /// <param name="progress">Where the chains are.</param>
    /// <param name="cancel">Stops the chains.</param>
    /// <param name="continuing">Every chain's checkpoint, its kept draws and its part's mark, when the chains continue
    /// from their checkpoints (<see cref="StreamingDrawsWriter.ReadParts"/>); null for a fresh run.</param>
    public RunResult Sample(Stopwatch clock, CheckpointPolicy policy, IProgress<string>? stage, IProgress<SamplerProgress>? progress,
        CancellationToken cancel, IReadOnlyList<(ChainContinuation Chain, PartMark Mark)>? continuing = null)
    {
        string directory = Folder.Path;
        double Lap() { double t = clock.Elapsed.TotalSeconds; clock.Restart(); return t; }
        var options = Request.Options;
        string key = RunCheckpoints.KeyOf(Started);
        // Written now so that a run killed while sampling can be resumed: it says what is fitted and how.
        AtomicFile.WriteText(Path.Combine(directory, "run.json"), (Started with { Files = Hashes(directory, ["reml.json"]) }).ToJson());

        using var streaming = new StreamingDrawsWriter(Path.Combine(directory, "draws.csv"));
        List<ChainContinuation>? continuations = null;
        if (continuing is not null)
        {
            streaming.ContinueFrom(GibbsChain.Names(Priors, options.SaveGroupEffects ? int.MaxValue : 0), continuing.Select(s => s.Mark).ToList());
            continuations = continuing.Select(s => s.Chain).ToList();
            stage?.Report($"sampling, continued at iteration {string.Join("/", continuations.Select(s => s.Checkpoint.Iteration))} (per chain) of {options.Chains} chains × {options.Iterations} iterations ({options.Warmup} warm-up)");
        }
        else stage?.Report($"sampling: {options.Chains} chains × {options.Iterations} iterations ({options.Warmup} warm-up)");
        var checkpoints = new RunCheckpoints(directory, key, options.Chains, streaming, policy);
        PosteriorSample? posterior = null;
        try
        {
            posterior = Gibbs.Sample(Statistics, Priors, StartValues.FromFit(Reml, Statistics), options, cancel, progress, streaming, checkpoints, continuations);
        }
        catch (OperationCanceledException) when (cancel.IsCancellationRequested)
        {
            // Interrupted before every chain kept a draw: nothing to summarise; run.json still says where it stopped,
            // and the checkpoints are there to resume from.
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
        bool complete = posterior is { Interrupted: false };
        var t = Started.Timings;
        var manifest = Started with
        {
            Complete = complete,
            Running = false,
            IterationsReached = posterior?.IterationsReached ?? [],
            DrawsPerChain = posterior?.Draws.Iterations,
            AncillaryAcceptance = posterior?.AncillaryAcceptance ?? [],
            Timings = t with { Warmup = t.Warmup + (posterior?.WarmupSeconds ?? 0), Sampling = t.Sampling + (posterior?.SamplingSeconds ?? 0), Summary = summarySeconds, Writing = writing },
            Warnings = [.. Started.Warnings, .. summary?.Warnings ?? []],
            // An interrupted run's checkpoints and parts are its too: a resumed run checks them against these hashes.
            Files = Hashes(directory, complete ? ["reml.json", "draws.csv", "summary.csv"]
                : ["reml.json", "draws.csv", "summary.csv", .. Directory.EnumerateFiles(directory).Select(f => Path.GetFileName(f)!)
                    .Where(f => RunCheckpoints.IsCheckpointFile(f) || f.EndsWith(".csv.part", StringComparison.Ordinal)).Order(StringComparer.Ordinal)]),
        };
        AtomicFile.WriteText(Path.Combine(directory, "run.json"), manifest.ToJson());
        if (complete)
        {
            // After run.json: a run killed before this point still has what a resumed run needs to end it again.
            RunCheckpoints.DeleteAll(directory);
            streaming.DeleteParts();
        }
        return new RunResult(directory, Request, Statistics, Reml, posterior, summary, manifest);
    }

    private static RunFile[] Hashes(string directory, IEnumerable<string> names) =>
        names.Where(f => File.Exists(Path.Combine(directory, f))).Select(f => new RunFile(f, RunManifest.Sha256Of(Path.Combine(directory, f)))).ToArray();
}
