namespace BayesHlm.Diagnostics;

/// <summary>
/// R̂, ESS and MCSE as defined by Vehtari, Gelman, Simpson, Carpenter and Bürkner (2021) and implemented by
/// the R package posterior: split chains, rank normalisation (Blom's offset 3/8), folding, Geyer's initial
/// positive and monotone sequences, the improved (antithetic-safe) estimate capped at ESS·log10(ESS).
/// One instance is a workspace for draws of one shape (chains × iterations); its buffers are made once,
/// so the per-parameter loops allocate nothing. <see cref="Sort"/> takes one parameter's draws and returns
/// them as <see cref="SortedDraws"/>, which carries every statistic of those draws: nothing can be asked of
/// draws that were not sorted, nor of draws other than the ones sorted (a view goes stale, and throws, once
/// the workspace sorts another parameter). The ESS and R̂ need draws that are finite and not constant: the
/// caller (<see cref="PosteriorSummary"/>) checks that once per parameter, where the answer is NaN anyway.
/// </summary>
internal sealed class ConvergenceMath
{
    private readonly int _chains, _iterations, _total, _half, _splitChains;
    private readonly double[] _split;      // split-chain values being analysed (2·chains × half)
    private readonly double[] _chainMean;
    private readonly double[] _zOfRank;    // qnorm((r − 3/8)/(S + 1/4)) for integer ranks r of the split draws
    private readonly int[] _order;
    private readonly double[] _sorted;
    private readonly GeyerEss _ess;        // over _split, which it centres in place
    private readonly double[] _transformed; // folded or squared draws

    public ConvergenceMath(int chains, int iterations)
    {
        _chains = chains;
        _iterations = iterations;
        _total = chains * iterations;
        _half = iterations / 2;
        _splitChains = 2 * chains;
        _split = new double[_splitChains * _half];
        _chainMean = new double[_splitChains];
        _order = new int[_total];
        _sorted = new double[_total];
        int splitTotal = _splitChains * _half;
        _zOfRank = new double[splitTotal + 1];
        for (int r = 1; r <= splitTotal; r++) _zOfRank[r] = NormalQuantile((r - 0.375) / (splitTotal + 0.25));
        _ess = new GeyerEss(_splitChains, _half, _split, _half);
        _transformed = new double[_total];
        _radix = new RadixSort(_total);
        _bulk = new double[_split.Length];
        _foldOrder = new int[_total];
        _foldValues = new double[_total];
        _splitPosition = new int[_total];
        int second = _iterations - _half;
        for (int c = 0; c < _chains; c++)
            for (int t = 0; t < _iterations; t++)
                _splitPosition[c * _iterations + t] = t < _half ? 2 * c * _half + t : t >= second ? (2 * c + 1) * _half + (t - second) : -1;
    }

    private readonly RadixSort _radix;
    private readonly double[] _bulk;         // rank-normalised split draws of the last sort
    private bool _bulkReady;

    /// <summary>The rank-normalised split draws into the split buffer, computed once per sort.</summary>
    private void BulkIntoSplit()
    {
        if (!_bulkReady)
        {
            RankNormaliseInto(_order, _sorted);
            _split.CopyTo(_bulk, 0);
            _bulkReady = true;
        }
        else _bulk.CopyTo(_split, 0);
    }
    private readonly int[] _foldOrder;       // draw indices by increasing distance from the median
    private readonly double[] _foldValues;   // those distances, in that order
    private readonly int[] _splitPosition;   // draw index → position among the split chains, −1 for a dropped middle draw

    /// <summary>Rank-normalises into the split buffer the draws listed in <paramref name="order"/> with ascending
    /// <paramref name="values"/>: ranks among the draws the split keeps, ties averaged, z = Φ⁻¹((r − 3/8)/(S + 1/4)).
    /// One pass, no sort: the order comes from the single sort of the draws.</summary>
    private void RankNormaliseInto(ReadOnlySpan<int> order, ReadOnlySpan<double> values)
    {
        int n = order.Length, total = _split.Length, rank = 0, start = 0;
        while (start < n)
        {
            int end = start + 1;
            while (end < n && values[end] == values[start]) end++;
            int kept = 0;
            for (int k = start; k < end; k++) if (_splitPosition[order[k]] >= 0) kept++;
            if (kept > 0)
            {
                double z = kept == 1 ? _zOfRank[rank + 1] : NormalQuantile((rank + (kept + 1) / 2.0 - 0.375) / (total + 0.25));
                for (int k = start; k < end; k++)
                {
                    int pos = _splitPosition[order[k]];
                    if (pos >= 0) _split[pos] = z;
                }
            }
            rank += kept;
            start = end;
        }
    }

