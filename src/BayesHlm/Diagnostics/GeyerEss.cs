namespace BayesHlm.Diagnostics;

/// <summary>
/// The effective sample size of chains of equal length from their centred draws on, as the same R code computes it
/// in posterior (<c>.ess</c>) and in loo (<c>ess_rfun</c>): the mean over chains of each lag's autocovariance,
/// Geyer's initial positive and monotone sequences, the improved (antithetic-safe) estimate capped at
/// ESS·log10(ESS). The two packages differ only in what divides a lag's sum Σ y_t y_{t+k}, which the caller gives.
/// Autocovariances are summed directly as the sequence asks for them — it usually stops within a few dozen lags,
/// where direct sums cost less than transforms; past half the chain every lag is computed at once by FFT.
/// One instance works on one buffer, which the caller refills before each <see cref="Ess"/> (which centres it).
/// </summary>
internal sealed class GeyerEss
{
    private readonly int _chains, _n;
    private readonly double _lagDivisor;
    private readonly double[] _draws;
    private readonly double[] _chainMeans;
    private readonly double[] _acovMeans;  // mean over chains of the scaled lag sums, per lag
    private readonly double[] _rho;
    private readonly Autocovariance _fft;
    private int _lagsDone;

    /// <param name="chains">Number of chains.</param>
    /// <param name="n">Draws per chain, at least 2.</param>
    /// <param name="draws">chains × n values, chain after chain, filled by the caller.</param>
    /// <param name="lagDivisor">What divides a lag sum: n for the biased autocovariance (posterior).</param>
    public GeyerEss(int chains, int n, double[] draws, double lagDivisor)
    {
        _chains = chains;
        _n = n;
        _draws = draws;
        _chainMeans = new double[chains];
        _lagDivisor = lagDivisor;
        _acovMeans = new double[n];
        _rho = new double[n];
        _fft = new Autocovariance(n);
    }

    /// <summary>ESS of the chains now in the buffer; centres each chain in place.</summary>
    public double Ess()
    {
        int m = _chains, n = _n;
        for (int c = 0; c < m; c++)
        {
            var chain = _draws.AsSpan(c * n, n);
            double mean = 0;
            foreach (double v in chain) mean += v;
            mean /= n;
            _chainMeans[c] = mean;
            for (int i = 0; i < n; i++) chain[i] -= mean;
        }
        _lagsDone = 0;
        double meanVar = AcovMean(0) * n / (n - 1);
        double varPlus = meanVar * (n - 1) / n;
        if (m > 1) varPlus += ConvergenceMath.SampleVariance(_chainMeans);

        // Geyer's initial positive sequence (R's 1-based indices, 0-based).
        var rho = _rho;
        Array.Clear(rho);
        int t0 = 0;
        double rhoEven = 1, rhoOdd = 1 - (meanVar - AcovMean(1)) / varPlus;
        rho[0] = rhoEven;
        rho[1] = rhoOdd;
        while (t0 < n - 5 && !double.IsNaN(rhoEven + rhoOdd) && rhoEven + rhoOdd > 0)
        {
            t0 += 2;
            rhoEven = 1 - (meanVar - AcovMean(t0)) / varPlus;
            rhoOdd = 1 - (meanVar - AcovMean(t0 + 1)) / varPlus;
            if (rhoEven + rhoOdd >= 0)
            {
                rho[t0] = rhoEven;
                rho[t0 + 1] = rhoOdd;
            }
        }
        int maxT = t0;
        if (rhoEven > 0) rho[maxT] = rhoEven;
        // Geyer's initial monotone sequence.
        for (int t = 2; t <= maxT - 2; t += 2)
        {
            if (rho[t] + rho[t + 1] > rho[t - 2] + rho[t - 1])
            {
                rho[t] = (rho[t - 2] + rho[t - 1]) / 2;
                rho[t + 1] = rho[t];
            }
        }
        double ess = (double)m * n;
        // R's sum(rho_hat_t[1:max_t]): for max_t = 0, 1:0 is c(1, 0), which picks the first element.
        double sum = maxT == 0 ? rho[0] : 0;
        for (int k = 0; k < maxT; k++) sum += rho[k];
        // The improved estimate, capped at ESS·log10(ESS) against antithetic noise; a NaN stays NaN as in R.
        double tau = Math.Max(-1 + 2 * sum + rho[maxT], 1 / Math.Log10(ess));
        return ess / tau;
    }

    /// <summary>Mean over chains of the lag sum at <paramref name="lag"/> over the divisor.</summary>
    private double AcovMean(int lag)
    {
        if (lag < _lagsDone) return _acovMeans[lag];
        int m = _chains, n = _n;
        if (lag < Math.Max(32, n / 2))
        {
            for (int t = _lagsDone; t <= lag; t++)
            {
                double s = 0;
                for (int c = 0; c < m; c++)
                {
                    var y = _draws.AsSpan(c * n, n);
                    s += Dot(y[..(n - t)], y[t..]) / _lagDivisor;
                }
                _acovMeans[t] = s / m;
            }
            _lagsDone = lag + 1;
            return _acovMeans[lag];
        }
        Array.Clear(_acovMeans);
        for (int c = 0; c < m; c++) _fft.AddBiased(_draws.AsSpan(c * n, n), _acovMeans);
        // AddBiased adds lag sums / n; the factor is exactly 1 for posterior's divisor n.
        double factor = n / _lagDivisor;
        for (int t = 0; t < n; t++) _acovMeans[t] = _acovMeans[t] * factor / m;
        _lagsDone = n;
        return _acovMeans[lag];
    }

    /// <summary>Σ a_i b_i with SIMD lanes and two accumulators (the autocovariance sums are the hot loop of the ESS).</summary>
    private static double Dot(ReadOnlySpan<double> a, ReadOnlySpan<double> b)
    {
        int n = Math.Min(a.Length, b.Length), i = 0;
        double sum = 0;
        if (System.Numerics.Vector.IsHardwareAccelerated)
        {
            int w = System.Numerics.Vector<double>.Count;
            ref double ra = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(a);
            ref double rb = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(b);
            var acc1 = System.Numerics.Vector<double>.Zero;
            var acc2 = System.Numerics.Vector<double>.Zero;
            for (; i <= n - 2 * w; i += 2 * w)
            {
                acc1 += System.Numerics.Vector.LoadUnsafe(ref ra, (nuint)i) * System.Numerics.Vector.LoadUnsafe(ref rb, (nuint)i);
                acc2 += System.Numerics.Vector.LoadUnsafe(ref ra, (nuint)(i + w)) * System.Numerics.Vector.LoadUnsafe(ref rb, (nuint)(i + w));
            }
            sum = System.Numerics.Vector.Sum(acc1 + acc2);
        }
        for (; i < n; i++) sum += a[i] * b[i];
        return sum;
    }
}
