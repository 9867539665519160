namespace BayesHlm.Diagnostics.Loo;

/// <summary>WAIC as loo 2.5.1's <c>waic()</c>: per observation lpd_i = log mean_s exp(ll_is), p_waic_i = var_s(ll_is)
/// (N − 1 denominator), elpd_waic_i = lpd_i − p_waic_i, waic_i = −2 elpd_waic_i; sums with SE √(N·var).</summary>
public sealed class Waic
{
    /// <summary>loo warns when some p_waic_i exceeds this and recommends PSIS-LOO instead.</summary>
    public const double PWaicWarningThreshold = 0.4;

    private Waic(double[] elpd, double[] p)
    {
        PointwiseElpdWaic = elpd;
        PointwisePWaic = p;
        ElpdWaic = LooEstimate.Of(elpd);
        PWaic = LooEstimate.Of(p);
        Criterion = LooEstimate.Of(elpd.Select(e => -2 * e).ToArray());
        LargePWaicCount = p.Count(v => v > PWaicWarningThreshold);
    }

    /// <summary>WAIC from its pointwise values (elpd_waic_i, p_waic_i), computed block by block.</summary>
    internal static Waic FromPointwise(double[] elpd, double[] p) => new(elpd, p);

    /// <summary>WAIC of the pointwise log-likelihood.</summary>
    /// <param name="logLikelihood">The pointwise log-likelihood.</param>
    public static Waic Compute(PointwiseLogLikelihood logLikelihood)
    {
        ArgumentNullException.ThrowIfNull(logLikelihood);
        int n = logLikelihood.Observations;
        double[] elpd = new double[n], p = new double[n];
        double logS = Math.Log(logLikelihood.Draws);
        Parallel.For(0, n, i =>
        {
            var ll = logLikelihood.Observation(i);
            p[i] = ConvergenceMath.SampleVariance(ll);
            elpd[i] = LooMath.LogSumExp(ll) - logS - p[i];
        });
        return new Waic(elpd, p);
    }

    /// <summary>Σ elpd_waic_i.</summary>
    public LooEstimate ElpdWaic { get; }

    /// <summary>Σ p_waic_i, the effective number of parameters.</summary>
    public LooEstimate PWaic { get; }

    /// <summary>waic = −2 · elpd_waic.</summary>
    public LooEstimate Criterion { get; }

    /// <summary>elpd_waic_i per observation.</summary>
    public IReadOnlyList<double> PointwiseElpdWaic { get; }

    /// <summary>p_waic_i per observation.</summary>
    public IReadOnlyList<double> PointwisePWaic { get; }

    /// <summary>Observations with p_waic_i above 0.4, for loo's warning.</summary>
    public int LargePWaicCount { get; }
}
