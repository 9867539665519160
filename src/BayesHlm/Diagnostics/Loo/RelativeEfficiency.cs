namespace BayesHlm.Diagnostics.Loo;

/// <summary>
/// r_eff, the MCMC effective sample size of each observation's likelihood exp(ll) divided by S, as loo 2.5.1's
/// <c>relative_eff(exp(ll), chain_id)</c> computes it. loo's <c>ess_rfun</c> is not posterior's ESS: chains are
/// not split, and its FFT autocovariance is scaled by M/n² where M is the next 2·3·5-smooth size ≥ n (so 1/n only
/// when n is such a size) — both reproduced here, since r_eff sets PSIS's tail length.
/// </summary>
public static class RelativeEfficiency
{
    /// <summary>r_eff of exp(ll) for every observation, in parallel.</summary>
    /// <param name="logLikelihood">The pointwise log-likelihood.</param>
    public static double[] Compute(PointwiseLogLikelihood logLikelihood)
    {
        ArgumentNullException.ThrowIfNull(logLikelihood);
        CheckChains(logLikelihood);
        var result = new double[logLikelihood.Observations];
        var pool = new System.Collections.Concurrent.ConcurrentBag<(LooEss Ess, double[] Lik)>();
        Parallel.For(0, result.Length,
            () => pool.TryTake(out var ws) ? ws : (Ess: new LooEss(logLikelihood.Chains, logLikelihood.DrawsPerChain), Lik: new double[logLikelihood.Draws]),
            (i, _, ws) =>
            {
                LooMath.Exp(logLikelihood.Observation(i), 0, ws.Lik);
                result[i] = ws.Ess.Relative(ws.Lik);
                return ws;
            },
            pool.Add);
        return result;
    }

    internal static void CheckChains(PointwiseLogLikelihood logLikelihood)
    {
        if (logLikelihood.DrawsPerChain < 2)
            throw new ArgumentException($"r_eff needs at least 2 draws per chain, not {logLikelihood.DrawsPerChain}; give r_eff instead (1 for independent draws).", nameof(logLikelihood));
    }

    /// <summary>ESS / S of <paramref name="values"/> (loo's <c>ess_rfun</c> divided by S).</summary>
    /// <param name="values">Draws of one quantity, chain after chain, chains of equal length (at least 2 draws each).</param>
    /// <param name="chains">Number of chains.</param>
    public static double OfDraws(ReadOnlySpan<double> values, int chains)
    {
        if (chains < 1 || values.Length % chains != 0 || values.Length / chains < 2)
            throw new ArgumentException($"{values.Length} draws do not make {chains} chains of equal length (at least 2 draws each).", nameof(values));
        return new LooEss(chains, values.Length / chains).Relative(values);
    }
}
