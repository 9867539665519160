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
public sealed record PosteriorSample(DrawSet Draws, bool Interrupted, double WarmupSeconds, double SamplingSeconds, IReadOnlyList<double> AncillaryAcceptance);

/// <summary>
/// The blocked Gibbs sampler (MATH.md §5): chains in parallel, one task each, each with its own random stream
/// derived from the seed and the chain's index, so the draws are the same whatever the number of threads. Draws
/// stream through a bounded channel to the collector.
/// </summary>
public static class Gibbs
{
    private readonly record struct Row(int Chain, int Index, double[] Values);

    public static PosteriorSample Sample(SufficientStatistics statistics, PriorSpec priors, SamplerOptions? options = null, CancellationToken cancel = default)
    {
        ArgumentNullException.ThrowIfNull(statistics);
        ArgumentNullException.ThrowIfNull(priors);
        options ??= new SamplerOptions();
        options.Validate();
        var conjugate = PriorResolution.Resolve(priors, statistics);
        var reml = Reml.Fit(statistics);
        int groupEffects = options.SaveGroupEffects ? int.MaxValue : 0;
        var names = GibbsChain.Names(statistics, conjugate, groupEffects);
        int kept = (options.Iterations - options.Warmup) / options.Thin;
        var draws = names.Select(_ => new double[options.Chains * kept]).ToArray();
        var completed = new int[options.Chains];
        var acceptance = new double[options.Chains];
        var channel = Channel.CreateBounded<Row>(new BoundedChannelOptions(1024) { SingleReader = true });
        var clock = Stopwatch.StartNew();
        using var warmupDone = new CountdownEvent(options.Chains);
        double warmupSeconds = 0;

        var collector = Task.Run(async () =>
        {
            await foreach (var row in channel.Reader.ReadAllAsync())
            {
                for (int p = 0; p < row.Values.Length; p++) draws[p][row.Chain * kept + row.Index] = row.Values[p];
                completed[row.Chain] = Math.Max(completed[row.Chain], row.Index + 1);
            }
        });

        var parallel = new ParallelOptions { MaxDegreeOfParallelism = options.MaxParallelism ?? Environment.ProcessorCount };
        try
        {
        Parallel.For(0, options.Chains, parallel, chainIndex =>
        {
            var rng = ChainRandom(options.Seed, chainIndex);
            var (sigma2, sigma) = Dispersed(reml, statistics, rng);
            var chain = new GibbsChain(statistics, conjugate, rng, sigma2, sigma) { Adapting = true };
            var values = new List<double>(names.Count);
            try
            {
                for (int t = 0; t < options.Warmup && !cancel.IsCancellationRequested; t++) chain.Step();
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
                if ((t + 1) % options.Thin != 0) continue;
                chain.Current(values, groupEffects);
                channel.Writer.WriteAsync(new Row(chainIndex, t / options.Thin, values.ToArray())).AsTask().GetAwaiter().GetResult();
            }
            acceptance[chainIndex] = chain.AncillaryAcceptance;
        });
        }
        finally
        {
            // Complete the stream even when a chain failed, so the collector never waits for ever.
            channel.Writer.Complete();
        }
        collector.GetAwaiter().GetResult();
        double total = clock.Elapsed.TotalSeconds;

        int done = completed.Min();
        bool interrupted = done < kept;
        if (done < 4) throw new OperationCanceledException("Interrupted before every chain had 4 kept draws.", cancel);
        var final = interrupted ? draws.Select(d => Truncate(d, options.Chains, kept, done)).ToArray() : draws;
        return new PosteriorSample(new DrawSet(names, options.Chains, done, final), interrupted, warmupSeconds, total - warmupSeconds, acceptance);
    }

    private static double[] Truncate(double[] all, int chains, int kept, int done)
    {
        var r = new double[chains * done];
        for (int c = 0; c < chains; c++) Array.Copy(all, c * kept, r, c * done, done);
        return r;
    }

    /// <summary>One seeded stream per chain: SplitMix64 of (seed, chain) into a Xoshiro256** generator (STYLE.md §4).</summary>
    internal static Random ChainRandom(ulong seed, int chain)
    {
        ulong z = seed ^ ((ulong)(chain + 1) * 0x9E3779B97F4A7C15UL);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        z ^= z >> 31;
        return new MathNet.Numerics.Random.Xoshiro256StarStar((int)(z >> 33), threadSafe: false);
    }

    /// <summary>Initial values dispersed around the REML estimates, so that R̂ means something.</summary>
    private static (double Sigma2, double[][] Sigma) Dispersed(RemlFit reml, SufficientStatistics s, Random rng)
    {
        double sigma2 = s.KnownResidualVariance ? 1 : reml.ResidualVariance * Math.Exp(0.3 * rng.NextStandardNormal());
        var sigma = s.Levels.Select(level =>
        {
            int q = level.Size;
            var m = new double[q * q];
            foreach (var c in reml.Covariance.Where(c => c.Group == level.Grouping.Name))
            {
                int i = level.TermNames.ToList().IndexOf(c.Term1!), j = c.Term2 is null ? i : level.TermNames.ToList().IndexOf(c.Term2);
                m[i * q + j] = m[j * q + i] = c.Estimate;
            }
            // A variance at the boundary starts a little inside it; then every scale is spread by a common factor.
            double scale = Math.Exp(0.5 * rng.NextStandardNormal());
            for (int i = 0; i < q; i++) m[i * q + i] = Math.Max(m[i * q + i], 1e-2 * reml.ResidualVariance);
            var check = (double[])m.Clone();
            if (!Statistics.Linalg.Dense.CholeskyInPlace(check, q))
                for (int i = 0; i < q; i++) for (int j = 0; j < q; j++) if (i != j) m[i * q + j] = 0;
            for (int i = 0; i < q * q; i++) m[i] *= scale;
            return m;
        }).ToArray();
        return (sigma2, sigma);
    }
}