    /// <summary>The draws ordered by their distance from the median, merged outward from the middle of the sorted
    /// draws (no second sort); the two middle draws resolved as <paramref name="middle"/> says.</summary>
    private void FoldFromSorted(double median, MiddlePair middle)
    {
        int n = _total, lo = (n - 1) / 2, hi = n / 2, k = 0;
        if (lo == hi) { _foldOrder[k] = _order[lo]; _foldValues[k++] = Math.Abs(_sorted[lo] - median); lo--; hi++; }
        else
        {
            // Equally far from the median by its definition (see MiddlePair).
            double half = (_sorted[hi] - _sorted[lo]) / 2;
            bool lowFirst = middle != MiddlePair.HighCloser;
            _foldOrder[k] = lowFirst ? _order[lo] : _order[hi];
            _foldValues[k++] = half;
            _foldOrder[k] = lowFirst ? _order[hi] : _order[lo];
            _foldValues[k++] = middle == MiddlePair.Tied ? half : Math.BitIncrement(half);
            lo--; hi++;
        }
        while (lo >= 0 || hi < n)
        {
            double left = lo >= 0 ? median - _sorted[lo] : double.PositiveInfinity;
            double right = hi < n ? _sorted[hi] - median : double.PositiveInfinity;
            if (left <= right) { _foldOrder[k] = _order[lo]; _foldValues[k++] = Math.Abs(_sorted[lo] - median); lo--; }
            else { _foldOrder[k] = _order[hi]; _foldValues[k++] = Math.Abs(_sorted[hi] - median); hi++; }
        }
    }

    /// <summary>Median absolute deviation about <paramref name="median"/>, the median of the sorted draws (unscaled).</summary>
    internal double MedianAbsoluteDeviation(double median)
    {
        FoldFromSorted(median, MiddlePair.Tied);
        // Only the two smallest distances were touched; the median distance is unaffected for n ≥ 4.
        return Median(_foldValues);
    }

    /// <summary>Sorts one parameter's draws (chains × iterations, chain by chain) into the workspace and returns
    /// them with their statistics. Sorting again, for the next parameter, makes the returned view stale.</summary>
    public SortedDraws Sort(ReadOnlySpan<double> x)
    {
        if (x.Length != _total) throw new ArgumentException($"Expected {_total} draws ({_chains} chains × {_iterations}), got {x.Length}.", nameof(x));
        bool hasNaN = false;
        foreach (double v in x) if (double.IsNaN(v)) { hasNaN = true; break; }
        if (hasNaN)
        {
            x.CopyTo(_sorted);
            for (int i = 0; i < _total; i++) _order[i] = i;
            Array.Sort(_sorted, _order);
        }
        else _radix.Sort(x, _sorted, _order);
        _bulkReady = false;
        _generation++;
        return new SortedDraws(this, x, _generation);
    }

    /// <summary>Counts sorts, so that a <see cref="SortedDraws"/> can tell whether the workspace still holds its draws.</summary>
    private int _generation;

    internal void EnsureCurrent(int generation)
    {
        if (generation != _generation)
            throw new InvalidOperationException("These sorted draws are stale: the workspace has since sorted other draws.");
    }

    internal ReadOnlySpan<double> Sorted => _sorted;

    /// <summary>R's quantile type 7, with R's arithmetic: (1 − h)·x_lo + h·x_hi.</summary>
    public static double Quantile(ReadOnlySpan<double> sorted, double p)
    {
        int n = sorted.Length;
        double index = (n - 1) * p;
        int lo = (int)Math.Floor(index);
        if (lo >= n - 1) return sorted[n - 1];
        double h = index - lo;
        return h == 0 || sorted[lo + 1] == sorted[lo] ? sorted[lo] : (1 - h) * sorted[lo] + h * sorted[lo + 1];
    }

    /// <summary>R's median: for an even count the mean of the two middle values, which R forms in extended
    /// precision — the correctly rounded midpoint. a/2 + b/2 rounds once and gives the same; (a + b)/2 can be
    /// an ulp off, and that ulp decides ties when draws are folded around the median.</summary>
    public static double Median(ReadOnlySpan<double> sorted)
    {
        int n = sorted.Length;
        return n % 2 == 1 ? sorted[n / 2] : sorted[n / 2 - 1] / 2 + sorted[n / 2] / 2;
    }

