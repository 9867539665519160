using System.Collections.Concurrent;
using System.Diagnostics;
using System.Threading.Channels;
using BayesHlm.Diagnostics;
using BayesHlm.Estimation;
using BayesHlm.Model;
using BayesHlm.Statistics;

namespace BayesHlm.Sampling;

/// <summary>The draws of a Bayesian fit and how the run went.</summary>
/// <param name="Draws">Kept draws (warm-up excluded), parameter names as ARCHITECTURE.md.</param>
/// <param name="Interrupted">True when cancelled: the draws are those every chain completed.</param>
/// <param name="WarmupSeconds">Wall time of the warm-up phase.</param>
/// <param name="SamplingSeconds">Wall time of the kept iterations.</param>
/// <param name="AncillaryAcceptance">Per chain, the acceptance rate of the ancillary scale move (NaN without one).</param>
public sealed record PosteriorSample(DrawSet Draws, bool Interrupted, double WarmupSeconds, double SamplingSeconds, IReadOnlyList<double> AncillaryAcceptance)
{
    /// <summary>The priors as used, every default filled in (the vocabulary of <see cref="PriorSpec"/>).</summary>
    public PriorSpec Priors => Resolved.Complete;
    /// <summary>The priors as the sampler used them (what the comparison with EB/ML needs).</summary>
    public required ResolvedPriors Resolved { get; init; }
    /// <summary>The options as used.</summary>
    public required SamplerOptions Options { get; init; }
    /// <summary>Iterations each chain completed, warm-up included.</summary>
    public required IReadOnlyList<int> IterationsReached { get; init; }
}

/// <summary>Receives every kept draw as it is made, e.g. to stream the draws to disk while sampling. Called on the
/// chain's own thread, in the chain's order: chains call at the same time, each for its own chain. Told the draw's
/// chain, its index among the chain's kept draws, and the values (in <see cref="PosteriorSample.Draws"/>' parameter
/// order; read them during the call only).</summary>
public interface IDrawSink
{
    /// <summary>Called once before the first draw, with the parameter names; not when the chains continue from
    /// checkpoints (the sink was then set up from the draws kept before).</summary>
    void Begin(IReadOnlyList<string> names, int chains);
    /// <summary>One kept draw.</summary>
    void Write(int chain, int index, double[] values);
}

/// <summary>Where the chains are: iterations done per chain (warm-up included) out of <see cref="Iterations"/>.</summary>
public sealed record SamplerProgress(IReadOnlyList<int> Done, int Iterations, int Warmup, double ElapsedSeconds)
{
    /// <summary>Iterations per second over all chains so far.</summary>
    public double PerSecond => ElapsedSeconds > 0 ? Done.Sum() / ElapsedSeconds : 0;
    /// <summary>Seconds left at the current pace (the slowest chain decides).</summary>
    public double SecondsLeft
    {
        get
        {
            double done = Done.Min();
            return done > 0 ? ElapsedSeconds * (Iterations - done) / done : double.NaN;
        }
    }
}

/// <summary>
/// The blocked Gibbs sampler (MATH.md §5): chains in parallel, one task each, each with its own random stream
/// derived from the seed and the chain's index, so the draws are the same whatever the number of threads. Draws
/// stream through a bounded channel to the collector, which keeps them and hands them to an optional sink.
/// </summary>
public static class Gibbs
{
    private readonly record struct Row(int Chain, int Index, double[] Values);

    /// <summary>The most the kept draws may take in memory (8 GB).</summary>
    public const long MaxDrawBytes = 8_000_000_000;

    /// <summary>The Bayesian fit from the declared priors (defaults filled in), the chains started around an EB/ML fit
    /// of the same model — the short form of <see cref="Sample(SufficientStatistics, ResolvedPriors, StartValues, SamplerOptions?, CancellationToken, IProgress{SamplerProgress}?, IDrawSink?)"/>.</summary>
    /// <param name="statistics">The model on its data.</param>
    /// <param name="priors">The priors; parts left out take their defaults.</param>
    /// <param name="fit">The REML or ML fit of the same model (<c>Reml.Fit</c>).</param>
    /// <param name="options">Chains, iterations, seed.</param>
    /// <param name="cancel">Stops every chain at its next iteration.</param>
    public static PosteriorSample Sample(SufficientStatistics statistics, PriorSpec priors, RemlFit fit, SamplerOptions? options = null, CancellationToken cancel = default) =>
        Sample(statistics, ResolvedPriors.Resolve(priors, statistics), StartValues.FromFit(fit, statistics), options, cancel);

    /// <param name="statistics">The model on its data.</param>
    /// <param name="priors">The priors, resolved for <paramref name="statistics"/> (<see cref="ResolvedPriors.Resolve"/>).</param>
    /// <param name="start">Where the chains start (<see cref="StartValues.FromFit"/>); <see cref="SamplerOptions.Initial"/>,
    /// when set, replaces the values it names.</param>
    /// <param name="options">Chains, iterations, seed.</param>
    /// <param name="cancel">Stops every chain at its next iteration; the draws so far are returned, marked interrupted.</param>
    /// <param name="progress">Told about four times a second where the chains are.</param>
    /// <param name="sink">Also receives every kept draw as it is made (the run directory streams them to disk).</param>
    public static PosteriorSample Sample(SufficientStatistics statistics, ResolvedPriors priors, StartValues start, SamplerOptions? options = null,
        CancellationToken cancel = default, IProgress<SamplerProgress>? progress = null, IDrawSink? sink = null) =>
        Sample(statistics, priors, start, options, cancel, progress, sink, checkpoints: null, continuations: null);

