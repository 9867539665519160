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
    public required PriorSpec Priors { get; init; }
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
    /// <summary>Called once before the first draw, with the parameter names.</summary>
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

    /// <param name="statistics">The model on its data.</param>
    /// <param name="priors">The priors; parts left out take their defaults.</param>
    /// <param name="options">Chains, iterations, seed.</param>
    /// <param name="cancel">Stops every chain at its next iteration; the draws so far are returned, marked interrupted.</param>
    /// <param name="progress">Told about four times a second where the chains are.</param>
    /// <param name="reml">The REML fit of the same model (the chains start around it); fitted here when null.</param>
    /// <param name="sink">Also receives every kept draw as it is made (the run directory streams them to disk).</param>
    public static PosteriorSample Sample(SufficientStatistics statistics, PriorSpec priors, SamplerOptions? options = null, CancellationToken cancel = default,
        IProgress<SamplerProgress>? progress = null, RemlFit? reml = null, IDrawSink? sink = null)
    {
        ArgumentNullException.ThrowIfNull(statistics);
        ArgumentNullException.ThrowIfNull(priors);
        options ??= new SamplerOptions();
        options.Validate();
        var resolved = PriorResolution.Resolve(priors, statistics);
        reml ??= Reml.Fit(statistics);
        int groupEffects = options.SaveGroupEffects ? int.MaxValue : 0;
        var names = GibbsChain.Names(statistics, resolved, groupEffects);
        int kept = (options.Iterations - options.Warmup) / options.Thin;
        var draws = names.Select(_ => new double[options.Chains * kept]).ToArray();
        var completed = new int[options.Chains];
        var reached = new int[options.Chains];
        var acceptance = new double[options.Chains];
        var channel = Channel.CreateBounded<Row>(new BoundedChannelOptions(1024) { SingleReader = true });
        var clock = Stopwatch.StartNew();
        using var warmupDone = new CountdownEvent(options.Chains);
        double warmupSeconds = 0;
        var initial = options.Initial is null ? ((double, double[][])?)null : InitialValues(options.Initial, statistics, reml);

        sink?.Begin(names, options.Chains);
        var collector = Task.Run(async () =>
        {
            await foreach (var row in channel.Reader.ReadAllAsync())
            {
                for (int p = 0; p < row.Values.Length; p++) draws[p][row.Chain * kept + row.Index] = row.Values[p];
                completed[row.Chain] = Math.Max(completed[row.Chain], row.Index + 1);
            }
        });

        void RunChain(int chainIndex)
        {
            var rng = ChainRandom(options.Seed, chainIndex);
            var (sigma2, sigma) = initial ?? Dispersed(reml, statistics, rng);
            var chain = new GibbsChain(statistics, resolved, rng, sigma2, sigma) { Adapting = true };
            var values = new List<double>(names.Count);
            try
            {
                for (int t = 0; t < options.Warmup && !cancel.IsCancellationRequested; t++)
                {
                    chain.Step();
                    Volatile.Write(ref reached[chainIndex], t + 1);
                }
            }
            finally
            {
                if (warmupDone.Signal()) warmupSeconds = clock.Elapsed.TotalSeconds;
            }
            chain.Adapting = false;
            for (int t = 0; t < kept * options.Thin; t++)
            {
                if (cancel.IsCancellationRequested) break;
                chain.Step();
                Volatile.Write(ref reached[chainIndex], options.Warmup + t + 1);
                if ((t + 1) % options.Thin != 0) continue;
                chain.Current(values, groupEffects);
                var row = values.ToArray();
                // The sink's work (formatting for disk) runs here, on every chain's thread, not in the one collector.
                sink?.Write(chainIndex, t / options.Thin, row);
                channel.Writer.WriteAsync(new Row(chainIndex, t / options.Thin, row)).AsTask().GetAwaiter().GetResult();
            }
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
            Priors = resolved.Complete,
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
    internal static Random ChainRandom(ulong seed, int chain) => new Statistics.ChainRandom(seed ^ ((ulong)(chain + 1) * 0xD1B54A32D192ED03UL));

    /// <summary>User-given initial variance parameters (by name), the REML estimates for the rest; checked to be a valid start.</summary>
    private static (double Sigma2, double[][] Sigma) InitialValues(IReadOnlyDictionary<string, double> given, SufficientStatistics s, RemlFit reml)
    {
        var known = new Dictionary<string, (int Level, int Row, int Col)>();
        if (!s.KnownResidualVariance) known[ParameterNames.ResidualVariance] = (-1, 0, 0);
        for (int k = 0; k < s.Levels.Count; k++)
        {
            var level = s.Levels[k];
            for (int a = 0; a < level.Size; a++)
            {
                known[ParameterNames.Variance(level.Grouping.Name, level.TermNames[a])] = (k, a, a);
                for (int b = a + 1; b < level.Size; b++)
                    if (level.Free[b, a]) known[ParameterNames.Covariance(level.Grouping.Name, level.TermNames[a], level.TermNames[b])] = (k, a, b);
            }
        }
        foreach (var name in given.Keys)
            if (!known.ContainsKey(name))
            {
                string closest = Data.Closest.Name(name, known.Keys);
                throw new ModelSpecificationException($"Initial value for '{name}': the model has no such variance parameter.{(closest.Length > 0 ? $" Did you mean '{closest}'?" : "")} It has {string.Join(", ", known.Keys)}.");
            }
        var (sigma2, sigma) = Centre(reml, s);
        foreach (var (name, value) in given)
        {
            var (k, r, c) = known[name];
            if (r == c && !(value > 0)) throw new ModelSpecificationException($"Initial value for '{name}' must be a positive variance, not {value}.");
            if (k < 0) sigma2 = value;
            else { int q = s.Levels[k].Size; sigma[k][r * q + c] = sigma[k][c * q + r] = value; }
        }
        for (int k = 0; k < sigma.Length; k++)
            if (!Statistics.Linalg.Dense.CholeskyInPlace((double[])sigma[k].Clone(), s.Levels[k].Size))
                throw new ModelSpecificationException($"The initial covariance matrix of '{s.Levels[k].Grouping.Name}' is not positive definite: make the covariances smaller.");
        return (sigma2, sigma);
    }

    /// <summary>The REML estimates as a start: σ² and each Σ_k, a variance at the boundary moved a little inside.</summary>
    private static (double Sigma2, double[][] Sigma) Centre(RemlFit reml, SufficientStatistics s)
    {
        var sigma = s.Levels.Select(level =>
        {
            int q = level.Size;
            var m = new double[q * q];
            foreach (var c in reml.Covariance.Where(c => c.Group == level.Grouping.Name))
            {
                int i = level.TermNames.ToList().IndexOf(c.Term1!), j = c.Term2 is null ? i : level.TermNames.ToList().IndexOf(c.Term2);
                m[i * q + j] = m[j * q + i] = c.Estimate;
            }
            for (int i = 0; i < q; i++) m[i * q + i] = Math.Max(m[i * q + i], 1e-2 * reml.ResidualVariance);
            var check = (double[])m.Clone();
            if (!Statistics.Linalg.Dense.CholeskyInPlace(check, q))
                for (int i = 0; i < q; i++) for (int j = 0; j < q; j++) if (i != j) m[i * q + j] = 0;
            return m;
        }).ToArray();
        return (s.KnownResidualVariance ? 1 : reml.ResidualVariance, sigma);
    }

    /// <summary>Initial values dispersed around the REML estimates, so that R̂ means something.</summary>
    private static (double Sigma2, double[][] Sigma) Dispersed(RemlFit reml, SufficientStatistics s, Random rng)
    {
        var (sigma2, sigma) = Centre(reml, s);
        if (!s.KnownResidualVariance) sigma2 *= Math.Exp(0.3 * rng.NextStandardNormal());
        // Every scale of a level is spread by a common factor, which keeps the matrix positive definite.
        foreach (var m in sigma)
        {
            double scale = Math.Exp(0.5 * rng.NextStandardNormal());
            for (int i = 0; i < m.Length; i++) m[i] *= scale;
        }
        return (sigma2, sigma);
    }
}
