namespace BayesHlm.Diagnostics.Loo;

/// <summary>
/// Leave-one-out cross-validation by Pareto smoothed importance sampling, computed as loo 2.5.1's
/// <c>loo(ll, r_eff = relative_eff(exp(ll), chain_id))</c>: per observation, PSIS of the ratios −ll, normalised
/// weights, elpd_loo_i = log Σ w_s exp(ll_s), p_loo_i = lpd_i − elpd_loo_i, n_eff = r_eff / Σ w², and loo's Monte
/// Carlo SE. Observations are independent, so they are computed in parallel, each thread with its own buffers.
/// </summary>
public static class PsisLoo
{
    /// <summary>PSIS-LOO with r_eff computed from the draws' chains (loo's <c>relative_eff(exp(ll), chain_id)</c>).</summary>
    /// <param name="logLikelihood">The pointwise log-likelihood.</param>
    public static LooResult Compute(PointwiseLogLikelihood logLikelihood) => Compute(logLikelihood, null);

    /// <summary>PSIS-LOO with the given r_eff per observation (all 1 for independent draws), or computed when null.</summary>
    /// <param name="logLikelihood">The pointwise log-likelihood.</param>
    /// <param name="relativeEfficiency">r_eff per observation, positive; null to compute it from the chains.</param>
    public static LooResult Compute(PointwiseLogLikelihood logLikelihood, IReadOnlyList<double>? relativeEfficiency)
    {
        ArgumentNullException.ThrowIfNull(logLikelihood);
        int n = logLikelihood.Observations, s = logLikelihood.Draws;
        if (relativeEfficiency is not null && relativeEfficiency.Count != n)
            throw new ArgumentException($"One r_eff per observation ({n}) is needed, not {relativeEfficiency.Count}.", nameof(relativeEfficiency));
        if (relativeEfficiency is null) RelativeEfficiency.CheckChains(logLikelihood);
        foreach (double r in relativeEfficiency ?? [])
            if (!(r > 0) || double.IsPositiveInfinity(r)) throw new ArgumentException($"r_eff must be positive and finite, not {r}.", nameof(relativeEfficiency));
        double[] elpd = new double[n], pLoo = new double[n], k = new double[n], nEff = new double[n], mcse = new double[n], rEff = new double[n];
        // Parallel.For starts many more tasks than threads: workspaces (a few hundred kB each) go back to a pool.
        var pool = new System.Collections.Concurrent.ConcurrentBag<LooObservation>();
        Parallel.For(0, n,
            () => pool.TryTake(out var ws) ? ws : new LooObservation(s, logLikelihood.Chains),
            (i, _, ws) =>
            {
                var r = ws.Compute(logLikelihood.Observation(i), relativeEfficiency?[i]);
                (elpd[i], pLoo[i], k[i], nEff[i], mcse[i], rEff[i]) = (r.ElpdLoo, r.PLoo, r.ParetoK, r.NEff, r.Mcse, r.RelativeEfficiency);
                return ws;
            },
            pool.Add);
        if (Array.FindIndex(rEff, r => !(r > 0)) is var i and >= 0)
            throw new DataException($"The relative efficiency of observation '{logLikelihood.Names[i]}' is {rEff[i]}: exp of its log-likelihood " +
                                    "overflows (values above 709). Check that the file holds log-likelihoods, not likelihoods or deviances.");
        return new LooResult(s, logLikelihood.Names, elpd, pLoo, k, nEff, mcse, rEff);
    }
}
