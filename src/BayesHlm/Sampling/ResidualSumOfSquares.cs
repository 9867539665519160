using BayesHlm.Statistics;

namespace BayesHlm.Sampling;

/// <summary>
/// Σ ‖y − Xβ − Σ Z_k u_k‖² from the C_j (MATH.md §2), which σ²'s steps need: the β-only terms from the totals, kept
/// once, then per cell (an innermost group, or a combination of crossed groups) only the terms with its u's — O(p·q + q²) per group instead of O((p + q)²).
/// One per chain (it keeps a buffer).
/// </summary>
internal sealed class ResidualSumOfSquares
{
    private readonly SufficientStatistics _s;
    private readonly double[] _totalXX, _totalXy, _path;
    private readonly double _totalYy;
    private readonly int[] _q, _zOffset;
    private readonly int[][] _cellLevel;

    public ResidualSumOfSquares(SufficientStatistics s)
    {
        _s = s;
        var total = s.Total();
        int p = s.P, m = s.M, yi = s.YIndex;
        _totalXX = new double[p * p];
        _totalXy = new double[p];
        for (int a = 0; a < p; a++)
        {
            _totalXy[a] = total[a * m + yi];
            for (int b = 0; b < p; b++) _totalXX[a * p + b] = total[a * m + b];
        }
        _totalYy = total[yi * m + yi];
        _path = new double[s.M];
        _q = s.Levels.Select(l => l.Size).ToArray();
        _zOffset = s.ZOffset.ToArray();
        _cellLevel = s.CellLevel;
    }

    // Hot: compiled optimised on first call, not after a slow first tier (a run lasts seconds).
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public double Of(ChainState state)
    {
        // Crossed factors: by group and by cross-tabulated pair of groups, fewer terms than the cells' full C_j.
        if (_s.Crossed) return _s.Blocks.ResidualSumOfSquares(state.Beta, state.U);
        var beta = state.Beta;
        int p = _s.P, m = _s.M, w = m - 1, yi = _s.YIndex, leafLevel = _s.Levels.Count - 1;
        double ssr = _totalYy;
        for (int a = 0; a < p; a++)
        {
            double row = -2 * _totalXy[a];
            for (int b = 0; b < p; b++) row += _totalXX[a * p + b] * beta[b];
            ssr += row * beta[a];
        }
        if (leafLevel < 0) return Math.Max(ssr, 0);
        if (leafLevel == 0) return Math.Max(OneLevel(state.U[0], beta, ssr), 0);
        var path = _path;
        Array.Copy(beta, path, p);
        for (int leaf = 0; leaf < _s.LeafCount; leaf++)
        {
            // The u's of the groups this cell lies in, one per level (β is already in place).
            for (int k = leafLevel; k >= 0; k--)
            {
                int q = _q[k];
                Array.Copy(state.U[k], _cellLevel[k][leaf] * q, path, _zOffset[k], q);
            }
            var c = _s.Leaf(leaf);
            // u·(2 C_ZX β + C_ZZ u − 2 c_Zy)
            for (int a = p; a < w; a++)
            {
                double ua = path[a];
                if (ua == 0) continue;
                var rowA = c.Slice(a * m, m);
                double g = -2 * rowA[yi];
                for (int b = 0; b < p; b++) g += 2 * rowA[b] * beta[b];
                for (int b = p; b < w; b++) g += rowA[b] * path[b];
                ssr += ua * g;
            }
        }
        return Math.Max(ssr, 0);
    }

    /// <summary>The groups' terms of <see cref="Of"/> for one grouping level (the path is β then the group's own u, read in
    /// place), two rows of u at a time: each row's sum is the same chain of operations as in the general loop, but two
    /// independent chains run side by side, and the terms are added to the total in the same order.</summary>
    // Hot: compiled optimised on first call, not after a slow first tier (a run lasts seconds).
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private double OneLevel(double[] u, double[] beta, double ssr)
    {
        int p = _s.P, m = _s.M, w = m - 1, yi = _s.YIndex, q = _q[0];
        var group = _cellLevel[0];
        for (int leaf = 0; leaf < _s.LeafCount; leaf++)
        {
            var uj = u.AsSpan(group[leaf] * q, q);
            var c = _s.Leaf(leaf);
            int a = p;
            for (; a + 1 < w; a += 2)
            {
                double ua = uj[a - p], ub = uj[a + 1 - p];
                if (ua == 0 && ub == 0) continue;
                var rowA = c.Slice(a * m, m);
                var rowB = c.Slice((a + 1) * m, m);
                double ga = -2 * rowA[yi], gb = -2 * rowB[yi];
                for (int b = 0; b < p; b++)
                {
                    double bb = beta[b];
                    ga += 2 * rowA[b] * bb;
                    gb += 2 * rowB[b] * bb;
                }
                for (int b = p; b < w; b++)
                {
                    double ub2 = uj[b - p];
                    ga += rowA[b] * ub2;
                    gb += rowB[b] * ub2;
                }
                if (ua != 0) ssr += ua * ga;
                if (ub != 0) ssr += ub * gb;
            }
            if (a < w)
            {
                double ua = uj[a - p];
                if (ua == 0) continue;
                var rowA = c.Slice(a * m, m);
                double g = -2 * rowA[yi];
                for (int b = 0; b < p; b++) g += 2 * rowA[b] * beta[b];
                for (int b = p; b < w; b++) g += rowA[b] * uj[b - p];
                ssr += ua * g;
            }
        }
        return ssr;
    }
}
