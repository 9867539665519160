namespace BayesHlm.Diagnostics.Loo;

/// <summary>
/// loo's <c>ess_rfun</c> for draws of one shape (chains × n), a workspace whose buffers are made once.
/// Autocovariances are summed directly lag by lag as Geyer's sequence asks for them (it usually stops within a
/// few lags); past half the chain every lag is taken at once by FFT. Either way they are exact lag sums, so the
/// result differs from R's FFT only by rounding.
/// </summary>
internal sealed class LooEss
{
    private readonly int _chains, _n;
    private readonly double _scale;        // loo's M/n² on a lag sum, M = fft_next_good_size(n)
    private readonly double[] _centred;    // chain-major, each chain minus its own mean
    private readonly double[] _chainMean;
    private readonly double[] _acovMeans;  // mean over chains of the scaled autocovariance, per lag
    private readonly double[] _rho;
    private readonly Autocovariance _fft;
    private int _lagsDone;

    public LooEss(int chains, int n)
    {
        if (n < 2) throw new ArgumentOutOfRangeException(nameof(n), n, "At least 2 draws per chain are needed.");
        _chains = chains;
        _n = n;
        _scale = (double)NextGoodSize(n) / ((double)n * n);
        _centred = new double[chains * n];
        _chainMean = new double[chains];
        _acovMeans = new double[n];
        _rho = new double[n];
        _fft = new Autocovariance(n);
    }

    /// <summary>ESS / S of <paramref name="values"/> (chains × n, chain after chain).</summary>
    public double Relative(ReadOnlySpan<double> values) => Ess(values) / values.Length;

    /// <summary>loo's <c>ess_rfun</c>, step for step (R's 1-based indices become 0-based).</summary>
    public double Ess(ReadOnlySpan<double> values)
    {
        int m = _chains, n = _n;
        for (int c = 0; c < m; c++)
        {
            var chain = values.Slice(c * n, n);
            double mean = 0;
            foreach (double v in chain) mean += v;
            mean /= n;
            _chainMean[c] = mean;
            var centred = _centred.AsSpan(c * n, n);
            for (int t = 0; t < n; t++) centred[t] = chain[t] - mean;
        }
        _lagsDone = 0;
        double meanVar = AcovMean(0) * n / (n - 1);
        double varPlus = meanVar * (n - 1) / n;
        if (m > 1) varPlus += LooEstimate.SampleVariance(_chainMean);

        // Geyer's initial positive sequence.
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
        double tau = -1 + 2 * sum + rho[maxT];
        // R's max() keeps a NaN; Math.Max does too.
        tau = Math.Max(tau, 1 / Math.Log10(ess));
        return ess / tau;
    }

    /// <summary>Mean over chains of loo's autocovariance at <paramref name="lag"/>.</summary>
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
                    var y = _centred.AsSpan(c * n, n);
                    s += ConvergenceMath.Dot(y[..(n - t)], y[t..]) * _scale;
                }
                _acovMeans[t] = s / m;
            }
            _lagsDone = lag + 1;
            return _acovMeans[lag];
        }
        Array.Clear(_acovMeans);
        for (int c = 0; c < m; c++) _fft.AddBiased(_centred.AsSpan(c * n, n), _acovMeans);
        // AddBiased gives lag sums / n; loo's scale is M / n².
        double factor = _scale * n / m;
        for (int t = 0; t < n; t++) _acovMeans[t] *= factor;
        _lagsDone = n;
        return _acovMeans[lag];
    }

    /// <summary>loo's fft_next_good_size: the smallest N' ≥ N whose only prime factors are 2, 3 and 5 (2 for N ≤ 2).</summary>
    internal static int NextGoodSize(int n)
    {
        if (n <= 2) return 2;
        for (; ; n++)
        {
            int m = n;
            while (m % 2 == 0) m /= 2;
            while (m % 3 == 0) m /= 3;
            while (m % 5 == 0) m /= 5;
            if (m <= 1) return n;
        }
    }
}
