namespace BayesHlm.Diagnostics.Loo;

/// <summary>
/// loo's <c>ess_rfun</c> for draws of one shape (chains × n), a workspace whose buffers are made once. It is
/// posterior's ESS (<see cref="GeyerEss"/>) on the chains as they are, not split, with loo's own FFT scaling:
/// loo divides a lag sum by n²/M, M the next 2·3·5-smooth size ≥ n (its fft_next_good_size), so not by n unless n
/// is such a size.
/// </summary>
internal sealed class LooEss
{
    private readonly double[] _draws;
    private readonly GeyerEss _ess;

    public LooEss(int chains, int n)
    {
        if (n < 2) throw new ArgumentOutOfRangeException(nameof(n), n, "At least 2 draws per chain are needed.");
        _draws = new double[chains * n];
        _ess = new GeyerEss(chains, n, _draws, (double)n * n / NextGoodSize(n));
    }

    /// <summary>ESS / S of <paramref name="values"/> (chains × n, chain after chain).</summary>
    public double Relative(ReadOnlySpan<double> values)
    {
        values.CopyTo(_draws);
        return _ess.Ess() / values.Length;
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
