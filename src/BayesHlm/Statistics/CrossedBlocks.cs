namespace BayesHlm.Statistics;

/// <summary>
/// Crossed statistics rearranged for the sampler's sweeps, which visit one factor's groups at a time: per factor and
/// group, ZᵀZ, ZᵀX and Zᵀy summed over its cells; per ordered pair of factors (f, h), the cross-tabulation Z_fᵀZ_h as a
/// sparse block matrix with a row per group of f (compressed rows: the groups of h that share a cell with it, each
/// with its q_f×q_h block, summed over the cells they share). Read from the cells once; built once per statistics and
/// shared by the chains (read only). Memory O(groups · q² + cells · q²), and every product below is linear in them.
/// </summary>
internal sealed class CrossedBlocks
{
    private readonly int _p;
    private readonly int[] _q, _groups;
    private readonly double[][] _own, _zx, _zy;
    private readonly PairBlocks[,] _pairs;
    private readonly double[] _xx, _xy;
    private double _yy;

    /// <summary>Z_fᵀZ_h with a row per group g of f: entries Start[g]..Start[g+1) hold the groups of h in Column and the
    /// q_f×q_h blocks (row-major) in Values; EntryOfCell gives each cell's entry.</summary>
    internal sealed record PairBlocks(int[] Start, int[] Column, double[] Values, int[] EntryOfCell);

    public CrossedBlocks(SufficientStatistics s)
    {
        int k = s.Levels.Count, p = _p = s.P, cells = s.LeafCount;
        _q = s.Levels.Select(l => l.Size).ToArray();
        _groups = s.Levels.Select(l => l.Grouping.Count).ToArray();
        var cellLevel = s.CellLevel;
        _own = new double[k][];
        _zx = new double[k][];
        _zy = new double[k][];
        var byGroup = new int[k][];
        var groupStart = new int[k][];
        for (int f = 0; f < k; f++)
        {
            int groups = _groups[f], q = _q[f];
            // A counting sort of the cells by their group in f.
            var start = groupStart[f] = new int[groups + 1];
            foreach (int g in cellLevel[f]) start[g + 1]++;
            for (int g = 0; g < groups; g++) start[g + 1] += start[g];
            var next = start[..groups];
            var order = byGroup[f] = new int[cells];
            for (int c = 0; c < cells; c++) order[next[cellLevel[f][c]]++] = c;
            _own[f] = new double[groups * q * q];
            _zx[f] = new double[groups * q * p];
            _zy[f] = new double[groups * q];
        }
        _pairs = new PairBlocks[k, k];
        for (int f = 0; f < k; f++)
            for (int h = 0; h < k; h++)
                if (f != h) _pairs[f, h] = Pair(s, f, h, byGroup[f], groupStart[f]);
        _xx = new double[p * p];
        _xy = new double[p];
        Refill(s);
    }

