using System.Numerics;
using System.Runtime.InteropServices;

namespace BayesHlm.Diagnostics.Loo;

/// <summary>
/// The generalized Pareto distribution as loo 2.5.1 fits and uses it (R/gpdfit.R): the empirical-Bayes estimate
/// of Zhang and Stephens (2009, section 4) on a grid of 30 + ⌊√n⌋ points with their prior (p = 3), then the
/// shape shrunk towards 0.5 by a weakly informative prior worth 10 observations (Vehtari et al., "Pareto
/// smoothed importance sampling", appendix). The scale is computed before that shrinkage, as loo does.
/// </summary>
public static class GeneralizedPareto
{
    private const double Prior = 3;
    private const int MinGridPoints = 30;
    private const double WipObservations = 10;

    /// <summary>Fits shape k and scale σ to exceedances sorted ascending. k is +∞ when the fit is undefined (NaN).</summary>
    /// <param name="sortedExceedances">Values above the threshold minus the threshold, ascending; at least one.</param>
    public static (double K, double Sigma) Fit(ReadOnlySpan<double> sortedExceedances)
    {
        var x = sortedExceedances;
        int n = x.Length;
        if (n == 0) throw new ArgumentException("At least one exceedance is needed.", nameof(sortedExceedances));
        int m = MinGridPoints + (int)Math.Floor(Math.Sqrt(n));
        double xStar = x[(int)Math.Floor(n / 4.0 + 0.5) - 1]; // first quartile
        Span<double> theta = m <= 256 ? stackalloc double[m] : new double[m];
        Span<double> logLik = m <= 256 ? stackalloc double[m] : new double[m];
        for (int j = 0; j < m; j++)
        {
            theta[j] = 1 / x[n - 1] + (1 - Math.Sqrt(m / (j + 0.5))) / Prior / xStar;
            logLik[j] = n * ProfileLogLikelihood(theta[j], x);
        }
        double logNorm = LooMath.LogSumExp(logLik);
        double thetaHat = 0;
        for (int j = 0; j < m; j++) thetaHat += theta[j] * Math.Exp(logLik[j] - logNorm);
        double k = MeanLog1p(-thetaHat, x);
        double sigma = -k / thetaHat;
        k = k * n / (n + WipObservations) + WipObservations * 0.5 / (n + WipObservations);
        return (double.IsNaN(k) ? double.PositiveInfinity : k, sigma);
    }

    /// <summary>Quantile of the distribution at <paramref name="p"/>: σ(exp(−k·log1p(−p)) − 1)/k, as loo's qgpd
    /// (NaN when σ is not positive).</summary>
    /// <param name="p">Probability in (0, 1).</param>
    /// <param name="k">Shape.</param>
    /// <param name="sigma">Scale.</param>
    public static double Quantile(double p, double k, double sigma) =>
        double.IsNaN(sigma) || sigma <= 0 ? double.NaN : sigma * LooMath.Expm1(-k * LooMath.Log1p(-p)) / k;

    /// <summary>into_j = log(Quantile((j + 0.5)/n, k, σ) + shift) for j &lt; n = into.Length: PSIS's smoothed tail of n
    /// log weights, the expected order statistics above the cutoff exp(shift).</summary>
    internal static void LogQuantilesAbove(double k, double sigma, double shift, Span<double> into)
    {
        int n = into.Length, j = 0;
        if (double.IsNaN(sigma) || sigma <= 0) { into.Fill(double.NaN); return; }
        if (Vector.IsHardwareAccelerated)
        {
            int w = Vector<double>.Count;
            Span<double> offsets = stackalloc double[w];
            for (int l = 0; l < w; l++) offsets[l] = l + 0.5;
            var offset = new Vector<double>(offsets);
            var target = MemoryMarshal.Cast<double, Vector<double>>(into);
            for (; j + w <= n; j += w)
            {
                var p = (new Vector<double>(j) + offset) / new Vector<double>(n);
                var q = new Vector<double>(sigma) * LooMath.Expm1(new Vector<double>(-k) * LooMath.Log1p(-p)) / new Vector<double>(k);
                target[j / w] = Vector.Log(q + new Vector<double>(shift));
            }
        }
        for (; j < n; j++) into[j] = Math.Log(Quantile((j + 0.5) / n, k, sigma) + shift);
    }

    /// <summary>Zhang and Stephens' profile log-likelihood per observation at θ (loo's lx).</summary>
    private static double ProfileLogLikelihood(double theta, ReadOnlySpan<double> x)
    {
        double a = -theta;
        double k = MeanLog1p(a, x);
        return Math.Log(a / k) - k - 1;
    }

    private static double MeanLog1p(double a, ReadOnlySpan<double> x) => LooMath.SumLog1p(a, x) / x.Length;
}