    /// <summary>As the public <c>Sample</c>, each chain also saving its state to <paramref name="checkpoints"/> when due and
    /// when it stops; with <paramref name="continuations"/>, every chain continues from its checkpoint instead of
    /// starting, and the result is the one the uninterrupted run gives, draw for draw.</summary>
    internal static PosteriorSample Sample(SufficientStatistics statistics, ResolvedPriors priors, StartValues start, SamplerOptions? options,
        CancellationToken cancel, IProgress<SamplerProgress>? progress, IDrawSink? sink, ICheckpointStore? checkpoints, IReadOnlyList<ChainContinuation>? continuations)
    {
        ArgumentNullException.ThrowIfNull(statistics);
        ArgumentNullException.ThrowIfNull(priors);
        ArgumentNullException.ThrowIfNull(start);
        if (!ReferenceEquals(priors.Statistics, statistics))
            throw new ArgumentException("The priors were resolved for other statistics: resolve them for these.", nameof(priors));
        options ??= new SamplerOptions();
        options.Validate();
        statistics.ForSampler(); // refuses here, before any chain starts, a random slope too far from 0 to sample as written
        var sampled = options.PriorOnly ? WithoutData(statistics, priors) : statistics;
        if (options.Initial is { } given) start = start.WithGiven(given, statistics);
        int groupEffects = options.SaveGroupEffects ? int.MaxValue : 0;
        var names = GibbsChain.Names(priors, groupEffects);
        int kept = (options.Iterations - options.Warmup) / options.Thin;
        long drawBytes = (long)names.Count * options.Chains * kept * sizeof(double);
        if (drawBytes > MaxDrawBytes)
            throw new ModelSpecificationException(
                $"{options.Chains} chains × {kept:N0} kept draws × {names.Count:N0} parameters would take {drawBytes / 1e9:F1} GB in memory (at most {MaxDrawBytes / 1e9:F0} GB). " +
                "Keep fewer draws: fewer iterations, or --thin; or leave out --save-group-effects.");
        if (continuations is not null && (continuations.Count != options.Chains || continuations.Where((c, i) => c.Checkpoint.Chain != i || c.Checkpoint.Kept > kept
                || c.Checkpoint.Iteration > options.Warmup + kept * options.Thin || c.KeptDraws.Length != c.Checkpoint.Kept * names.Count).Any()))
            throw new ArgumentException("The continuations are not one per chain of this run, in order, with their kept draws.", nameof(continuations));
        var draws = names.Select(_ => new double[options.Chains * kept]).ToArray();
        var completed = new int[options.Chains];
        var reached = new int[options.Chains];
        var acceptance = new double[options.Chains];
        var channel = Channel.CreateBounded<Row>(new BoundedChannelOptions(1024) { SingleReader = true });
        // Each chain's rows come back from the collector once copied, and are filled again: a kept draw allocates nothing
        // once the rows in flight (at most the channel's capacity) exist. A row the size of a model with many saved group
        // effects would otherwise be a new large-object-heap array per draw.
        var spareRows = Enumerable.Range(0, options.Chains).Select(_ => new ConcurrentQueue<double[]>()).ToArray();
        var clock = Stopwatch.StartNew();
        using var warmupDone = new CountdownEvent(options.Chains);
        double warmupSeconds = 0;

        if (continuations is null) sink?.Begin(names, options.Chains);
        else
            foreach (var (checkpoint, keptDraws) in continuations)
            {
                // The draws kept before the interruption, where the collector would have put them.
                int c = checkpoint.Chain;
                for (int i = 0; i < checkpoint.Kept; i++)
                    for (int p = 0; p < names.Count; p++) draws[p][c * kept + i] = keptDraws[i * names.Count + p];
                completed[c] = checkpoint.Kept;
                reached[c] = checkpoint.Iteration;
            }
        var collector = Task.Run(async () =>
        {
            await foreach (var row in channel.Reader.ReadAllAsync())
            {
                for (int p = 0; p < row.Values.Length; p++) draws[p][row.Chain * kept + row.Index] = row.Values[p];
                completed[row.Chain] = Math.Max(completed[row.Chain], row.Index + 1);
                spareRows[row.Chain].Enqueue(row.Values);
            }
        });

        void RunChain(int chainIndex)
        {
            GibbsChain chain;
            int t, keptSoFar;
            if (continuations?[chainIndex].Checkpoint is { } saved)
            {
                chain = GibbsChain.Restore(sampled, priors, saved.State);
                (t, keptSoFar) = (saved.Iteration, saved.Kept);
            }
            else
            {
                var rng = ChainRandom(options.Seed, chainIndex);
                var (sigma2, sigma) = start.ForChain(rng, statistics.KnownResidualVariance);
                chain = new GibbsChain(sampled, priors, rng, sigma2, sigma, options.FactorwiseLocation);
                (t, keptSoFar) = (0, 0);
            }
            void Checkpoint() => checkpoints!.Save(new ChainCheckpoint(chainIndex, t, keptSoFar, chain.Save()));
            int end = options.Warmup + kept * options.Thin;
            try
            {
                chain.Adapting = true;
                while (t < options.Warmup && !cancel.IsCancellationRequested)
                {
                    chain.Step();
                    Volatile.Write(ref reached[chainIndex], ++t);
                    if (checkpoints?.IsDue(chainIndex) == true) Checkpoint();
                }
            }
            finally
            {
                if (warmupDone.Signal()) warmupSeconds = clock.Elapsed.TotalSeconds;
            }
            chain.Adapting = false;
            while (t < end && !cancel.IsCancellationRequested)
            {
                chain.Step();
                Volatile.Write(ref reached[chainIndex], ++t);
                if ((t - options.Warmup) % options.Thin == 0)
                {
                    if (!spareRows[chainIndex].TryDequeue(out var row)) row = new double[names.Count];
                    chain.Current(row, groupEffects);
                    // The sink's work (formatting for disk) runs here, on every chain's thread, not in the one collector.
                    sink?.Write(chainIndex, keptSoFar, row);
                    channel.Writer.WriteAsync(new Row(chainIndex, keptSoFar, row)).AsTask().GetAwaiter().GetResult();
                    keptSoFar++;
                }
                if (checkpoints?.IsDue(chainIndex) == true) Checkpoint();
            }
            // Where the chain stopped, finished or interrupted: a resumed run continues every chain from here.
            if (checkpoints is not null) Checkpoint();
            acceptance[chainIndex] = chain.AncillaryAcceptance;
        }

        // One dedicated thread per chain (all chains move together, so an interrupted run has draws from each);
        // MaxParallelism gates how many run at once. The draws do not depend on either.
        using var gate = new SemaphoreSlim(options.MaxParallelism ?? options.Chains);
        SamplerProgress Snapshot() => new(Enumerable.Range(0, options.Chains).Select(i => Volatile.Read(ref reached[i])).ToArray(), options.Iterations, options.Warmup, clock.Elapsed.TotalSeconds);
        using var timer = progress is null ? null : new Timer(_ => progress.Report(Snapshot()), null, 250, 250);
        var tasks = Enumerable.Range(0, options.Chains).Select(c => Task.Factory.StartNew(() =>
        {
            gate.Wait();
            try { RunChain(c); }
            finally { gate.Release(); }
        }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default)).ToArray();
        try
        {
            Task.WaitAll(tasks);
        }
        catch (AggregateException e) when (e.InnerExceptions.Count == 1)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(e.InnerExceptions[0]).Throw();
        }
        finally
        {
            // Complete the stream even when a chain failed, so the collector never waits for ever.
            channel.Writer.Complete();
            timer?.Dispose();
        }
        collector.GetAwaiter().GetResult();
        progress?.Report(Snapshot());
        double total = clock.Elapsed.TotalSeconds;

