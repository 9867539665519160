namespace BayesHlm.Diagnostics.Loo;

/// <summary>
/// The leave-one-out computation of one observation (loo 2.5.1's <c>do_psis_i</c>, <c>pointwise_loo_calcs</c>
/// and <c>mcse_elpd</c>) with buffers made once per thread, so the loop over observations allocates nothing.
/// </summary>
internal sealed class LooObservation
{
    /// <summary>Blom's approximate normal order statistics qnorm((r − 3/8)/(n − 3/4 + 1)), r = 1..1000: loo's
    /// mcse_elpd maps the normal approximation of the predictive density through log at these points.</summary>
    private static readonly double[] BlomScores = Enumerable.Range(1, 1000)
        .Select(r => ConvergenceMath.NormalQuantile((r - 0.375) / (1000 - 2 * 0.375 + 1))).ToArray();

    private readonly int _draws;
    private readonly LooEss? _ess;  // null when chains are too short for r_eff, which must then be given
    private readonly double[] _likelihood, _work, _logWeights, _keys;
    private readonly int[] _items;
    private readonly double[] _logZ = new double[BlomScores.Length];

    public LooObservation(int draws, int chains)
    {
        _draws = draws;
        _ess = draws / chains >= 2 ? new LooEss(chains, draws / chains) : null;
        _likelihood = new double[draws];
        _work = new double[draws];
        _logWeights = new double[draws];
        _keys = new double[draws];
        _items = new int[draws];
    }

    public readonly record struct Result(double ElpdLoo, double PLoo, double ParetoK, double NEff, double Mcse, double RelativeEfficiency);

    /// <param name="ll">The observation's log-likelihood under each draw, chain after chain.</param>
    /// <param name="relativeEfficiency">r_eff, or null to compute it from exp(ll) as loo's relative_eff.</param>
    public Result Compute(ReadOnlySpan<double> ll, double? relativeEfficiency)
    {
        int s = _draws;
        var lik = _likelihood.AsSpan();
        LooMath.Exp(ll, 0, lik);
        double rEff = relativeEfficiency ?? _ess!.Relative(lik);
        // Only an exp(ll) that overflows makes r_eff NaN; the caller names the observation.
        if (!(rEff > 0)) return new Result(double.NaN, double.NaN, double.NaN, double.NaN, double.NaN, rEff);

        var ratios = _work.AsSpan();
        for (int d = 0; d < s; d++) ratios[d] = -ll[d];
        var lw = _logWeights.AsSpan();
        double k = ParetoSmoothing.Smooth(ratios, ParetoSmoothing.TailLength(s, rEff), lw, _keys, _items);

        // Normalised weights: lw − log Σ exp(lw).
        double logNorm = LooMath.LogSumExp(lw);
        var w = _work.AsSpan();
        for (int d = 0; d < s; d++) lw[d] -= logNorm;
        LooMath.Exp(lw, 0, w);
        double sumW2 = 0;
        foreach (double v in w) sumW2 += v * v;
        var sum = _keys.AsSpan();
        for (int d = 0; d < s; d++) sum[d] = ll[d] + lw[d];
        double elpd = LooMath.LogSumExp(sum);
        double lpd = LooMath.LogSumExp(ll) - Math.Log(s);
        return new Result(elpd, lpd - elpd, k, rEff / sumW2, Mcse(lik, w, elpd, rEff), rEff);
    }

    /// <summary>loo's mcse_elpd: the variance of the importance-sampling estimate of exp(elpd) from the normalised
    /// weights, carried to the log scale by the variance of log at 1000 normal order statistics, over r_eff.</summary>
    private double Mcse(ReadOnlySpan<double> lik, ReadOnlySpan<double> w, double elpd, double rEff)
    {
        double eEpd = Math.Exp(elpd);
        double varEpd = 0;
        for (int d = 0; d < lik.Length; d++)
        {
            double dev = lik[d] - eEpd;
            varEpd += w[d] * w[d] * dev * dev;
        }
        double sd = Math.Sqrt(varEpd);
        int count = 0;
        foreach (double zn in BlomScores)
        {
            double z = eEpd + sd * zn;
            if (z > 0) _logZ[count++] = Math.Log(z);
        }
        return Math.Sqrt(ConvergenceMath.SampleVariance(_logZ.AsSpan(0, count)) / rEff);
    }
}
