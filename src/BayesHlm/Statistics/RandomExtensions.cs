namespace BayesHlm.Statistics;

/// <summary>Normal variates from a chain's own random stream (STYLE.md §4: every draw receives its generator).</summary>
internal static class RandomExtensions
{
    /// <summary>A standard normal variate: the ziggurat of a <see cref="ChainRandom"/>, else Box–Muller. Inlined with the
    /// ziggurat's common case, so a sampler's normal costs no call.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    public static double NextStandardNormal(this Random rng) => rng is ChainRandom chain ? chain.NextNormal() : BoxMuller(rng);

    private static double BoxMuller(Random rng) => Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());
}