    // ---- split chains ------------------------------------------------------------------------------

    /// <summary>Copies x split into 2·chains halves (the middle draw of an odd-length chain dropped, as posterior does).</summary>
    private void SplitInto(ReadOnlySpan<double> x, Span<double> split)
    {
        int second = _iterations - _half; // posterior: x[1:floor(n/2)], x[ceiling(n/2 + 1):n]
        for (int c = 0; c < _chains; c++)
        {
            x.Slice(c * _iterations, _half).CopyTo(split.Slice(2 * c * _half, _half));
            x.Slice(c * _iterations + second, _half).CopyTo(split.Slice((2 * c + 1) * _half, _half));
        }
    }

    // ---- R̂ -----------------------------------------------------------------------------------------

    /// <summary>Classic R̂ of the split buffer's chains (posterior's .rhat).</summary>
    private double RhatOfSplit()
    {
        int m = _splitChains, n = _half;
        if (n < 2) return double.NaN;
        double meanOfMeans = 0, withinSum = 0;
        for (int c = 0; c < m; c++)
        {
            var chain = _split.AsSpan(c * n, n);
            double mean = 0;
            foreach (double v in chain) mean += v;
            mean /= n;
            double ss = 0;
            foreach (double v in chain) ss += (v - mean) * (v - mean);
            _chainMean[c] = mean;
            meanOfMeans += mean;
            withinSum += ss / (n - 1);
        }
        meanOfMeans /= m;
        double between = 0;
        for (int c = 0; c < m; c++) between += (_chainMean[c] - meanOfMeans) * (_chainMean[c] - meanOfMeans);
        double varBetween = n * between / (m - 1);
        double varWithin = withinSum / m;
        return Math.Sqrt((varBetween / varWithin + n - 1) / n);
    }

    /// <summary>Split R̂ of <paramref name="x"/> as they are (posterior's rhat_basic).</summary>
    internal double RhatBasic(ReadOnlySpan<double> x)
    {
        SplitInto(x, _split);
        return RhatOfSplit();
    }

    /// <summary>How the two draws either side of the median rank once folded. They are equally far from it by the
    /// median's definition, so <see cref="MiddlePair.Tied"/> is exact; in floating point they can also come out an
    /// ulp apart either way (as R's own arithmetic sometimes leaves them), which the other two reproduce.</summary>
    internal enum MiddlePair { Tied, LowCloser, HighCloser }

    /// <summary>Rank-normalised split R̂ of the sorted draws, whose median is <paramref name="median"/>: the larger of
    /// the bulk and the folded (tail) version.</summary>
    internal double RankNormalisedRhat(double median, MiddlePair middle)
    {
        BulkIntoSplit();
        double bulk = RhatOfSplit();
        FoldFromSorted(median, middle);
        RankNormaliseInto(_foldOrder, _foldValues);
        return Math.Max(bulk, RhatOfSplit());
    }

    // ---- ESS ---------------------------------------------------------------------------------------

    /// <summary>ESS of the split buffer's chains (posterior's .ess).</summary>
    private double EssOfSplit() => _half < 3 || IsConstant(_split) ? double.NaN : _ess.Ess();

    /// <summary>Bulk-ESS: ESS of the rank-normalised split chains of the sorted draws.</summary>
    internal double EssBulk()
    {
        BulkIntoSplit();
        return EssOfSplit();
    }

    /// <summary>ESS of the split chains of <paramref name="x"/> as they are (posterior's ess_basic and ess_mean).</summary>
    internal double EssBasic(ReadOnlySpan<double> x)
    {
        SplitInto(x, _split);
        return EssOfSplit();
    }

    /// <summary>ESS of the indicator x ≤ quantile(x, p), <paramref name="x"/> being the draws just sorted, in chain order.</summary>
    internal double EssQuantile(ReadOnlySpan<double> x, double p)
    {
        if (p == 1) p = (_total - 0.5) / _total;
        double q = Quantile(_sorted, p);
        SplitIndicator(x, q);
        return EssOfSplit();
    }

    private void SplitIndicator(ReadOnlySpan<double> x, double q)
    {
        SplitInto(x, _split);
        for (int i = 0; i < _split.Length; i++) _split[i] = _split[i] <= q ? 1 : 0;
    }

    /// <summary>ESS of (x − mean)², for the MCSE of the sd (posterior's mcse_sd).</summary>
    internal double EssOfSquaredDeviation(ReadOnlySpan<double> x, double mean)
    {
        var f = _transformed;
        for (int i = 0; i < _total; i++) f[i] = (x[i] - mean) * (x[i] - mean);
        SplitInto(f, _split);
        return EssOfSplit();
    }

