namespace BayesHlm.Diagnostics.Loo;

/// <summary>
/// loo's <c>ess_rfun</c> for draws of one shape (chains × n), a workspace whose buffers are made once. It is
/// posterior's ESS (<see cref="GeyerEss"/>) on the chains as they are, not split, with loo's own FFT scaling:
/// loo divides a lag sum by n²/M, M the next 2·3·5-smooth size ≥ n (its fft_next_good_size), so not by n unless n
/// is such a size.
/// </summary>
internal sealed class LooEss
{
    private readonly int _chains, _n;
    private readonly double[] _centred;    // chain-major, each chain minus its own mean
    private readonly double[] _chainMean;
    private readonly GeyerEss _ess;

    public LooEss(int chains, int n)
    {
        if (n < 2) throw new ArgumentOutOfRangeException(nameof(n), n, "At least 2 draws per chain are needed.");
        _chains = chains;
        _n = n;
        _centred = new double[chains * n];
        _chainMean = new double[chains];
        _ess = new GeyerEss(chains, n, _centred, (double)n * n / NextGoodSize(n));
    }

    /// <summary>ESS / S of <paramref name="values"/> (chains × n, chain after chain).</summary>
    public double Relative(ReadOnlySpan<double> values)
    {
        int n = _n;
        for (int c = 0; c < _chains; c++)
        {
            var chain = values.Slice(c * n, n);
            double mean = 0;
            foreach (double v in chain) mean += v;
            mean /= n;
            _chainMean[c] = mean;
            var centred = _centred.AsSpan(c * n, n);
            for (int t = 0; t < n; t++) centred[t] = chain[t] - mean;
        }
        return _ess.Ess(_chainMean) / values.Length;
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