        int done = completed.Min();
        bool interrupted = done < kept;
        if (done < 4) throw new OperationCanceledException("Interrupted before every chain had 4 kept draws.", cancel);
        // One parameter at a time, so an interrupted run never holds two copies of every draw.
        if (interrupted)
            for (int p = 0; p < draws.Length; p++) draws[p] = Truncate(draws[p], options.Chains, kept, done);
        var final = draws;
        return new PosteriorSample(new DrawSet(names, options.Chains, done, final), interrupted, warmupSeconds, total - warmupSeconds, acceptance)
        {
            Resolved = priors,
            Options = options,
            IterationsReached = reached,
        };
    }

    private static double[] Truncate(double[] all, int chains, int kept, int done)
    {
        var r = new double[chains * done];
        for (int c = 0; c < chains; c++) Array.Copy(all, c * kept, r, c * done, done);
        return r;
    }

    /// <summary>One seeded stream per chain: xoshiro256** seeded by SplitMix64 from (seed, chain) (STYLE.md §4).</summary>
    /// <summary>The statistics a prior-only chain samples: no rows. Without data an improper prior has no distribution to
    /// draw from: refused, naming it.</summary>
    private static SufficientStatistics WithoutData(SufficientStatistics statistics, ResolvedPriors priors)
    {
        var empty = statistics.WithoutData();
        var fixedPrior = priors.KernelPrior(empty);
        var precision = (double[])fixedPrior.Precision.Clone();
        if (!Statistics.Linalg.Dense.CholeskyInPlace(precision, empty.P))
            throw new ModelSpecificationException("A prior-only run needs a proper prior on every fixed effect, and some are flat. Give them normal priors (priors: fixed:), or leave the priors to their defaults.");
        return empty;
    }

    internal static Random ChainRandom(ulong seed, int chain) => new Statistics.ChainRandom(seed ^ ((ulong)(chain + 1) * 0xD1B54A32D192ED03UL));
}