    /// <summary>Recomputes every sum from the cells of <paramref name="s"/> — these statistics, or the same design's with
    /// other weights (a logistic chain's working statistics, refilled every sweep); the structure is kept.</summary>
    public void Refill(SufficientStatistics s)
    {
        int k = _q.Length, m = s.M, p = _p, yi = s.YIndex, cells = s.LeafCount;
        var z = s.ZOffset;
        var cellLevel = s.CellLevel;
        for (int f = 0; f < k; f++)
        {
            int q = _q[f], zf = z[f];
            var own = _own[f];
            var zx = _zx[f];
            var zy = _zy[f];
            Array.Clear(own);
            Array.Clear(zx);
            Array.Clear(zy);
            for (int c = 0; c < cells; c++)
            {
                int g = cellLevel[f][c];
                var cc = s.Leaf(c);
                for (int a = 0; a < q; a++)
                {
                    var row = cc.Slice((zf + a) * m, m);
                    for (int e = 0; e < q; e++) own[(g * q + a) * q + e] += row[zf + e];
                    for (int e = 0; e < p; e++) zx[(g * q + a) * p + e] += row[e];
                    zy[g * q + a] += row[yi];
                }
            }
            for (int h = 0; h < k; h++)
            {
                if (h == f) continue;
                var pair = _pairs[f, h];
                int qh = _q[h], zh = z[h], block = q * qh;
                if (h < f)
                {
                    // Z_fᵀZ_h is (Z_hᵀZ_f)ᵀ, summed over the same cells in the same order: transposed, not summed again.
                    var other = _pairs[h, f];
                    for (int c = 0; c < cells; c++)
                    {
                        int at = pair.EntryOfCell[c] * block, from = other.EntryOfCell[c] * block;
                        for (int a = 0; a < q; a++)
                            for (int e = 0; e < qh; e++) pair.Values[at + a * qh + e] = other.Values[from + e * q + a];
                    }
                    continue;
                }
                Array.Clear(pair.Values);
                for (int c = 0; c < cells; c++)
                {
                    var cc = s.Leaf(c);
                    int at = pair.EntryOfCell[c] * block;
                    for (int a = 0; a < q; a++)
                        for (int e = 0; e < qh; e++) pair.Values[at + a * qh + e] += cc[(zf + a) * m + zh + e];
                }
            }
        }
        var total = s.Total();
        for (int a = 0; a < p; a++)
        {
            _xy[a] = total[a * m + yi];
            for (int c = 0; c < p; c++) _xx[a * p + c] = total[a * m + c];
        }
        _yy = total[yi * m + yi];
    }

    /// <summary>The structure of Z_fᵀZ_h: which groups of h each group of f shares cells with, and each cell's entry
    /// (the values are summed by <see cref="Refill"/>).</summary>
    private PairBlocks Pair(SufficientStatistics s, int f, int h, int[] order, int[] groupStart)
    {
        int qf = _q[f], qh = _q[h], block = qf * qh;
        var cellLevel = s.CellLevel[h];
        var start = new int[_groups[f] + 1];
        var column = new List<int>(order.Length);
        var entryOfCell = new int[s.LeafCount];
        var keys = new int[0];
        var cellsOf = new int[0];
        for (int g = 0; g < _groups[f]; g++)
        {
            int from = groupStart[g], n = groupStart[g + 1] - from;
            if (keys.Length < n) { keys = new int[n]; cellsOf = new int[n]; }
            for (int t = 0; t < n; t++) { cellsOf[t] = order[from + t]; keys[t] = cellLevel[cellsOf[t]]; }
            Array.Sort(keys, cellsOf, 0, n);
            for (int t = 0; t < n; t++)
            {
                if (t == 0 || keys[t] != keys[t - 1]) column.Add(keys[t]);
                entryOfCell[cellsOf[t]] = column.Count - 1;
            }
            start[g + 1] = column.Count;
        }
        return new PairBlocks(start, column.ToArray(), new double[column.Count * block], entryOfCell);
    }

    /// <summary>Number of groups of factor f.</summary>
    public int Groups(int f) => _groups[f];

    /// <summary>Z_fᵀZ_f of group g (q×q).</summary>
    public ReadOnlySpan<double> Own(int f, int g) => _own[f].AsSpan(g * _q[f] * _q[f], _q[f] * _q[f]);

    /// <summary>Z_fᵀX of group g (q×p).</summary>
    public ReadOnlySpan<double> ZX(int f, int g) => _zx[f].AsSpan(g * _q[f] * _p, _q[f] * _p);

    /// <summary>XᵀX (p×p) and Xᵀy.</summary>
    public ReadOnlySpan<double> XX => _xx;

    /// <summary>Xᵀy.</summary>
    public ReadOnlySpan<double> XY => _xy;