    // ---- helpers ------------------------------------------------------------------------------------

    /// <summary>posterior's is_constant: the range is below machine epsilon.</summary>
    internal static bool IsConstant(ReadOnlySpan<double> x)
    {
        double min = x[0], max = x[0];
        foreach (double v in x) { if (v < min) min = v; if (v > max) max = v; }
        return max - min < 2.220446049250313e-16;
    }

    /// <summary>Variance with the N − 1 denominator (R's var); NaN for fewer than two values.</summary>
    internal static double SampleVariance(ReadOnlySpan<double> x)
    {
        if (x.Length < 2) return double.NaN;
        double mean = 0;
        foreach (double v in x) mean += v;
        mean /= x.Length;
        double ss = 0;
        foreach (double v in x) ss += (v - mean) * (v - mean);
        return ss / (x.Length - 1);
    }

    /// <summary>Standard normal quantile (MathNet; accurate to ~1e-15).</summary>
    internal static double NormalQuantile(double p) => MathNet.Numerics.Distributions.Normal.InvCDF(0, 1, p);
}

/// <summary>
/// One parameter's draws as sorted by <see cref="ConvergenceMath.Sort"/>, with the statistics that need the sort
/// (quantiles, median, MAD, rank-normalised R̂ and ESS) and those that need the draws in chain order (basic R̂ and
/// ESS). It borrows the workspace: once the workspace sorts other draws, every member throws.
/// </summary>
internal readonly ref struct SortedDraws
{
    private readonly ConvergenceMath _math;
    private readonly ReadOnlySpan<double> _draws;
    private readonly int _generation;

    internal SortedDraws(ConvergenceMath math, ReadOnlySpan<double> draws, int generation)
    {
        _math = math;
        _draws = draws;
        _generation = generation;
        Median = ConvergenceMath.Median(math.Sorted);
    }

    /// <summary>The draws in ascending order.</summary>
    public ReadOnlySpan<double> Values
    {
        get { _math.EnsureCurrent(_generation); return _math.Sorted; }
    }

    /// <summary>R's median of the draws.</summary>
    public double Median { get; }

    /// <summary>R's quantile type 7 of the draws.</summary>
    public double Quantile(double p) => ConvergenceMath.Quantile(Values, p);

    /// <summary>Median absolute deviation about the median (unscaled).</summary>
    public double MedianAbsoluteDeviation()
    {
        _math.EnsureCurrent(_generation);
        return _math.MedianAbsoluteDeviation(Median);
    }

    /// <summary>Rank-normalised split R̂: the larger of the bulk and the folded (tail) version.</summary>
    public double Rhat() => Rhat(ConvergenceMath.MiddlePair.Tied);

    /// <summary>Rank-normalised split R̂ with the two draws either side of the median ranked as <paramref name="middle"/> says.</summary>
    internal double Rhat(ConvergenceMath.MiddlePair middle)
    {
        _math.EnsureCurrent(_generation);
        return _math.RankNormalisedRhat(Median, middle);
    }

    /// <summary>Split R̂ on the draws as they are (posterior's rhat_basic).</summary>
    public double RhatBasic()
    {
        _math.EnsureCurrent(_generation);
        return _math.RhatBasic(_draws);
    }

    /// <summary>Bulk-ESS: ESS of the rank-normalised split chains.</summary>
    public double EssBulk()
    {
        _math.EnsureCurrent(_generation);
        return _math.EssBulk();
    }

    /// <summary>ESS of the split chains as they are (posterior's ess_basic and ess_mean).</summary>
    public double EssBasic()
    {
        _math.EnsureCurrent(_generation);
        return _math.EssBasic(_draws);
    }

    /// <summary>ESS of the indicator x ≤ quantile(x, p); tail-ESS is the smaller of p = 0.05 and 0.95.</summary>
    public double EssQuantile(double p)
    {
        _math.EnsureCurrent(_generation);
        return _math.EssQuantile(_draws, p);
    }

    /// <summary>ESS of (x − mean)², for the MCSE of the sd (posterior's mcse_sd); <paramref name="mean"/> is the draws' mean.</summary>
    public double EssOfSquaredDeviation(double mean)
    {
        _math.EnsureCurrent(_generation);
        return _math.EssOfSquaredDeviation(_draws, mean);
    }
}
