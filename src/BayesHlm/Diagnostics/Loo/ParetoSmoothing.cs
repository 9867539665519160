namespace BayesHlm.Diagnostics.Loo;

/// <summary>
/// Pareto smoothed importance sampling of one observation, as loo 2.5.1's <c>do_psis_i</c>: the largest M log
/// ratios (M = ⌈min(0.2·S, 3·√(S / r_eff))⌉) are replaced by the expected order statistics of a generalized Pareto
/// distribution fitted to their exceedances over the next largest ratio, and every weight is then truncated at
/// the largest raw weight. The shape estimate k̂ is the reliability diagnostic; it is +∞ when the tail is too
/// short (M &lt; 5) or flat, and the weights are then left raw.
/// </summary>
public static class ParetoSmoothing
{
    private const int MinTailLength = 5;
    private const double MachineEpsilon = 2.220446049250313e-16; // R's .Machine$double.eps

    /// <summary>M, the number of largest draws whose weights are smoothed.</summary>
    /// <param name="draws">S, the number of draws.</param>
    /// <param name="relativeEfficiency">r_eff of the observation: MCMC ESS / S (1 for independent draws).</param>
    public static int TailLength(int draws, double relativeEfficiency)
    {
        if (!(relativeEfficiency > 0)) throw new ArgumentOutOfRangeException(nameof(relativeEfficiency), relativeEfficiency, "The relative efficiency must be positive.");
        return (int)Math.Ceiling(Math.Min(0.2 * draws, 3 * Math.Sqrt(draws / relativeEfficiency)));
    }

    /// <summary>Smooths one observation's log importance ratios and returns k̂.</summary>
    /// <param name="logRatios">The S log ratios (for leave-one-out, minus the observation's log-likelihood per draw).</param>
    /// <param name="relativeEfficiency">r_eff of the observation (sets the tail length).</param>
    /// <param name="smoothedLogWeights">Receives the S smoothed, unnormalised log weights, on the scale of the ratios.</param>
    public static double Smooth(ReadOnlySpan<double> logRatios, double relativeEfficiency, Span<double> smoothedLogWeights)
    {
        if (smoothedLogWeights.Length != logRatios.Length)
            throw new ArgumentException("One log weight per log ratio is needed.", nameof(smoothedLogWeights));
        return Smooth(logRatios, TailLength(logRatios.Length, relativeEfficiency), smoothedLogWeights, new double[logRatios.Length], new int[logRatios.Length]);
    }

    /// <summary>As the public overload with the tail length given and the caller's sort buffers (S each).</summary>
    internal static double Smooth(ReadOnlySpan<double> logRatios, int tailLength, Span<double> lw, Span<double> keys, Span<int> items)
    {
        int s = logRatios.Length;
        double max = LooMath.Max(logRatios);
        // Shifted so the largest is 0: exp() of the tail cannot overflow.
        for (int i = 0; i < s; i++) lw[i] = logRatios[i] - max;
        double k = double.PositiveInfinity;
        if (tailLength >= MinTailLength) k = SmoothTail(lw, tailLength, keys[..s], items[..s]);
        for (int i = 0; i < s; i++) lw[i] = Math.Min(lw[i], 0) + max;
        return k;
    }

    /// <summary>Replaces the largest <paramref name="tailLength"/> of the shifted log weights by their fitted
    /// quantiles; returns k̂ (+∞, weights unchanged, when the tail is flat or the fit undefined).</summary>
    private static double SmoothTail(Span<double> lw, int tailLength, Span<double> keys, Span<int> items)
    {
        int s = lw.Length;
        lw.CopyTo(keys);
        for (int i = 0; i < s; i++) items[i] = i;
        int cut = s - tailLength - 1;
        PartialSort.SortLargest(keys, items, tailLength + 1);
        var tail = keys[(cut + 1)..];
        var tailItems = items[(cut + 1)..];
        if (Math.Abs(tail[^1] - tail[0]) < MachineEpsilon / 100) return double.PositiveInfinity;
        double expCutoff = Math.Exp(keys[cut]);
        for (int j = 0; j < tail.Length; j++) tail[j] = Math.Exp(tail[j]) - expCutoff;
        var (k, sigma) = GeneralizedPareto.Fit(tail);
        if (!double.IsFinite(k)) return k;
        GeneralizedPareto.LogQuantilesAbove(k, sigma, expCutoff, tail);
        for (int j = 0; j < tail.Length; j++) lw[tailItems[j]] = tail[j];
        return k;
    }
}