    /// <summary>
    /// Group g of factor f's residual cross-product Z_gᵀ(y − Xβ − Σ_(h≠f) Z_h u_h) into <paramref name="into"/> (q_f),
    /// leaving out the term of factor <paramref name="skip"/> too when it is not −1 (−1: all other factors).
    /// </summary>
    public void Residual(int f, int g, ReadOnlySpan<double> beta, double[][] u, Span<double> into, int skip = -1)
    {
        int q = _q[f], p = _p;
        var zx = ZX(f, g);
        var zy = _zy[f].AsSpan(g * q, q);
        for (int a = 0; a < q; a++)
        {
            double v = zy[a];
            for (int c = 0; c < p; c++) v -= zx[a * p + c] * beta[c];
            into[a] = v;
        }
        for (int h = 0; h < _q.Length; h++)
        {
            if (h == f || h == skip) continue;
            var pair = _pairs[f, h];
            int qh = _q[h], block = q * qh;
            var uh = u[h];
            var values = pair.Values;
            var column = pair.Column;
            if (q == 1 && qh == 1)
            {
                double sum = 0;
                for (int t = pair.Start[g]; t < pair.Start[g + 1]; t++) sum += values[t] * uh[column[t]];
                into[0] -= sum;
                continue;
            }
            for (int t = pair.Start[g]; t < pair.Start[g + 1]; t++)
            {
                int o = column[t] * qh, at = t * block;
                for (int a = 0; a < q; a++)
                {
                    double sum = 0;
                    for (int e = 0; e < qh; e++) sum += values[at + a * qh + e] * uh[o + e];
                    into[a] -= sum;
                }
            }
        }
    }

    /// <summary>Xᵀ(Z_h u_h) summed over factor h's groups, subtracted from <paramref name="into"/> (p).</summary>
    public void SubtractXTimes(int h, double[] uh, Span<double> into)
    {
        int q = _q[h], p = _p;
        var zx = _zx[h];
        for (int g = 0; g < _groups[h]; g++)
            for (int a = 0; a < q; a++)
            {
                double v = uh[g * q + a];
                if (v == 0) continue;
                for (int c = 0; c < p; c++) into[c] -= zx[(g * q + a) * p + c] * v;
            }
    }

    /// <summary>‖y − Xβ − Σ_f Z_f u_f‖²: the fixed part from the totals, each factor's groups, and each pair of factors'
    /// cross-tabulation once (f &lt; h).</summary>
    public double ResidualSumOfSquares(ReadOnlySpan<double> beta, double[][] u)
    {
        int p = _p;
        double ssr = _yy;
        for (int a = 0; a < p; a++)
        {
            double row = -2 * _xy[a];
            for (int c = 0; c < p; c++) row += _xx[a * p + c] * beta[c];
            ssr += row * beta[a];
        }
        for (int f = 0; f < _q.Length; f++)
        {
            int q = _q[f];
            var uf = u[f];
            var own = _own[f];
            var zx = _zx[f];
            var zy = _zy[f];
            for (int g = 0; g < _groups[f]; g++)
                for (int a = 0; a < q; a++)
                {
                    double ua = uf[g * q + a];
                    if (ua == 0) continue;
                    double v = -2 * zy[g * q + a];
                    for (int c = 0; c < p; c++) v += 2 * zx[(g * q + a) * p + c] * beta[c];
                    for (int e = 0; e < q; e++) v += own[(g * q + a) * q + e] * uf[g * q + e];
                    ssr += ua * v;
                }
            for (int h = f + 1; h < _q.Length; h++)
            {
                var pair = _pairs[f, h];
                int qh = _q[h], block = q * qh;
                var uh = u[h];
                double cross = 0;
                for (int g = 0; g < _groups[f]; g++)
                    for (int t = pair.Start[g]; t < pair.Start[g + 1]; t++)
                    {
                        int o = pair.Column[t] * qh, at = t * block;
                        for (int a = 0; a < q; a++)
                        {
                            double ua = uf[g * q + a];
                            for (int e = 0; e < qh; e++) cross += ua * pair.Values[at + a * qh + e] * uh[o + e];
                        }
                    }
                ssr += 2 * cross;
            }
        }
        return Math.Max(ssr, 0);
    }
}
