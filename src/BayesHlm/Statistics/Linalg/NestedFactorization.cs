using System.Runtime.Intrinsics;

namespace BayesHlm.Statistics.Linalg;

/// <summary>
/// The kernel for nested factors (<see cref="GaussianKernel"/>): it eliminates the random effects group by group,
/// innermost level first (an arrowhead), then the fixed effects — all from the C_j alone.
/// </summary>
internal sealed class NestedFactorization : GaussianKernel
{
    private readonly SufficientStatistics _s;
    private readonly int _m, _p, _k;
    private readonly int[] _q;
    private readonly int[][] _rest;              // per level: columns [0, ZOffset[k]) then y
    private readonly int[] _contiguous;          // per level: how many of its rest columns run 0, 1, 2, … (all but y)
    private readonly int[][] _parent;            // per level: parent node index (level 0: 0)
    private readonly int[] _nodes;               // per level: node count
    private readonly double[][] _acc;            // per non-leaf level: nodes × m × m accumulators
    private readonly double[][] _l;              // per level: nodes × q × q lower factors of T = ΛᵀMΛ + I
    private readonly double[][] _y;              // per level: nodes × q × r, Y = L⁻¹ ΛᵀM_{z,rest}
    private readonly double[][] _lambda;         // per level: q × q lower
    private readonly double[] _root;             // m × m
    private readonly double[] _tmp;

    public NestedFactorization(SufficientStatistics s) : base(s)
    {
        _s = s;
        _m = s.M; _p = s.P; _k = s.Levels.Count;
        _q = s.Levels.Select(l => l.Size).ToArray();
        _rest = new int[_k][];
        _contiguous = new int[_k];
        _parent = new int[_k][];
        _nodes = new int[_k];
        _acc = new double[_k][];
        _l = new double[_k][];
        _y = new double[_k][];
        _lambda = new double[_k][];
        for (int k = 0; k < _k; k++)
        {
            _rest[k] = Enumerable.Range(0, s.ZOffset[k]).Append(s.YIndex).ToArray();
            while (_contiguous[k] < _rest[k].Length && _rest[k][_contiguous[k]] == _contiguous[k]) _contiguous[k]++;
            _nodes[k] = s.Levels[k].Grouping.Count;
            _parent[k] = s.Levels[k].Grouping.Parent.ToArray();
            if (k < _k - 1) _acc[k] = new double[_nodes[k] * _m * _m];
            _l[k] = new double[_nodes[k] * _q[k] * _q[k]];
            _y[k] = new double[_nodes[k] * _q[k] * _rest[k].Length];
            _lambda[k] = new double[_q[k] * _q[k]];
        }
        _root = new double[_m * _m];
        int maxQ = _q.Length == 0 ? 1 : _q.Max();
        _tmp = new double[maxQ * _m + maxQ * maxQ];
    }

    /// <inheritdoc/>
    // Hot: compiled optimised on first call, not after a slow first tier (a run lasts seconds).
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public override bool Update(IReadOnlyList<double[]> lambdas, FixedEffectPrior? prior, double sigma2)
    {
        for (int k = 0; k < _k; k++) lambdas[k].AsSpan().CopyTo(_lambda[k]);
        for (int k = 0; k < _k - 1; k++) Array.Clear(_acc[k]);
        Array.Clear(_root);
        // log|T| summed as a running product of the pivots' products (each ≥ 1), flushed to the log before it could
        // overflow: one logarithm per many groups instead of one per group.
        double logDet = 0, product = 1;
        if (_k == 0)
        {
            var c = _s.Leaf(0);
            c.CopyTo(_root);
        }
        for (int k = _k - 1; k >= 0; k--)
        {
            bool leafLevel = k == _k - 1;
            if (_q[k] == 2)
            {
                // Every group's factor first, then every group's Schur complement: the same operations, each group's
                // parent receiving its terms in the same order, but the groups' factors no longer wait on one another.
                for (int node = 0; node < _nodes[k]; node++)
                {
                    ReadOnlySpan<double> mat = leafLevel ? _s.Leaf(node) : _acc[k].AsSpan(node * _m * _m, _m * _m);
                    product *= Factor2(mat, k, node);
                    if (product > 1e250) { logDet += Math.Log(product); product = 1; }
                }
                // Two groups at a time where they share their parent (every pair of the outermost level: the root).
                for (int node = 0; node < _nodes[k]; node++)
                {
                    ReadOnlySpan<double> mat = leafLevel ? _s.Leaf(node) : _acc[k].AsSpan(node * _m * _m, _m * _m);
                    Span<double> target = k == 0 ? _root : _acc[k - 1].AsSpan(_parent[k][node] * _m * _m, _m * _m);
                    if (node + 1 < _nodes[k] && (k == 0 || _parent[k][node + 1] == _parent[k][node]))
                    {
                        ReadOnlySpan<double> next = leafLevel ? _s.Leaf(node + 1) : _acc[k].AsSpan((node + 1) * _m * _m, _m * _m);
                        Schur2Pair(mat, next, k, node, target);
                        node++;
                    }
                    else Schur2(mat, k, node, target);
                }
            }
            else
                for (int node = 0; node < _nodes[k]; node++)
                {
                    ReadOnlySpan<double> mat = leafLevel ? _s.Leaf(node) : _acc[k].AsSpan(node * _m * _m, _m * _m);
                    Span<double> target = k == 0 ? _root : _acc[k - 1].AsSpan(_parent[k][node] * _m * _m, _m * _m);
                    product *= Eliminate(mat, k, node, target);
                    if (product > 1e250) { logDet += Math.Log(product); product = 1; }
                }
            // Eliminations add to the lower triangle only; the level above reads both.
            if (k == 0) Symmetrize(_root, _rest[0]);
            else for (int parent = 0; parent < _nodes[k - 1]; parent++) Symmetrize(_acc[k - 1].AsSpan(parent * _m * _m, _m * _m), _rest[k]);
        }
        LogDetZ = 2 * (logDet + Math.Log(product));
        // Fixed-effect block.
        for (int a = 0; a < _p; a++) for (int b = 0; b < _p; b++) Lx[a * _p + b] = _root[a * _m + b] + (prior is null ? 0 : sigma2 * prior.Precision[a * _p + b]);
        if (!Dense.CholeskyInPlace(Lx, _p)) return false;
        int yi = _s.YIndex;
        for (int a = 0; a < _p; a++) Rx[a] = _root[a * _m + yi] + (prior is null ? 0 : sigma2 * prior.PrecisionTimesMean[a]);
        Dense.ForwardSolve(Lx, _p, Rx, 0, 1);
        double rr = 0;
        for (int a = 0; a < _p; a++) rr += Rx[a] * Rx[a];
        Pwrss = Math.Max(_root[yi * _m + yi] - rr, 0);
        LogDetX = Dense.LogDeterminant(Lx, _p);
        return true;
    }

    private void Symmetrize(Span<double> a, int[] rest)
    {
        int m = _m;
        for (int c = 0; c < rest.Length; c++)
            for (int d = 0; d < c; d++) a[rest[d] * m + rest[c]] = a[rest[c] * m + rest[d]];
    }

    /// <summary>Eliminates one group's random effects (MATH.md §3): T = ΛᵀM_zzΛ + I = LLᵀ, Y = L⁻¹ΛᵀM_{z,rest},
    /// parent[rest, rest] += M[rest, rest] − YᵀY. Returns |T|^½ = Π L_ii (≥ 1).</summary>
    private double Eliminate(ReadOnlySpan<double> mat, int k, int node, Span<double> target)
    {
        if (_q[k] == 1) return Eliminate1(mat, k, node, target);
        int m = _m, q = _q[k], z0 = _s.ZOffset[k];
        int[] rest = _rest[k];
        int r = rest.Length;
        ReadOnlySpan<double> lam = _lambda[k];
        Span<double> l = _l[k].AsSpan(node * q * q, q * q);
        Span<double> y = _y[k].AsSpan(node * q * r, q * r);
        Span<double> a = _tmp.AsSpan(0, q * q);
        // A = M_zz Λ (Λ lower triangular)
        for (int i = 0; i < q; i++)
        {
            int row = (z0 + i) * m + z0;
            for (int j = 0; j < q; j++)
            {
                double s = 0;
                for (int t = j; t < q; t++) s += mat[row + t] * lam[t * q + j];
                a[i * q + j] = s;
            }
        }
        // T = Λᵀ A + I (lower part), then its Cholesky factor in place.
        for (int i = 0; i < q; i++)
            for (int j = 0; j <= i; j++)
            {
                double s = i == j ? 1.0 : 0.0;
                for (int t = i; t < q; t++) s += lam[t * q + i] * a[t * q + j];
                l[i * q + j] = s;
            }
        Dense.CholeskyInPlace(l, q); // T ⪰ I: always positive definite
        double detT = 1;
        for (int j = 0; j < q; j++) detT *= l[j * q + j];
        // Y = L⁻¹ Λᵀ M_{z,rest}, row by row.
        for (int i = 0; i < q; i++)
        {
            double lii = l[i * q + i];
            int yi = i * r;
            for (int c = 0; c < r; c++)
            {
                int col = rest[c];
                double s = 0;
                for (int t = i; t < q; t++) s += lam[t * q + i] * mat[(z0 + t) * m + col];
                for (int t = 0; t < i; t++) s -= l[i * q + t] * y[t * r + c];
                y[yi + c] = s / lii;
            }
        }
        // Schur complement into the parent.
        for (int c = 0; c < r; c++)
        {
            int rc = rest[c];
            int rowC = rc * m;
            for (int d = 0; d <= c; d++)
            {
                int rd = rest[d];
                double s = mat[rowC + rd];
                for (int i = 0; i < q; i++) s -= y[i * r + c] * y[i * r + d];
                target[rowC + rd] += s;
            }
        }
        // |T|^½ = Π L_ii ≥ 1.
        return detT;
    }

    /// <summary><see cref="Eliminate"/> written out for one random effect per group (a random intercept),
    /// the commonest case: T = λ²M_zz + 1.</summary>
    private unsafe double Eliminate1(ReadOnlySpan<double> mat, int k, int node, Span<double> target)
    {
        int m = _m, z0 = _s.ZOffset[k];
        int[] rest = _rest[k];
        int r = rest.Length;
        double lam = _lambda[k][0];
        fixed (double* M = mat, T = target, Y = &_y[k][node * r], L = &_l[k][node])
        fixed (int* R = rest)
        {
            double l0 = Math.Sqrt(lam * lam * M[z0 * m + z0] + 1);
            L[0] = l0;
            double f = lam / l0;
            double* mz = M + z0 * m;
            for (int c = 0; c < r; c++) Y[c] = f * mz[R[c]];
            for (int c = 0; c < r; c++)
            {
                int rowC = R[c] * m;
                double yc = Y[c];
                for (int d = 0; d <= c; d++)
                {
                    int rd = R[d];
                    double v = M[rowC + rd] - yc * Y[d];
                    T[rowC + rd] += v;
                }
            }
            return l0;
        }
    }

    /// <summary><see cref="Eliminate"/> written out for two random effects per group (intercept and slope), in two halves
    /// that <see cref="Update"/> runs as two passes over the level. This first half: T = ΛᵀM_zzΛ + I = LLᵀ and Y = L⁻¹ΛᵀM_(z,rest), into the
    /// group's own slots of <c>_l</c> and <c>_y</c>; returns |T|^½. It reads and writes nothing another group's does, so a
    /// pass of it over a level's groups overlaps one group's long chain of square roots and divisions with the next's.</summary>
    private unsafe double Factor2(ReadOnlySpan<double> mat, int k, int node)
    {
        int m = _m, z0 = _s.ZOffset[k], z1 = z0 + 1;
        int[] rest = _rest[k];
        int r = rest.Length;
        var lam = _lambda[k];
        double l00 = lam[0], l10 = lam[2], l11 = lam[3];
        fixed (double* M = mat, Y = &_y[k][node * 2 * r], L = &_l[k][node * 4])
        fixed (int* R = rest)
        {
            double a = M[z0 * m + z0], b = M[z1 * m + z0], c = M[z1 * m + z1];
            double a00 = a * l00 + b * l10, a10 = b * l00 + c * l10, a11 = c * l11;
            double t00 = l00 * a00 + l10 * a10 + 1, t10 = l11 * a10, t11 = l11 * a11 + 1;
            double L00 = Math.Sqrt(t00), L10 = t10 / L00, L11 = Math.Sqrt(t11 - L10 * L10);
            L[0] = L00; L[1] = 0; L[2] = L10; L[3] = L11;
            double* m0 = M + z0 * m, m1 = M + z1 * m;
            double* y0 = Y, y1 = Y + r;
            // The columns rest[0..contiguous) are 0, 1, …: there several lanes at a time (Vector256, then Vector128), each
            // lane the scalar loop's operations in its order (no fused multiply-add), so the results are the same bits.
            int contiguous = _contiguous[k], col = 0;
            if (Vector256.IsHardwareAccelerated)
            {
                Vector256<double> vl00 = Vector256.Create(l00), vl10 = Vector256.Create(l10), vl11 = Vector256.Create(l11);
                Vector256<double> vL00 = Vector256.Create(L00), vL10 = Vector256.Create(L10), vL11 = Vector256.Create(L11);
                for (; col + 4 <= contiguous; col += 4)
                {
                    Vector256<double> a0 = Vector256.Load(m0 + col), a1 = Vector256.Load(m1 + col);
                    var v0 = (vl00 * a0 + vl10 * a1) / vL00;
                    v0.Store(y0 + col);
                    ((vl11 * a1 - vL10 * v0) / vL11).Store(y1 + col);
                }
            }
            if (Vector128.IsHardwareAccelerated)
            {
                Vector128<double> vl00 = Vector128.Create(l00), vl10 = Vector128.Create(l10), vl11 = Vector128.Create(l11);
                Vector128<double> vL00 = Vector128.Create(L00), vL10 = Vector128.Create(L10), vL11 = Vector128.Create(L11);
                for (; col + 2 <= contiguous; col += 2)
                {
                    Vector128<double> a0 = Vector128.Load(m0 + col), a1 = Vector128.Load(m1 + col);
                    var v0 = (vl00 * a0 + vl10 * a1) / vL00;
                    v0.Store(y0 + col);
                    ((vl11 * a1 - vL10 * v0) / vL11).Store(y1 + col);
                }
            }
            for (; col < r; col++)
            {
                int rc = R[col];
                double v0 = (l00 * m0[rc] + l10 * m1[rc]) / L00;
                y0[col] = v0;
                y1[col] = (l11 * m1[rc] - L10 * v0) / L11;
            }
            return L00 * L11;
        }
    }

    /// <summary>The second half of <see cref="Factor2"/>'s elimination: parent[rest, rest] += M[rest, rest] − YᵀY (lower triangle).</summary>
    private unsafe void Schur2(ReadOnlySpan<double> mat, int k, int node, Span<double> target)
    {
        int m = _m;
        int[] rest = _rest[k];
        int r = rest.Length;
        int contiguous = _contiguous[k];
        fixed (double* M = mat, T = target, Y = &_y[k][node * 2 * r])
        fixed (int* R = rest)
        {
            double* y0 = Y, y1 = Y + r;
            for (int ci = 0; ci < r; ci++)
            {
                int rowC = R[ci] * m;
                double yc0 = y0[ci], yc1 = y1[ci];
                int d = 0, lanes = Math.Min(ci + 1, contiguous);
                if (Vector256.IsHardwareAccelerated)
                {
                    Vector256<double> c0 = Vector256.Create(yc0), c1 = Vector256.Create(yc1);
                    for (; d + 4 <= lanes; d += 4)
                    {
                        var v = Vector256.Load(M + rowC + d) - c0 * Vector256.Load(y0 + d) - c1 * Vector256.Load(y1 + d);
                        (Vector256.Load(T + rowC + d) + v).Store(T + rowC + d);
                    }
                }
                if (Vector128.IsHardwareAccelerated)
                {
                    Vector128<double> c0 = Vector128.Create(yc0), c1 = Vector128.Create(yc1);
                    for (; d + 2 <= lanes; d += 2)
                    {
                        var v = Vector128.Load(M + rowC + d) - c0 * Vector128.Load(y0 + d) - c1 * Vector128.Load(y1 + d);
                        (Vector128.Load(T + rowC + d) + v).Store(T + rowC + d);
                    }
                }
                for (; d <= ci; d++)
                {
                    int rd = R[d];
                    double v = M[rowC + rd] - yc0 * y0[d] - yc1 * y1[d];
                    T[rowC + rd] += v;
                }
            }
        }
    }

    /// <summary><see cref="Schur2"/> of groups <paramref name="node"/> and node + 1, which share the parent
    /// <paramref name="target"/>: each entry of the parent is read once, gains the first group's term and then the second's
    /// (as two calls would add them), and is written once; the row's set-up is shared.</summary>
    private unsafe void Schur2Pair(ReadOnlySpan<double> matA, ReadOnlySpan<double> matB, int k, int node, Span<double> target)
    {
        int m = _m;
        int[] rest = _rest[k];
        int r = rest.Length;
        int contiguous = _contiguous[k];
        fixed (double* Ma = matA, Mb = matB, T = target, Ya = &_y[k][node * 2 * r])
        fixed (int* R = rest)
        {
            double* ya0 = Ya, ya1 = Ya + r, yb0 = Ya + 2 * r, yb1 = Ya + 3 * r;
            for (int ci = 0; ci < r; ci++)
            {
                int rowC = R[ci] * m;
                double a0 = ya0[ci], a1 = ya1[ci], b0 = yb0[ci], b1 = yb1[ci];
                int d = 0, lanes = Math.Min(ci + 1, contiguous);
                if (Vector256.IsHardwareAccelerated)
                {
                    Vector256<double> va0 = Vector256.Create(a0), va1 = Vector256.Create(a1), vb0 = Vector256.Create(b0), vb1 = Vector256.Create(b1);
                    for (; d + 4 <= lanes; d += 4)
                    {
                        var va = Vector256.Load(Ma + rowC + d) - va0 * Vector256.Load(ya0 + d) - va1 * Vector256.Load(ya1 + d);
                        var vb = Vector256.Load(Mb + rowC + d) - vb0 * Vector256.Load(yb0 + d) - vb1 * Vector256.Load(yb1 + d);
                        (Vector256.Load(T + rowC + d) + va + vb).Store(T + rowC + d);
                    }
                }
                if (Vector128.IsHardwareAccelerated)
                {
                    Vector128<double> va0 = Vector128.Create(a0), va1 = Vector128.Create(a1), vb0 = Vector128.Create(b0), vb1 = Vector128.Create(b1);
                    for (; d + 2 <= lanes; d += 2)
                    {
                        var va = Vector128.Load(Ma + rowC + d) - va0 * Vector128.Load(ya0 + d) - va1 * Vector128.Load(ya1 + d);
                        var vb = Vector128.Load(Mb + rowC + d) - vb0 * Vector128.Load(yb0 + d) - vb1 * Vector128.Load(yb1 + d);
                        (Vector128.Load(T + rowC + d) + va + vb).Store(T + rowC + d);
                    }
                }
                for (; d <= ci; d++)
                {
                    int rd = R[d];
                    double va = Ma[rowC + rd] - a0 * ya0[d] - a1 * ya1[d];
                    double vb = Mb[rowC + rd] - b0 * yb0[d] - b1 * yb1[d];
                    T[rowC + rd] = T[rowC + rd] + va + vb;
                }
            }
        }
    }

    /// <inheritdoc/>
    public override void ReliabilityMatrix(int level, int node, Span<double> result)
    {
        int q = _q[level], m = _m, z0 = _s.ZOffset[level];
        ReadOnlySpan<double> mat = level == _k - 1 ? _s.Leaf(node) : _acc[level].AsSpan(node * m * m, m * m);
        var p = new double[q * q];
        ConditionalCovariance(level, node, new double[q * q], p);
        for (int i = 0; i < q; i++)
            for (int j = 0; j < q; j++)
            {
                double s = 0;
                for (int t = 0; t < q; t++) s += p[i * q + t] * mat[(z0 + t) * m + z0 + j];
                result[i * q + j] = s;
            }
    }

    /// <summary>Λ T⁻¹ Λᵀ of one group: Cov(u_j)/σ² given the effects above it (lme4's condVar, unscaled).</summary>
    private void ConditionalCovariance(int level, int node, Span<double> tinv, Span<double> result)
    {
        int q = _q[level];
        var lam = _lambda[level];
        Dense.InverseFromCholesky(_l[level].AsSpan(node * q * q, q * q), q, tinv);
        for (int i = 0; i < q; i++)
            for (int j = 0; j < q; j++)
            {
                double s = 0;
                for (int a = 0; a <= i; a++)
                    for (int b = 0; b <= j; b++) s += lam[i * q + a] * tinv[a * q + b] * lam[j * q + b];
                result[i * q + j] = s;
            }
    }

    /// <inheritdoc/>
    /// <remarks>Path covariances are kept only for levels with levels below them, so memory grows with the number of
    /// innermost groups times q², not times (p + Σq)².</remarks>
    public override Posterior ComputePosterior(bool includeFixedUncertainty, PathVisitor? visit = null)
    {
        var beta = FixedEffects();
        var means = new double[_k][];
        var cov = new double[_k][];
        var nodeCov = new double[_k][];
        double[] rootCov = includeFixedUncertainty ? FixedCovarianceUnscaled() : new double[_p * _p];
        for (int k = 0; k < _k; k++)
        {
            int q = _q[k], r = _rest[k].Length, d = _s.ZOffset[k], dNew = d + q;
            means[k] = new double[_nodes[k] * q];
            nodeCov[k] = new double[_nodes[k] * q * q];
            bool keep = k < _k - 1;
            cov[k] = keep ? new double[_nodes[k] * dNew * dNew] : [];
            var leafPath = keep || visit is null ? null : new double[dNew * dNew];
            var fullMean = new double[dNew];
            var lam = _lambda[k];
            var g = new double[q * d];     // G = L⁻ᵀ Y_a (scaled b on a)
            var lg = new double[q * d];    // ΛG
            var tinv = new double[q * q];
            var gp = new double[q * d];
            var pathMean = new double[d];
            var bBuf = new double[q];
            for (int node = 0; node < _nodes[k]; node++)
            {
                var l = _l[k].AsSpan(node * q * q, q * q);
                var y = _y[k].AsSpan(node * q * r, q * r);
                // Parent path mean: β then ancestors' u.
                PathValues(k - 1, k == 0 ? 0 : _parent[k][node], beta, means, pathMean);
                // b = L⁻ᵀ (Y_y − Y_a a)
                Span<double> b = bBuf;
                for (int i = 0; i < q; i++)
                {
                    double s = y[i * r + r - 1];
                    for (int c = 0; c < d; c++) s -= y[i * r + c] * pathMean[c];
                    b[i] = s;
                }
                Dense.BackSolve(l, q, b, 0, 1);
                Dense.LowerTimes(lam, q, b, means[k].AsSpan(node * q, q));
                // G = L⁻ᵀ Y_a, column by column.
                for (int c = 0; c < d; c++)
                {
                    for (int i = 0; i < q; i++) g[i * d + c] = y[i * r + c];
                    Dense.BackSolve(l, q, g, c, d);
                }
                for (int i = 0; i < q; i++)
                    for (int c = 0; c < d; c++)
                    {
                        double s = 0;
                        for (int t = 0; t <= i; t++) s += lam[i * q + t] * g[t * d + c];
                        lg[i * d + c] = s;
                    }
                ReadOnlySpan<double> parentCov = k == 0 ? rootCov : cov[k - 1].AsSpan(_parent[k][node] * d * d, d * d);
                // gp = (ΛG) P
                for (int i = 0; i < q; i++)
                    for (int c = 0; c < d; c++)
                    {
                        double s = 0;
                        for (int e = 0; e < d; e++) s += lg[i * d + e] * parentCov[e * d + c];
                        gp[i * d + c] = s;
                    }
                // Cov(u) = Λ T⁻¹ Λᵀ + (ΛG) P (ΛG)ᵀ
                var nc = nodeCov[k].AsSpan(node * q * q, q * q);
                ConditionalCovariance(k, node, tinv, nc);
                for (int i = 0; i < q; i++)
                    for (int j = 0; j < q; j++)
                    {
                        double s = 0;
                        for (int c = 0; c < d; c++) s += gp[i * d + c] * lg[j * d + c];
                        nc[i * q + j] += s;
                    }
                if (keep || leafPath is not null)
                {
                    var cc = keep ? cov[k].AsSpan(node * dNew * dNew, dNew * dNew) : leafPath;
                    for (int a = 0; a < d; a++) for (int c = 0; c < d; c++) cc[a * dNew + c] = parentCov[a * d + c];
                    for (int i = 0; i < q; i++)
                    {
                        for (int c = 0; c < d; c++) { cc[(d + i) * dNew + c] = -gp[i * d + c]; cc[c * dNew + d + i] = -gp[i * d + c]; }
                        for (int j = 0; j < q; j++) cc[(d + i) * dNew + d + j] = nc[i * q + j];
                    }
                    if (visit is not null)
                    {
                        Array.Copy(pathMean, fullMean, d);
                        Array.Copy(means[k], node * q, fullMean, d, q);
                        visit(k, node, fullMean, cc);
                    }
                }
            }
        }
        return new Posterior(beta, means, nodeCov, rootCov);
    }

    /// <inheritdoc/>
    /// <remarks>Group by group, outer levels first: b = L⁻ᵀ(Y_y − Y_a a + σz) with a the draws above it.</remarks>
    // Hot: compiled optimised on first call, not after a slow first tier (a run lasts seconds).
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public override void Draw(double sigma, System.Random rng, double[] beta, double[][] u)
    {
        for (int a = 0; a < _p; a++) beta[a] = Rx[a] + sigma * rng.NextStandardNormal();
        Dense.BackSolve(Lx, _p, beta, 0, 1);
        DrawGivenFixed(sigma, rng, beta, u);
    }

    /// <summary>The random effects alone from their conditional given β (any β, not only a draw of
    /// <see cref="Draw"/>'s) and θ, after <see cref="Update"/>: the second half of the joint draw. The elimination does
    /// not depend on β or on its prior, so one factorisation per θ serves any β.</summary>
    // Hot: compiled optimised on first call, not after a slow first tier (a run lasts seconds).
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public void DrawGivenFixed(double sigma, System.Random rng, double[] beta, double[][] u)
    {
        var path = _drawPath ??= new double[_m];
        var b = _drawB ??= new double[_q.Length == 0 ? 1 : _q.Max()];
        for (int k = 0; k < _k; k++)
        {
            int q = _q[k], r = _rest[k].Length, d = _s.ZOffset[k];
            var lam = _lambda[k];
            if (k == 0) Array.Copy(beta, path, _p); // the outermost level's path is β alone, the same for every node
            for (int node = 0; node < _nodes[k]; node++)
            {
                if (k > 0) PathValues(k - 1, _parent[k][node], beta, u, path);
                if (q == 2)
                {
                    DrawTwo(k, node, r, d, sigma, rng, path, u[k]);
                    continue;
                }
                var l = _l[k].AsSpan(node * q * q, q * q);
                var y = _y[k].AsSpan(node * q * r, q * r);
                for (int i = 0; i < q; i++)
                {
                    double s = y[i * r + r - 1];
                    for (int c = 0; c < d; c++) s -= y[i * r + c] * path[c];
                    b[i] = s + sigma * rng.NextStandardNormal();
                }
                Dense.BackSolve(l, q, b, 0, 1);
                Dense.LowerTimes(lam, q, b, u[k].AsSpan(node * q, q));
            }
        }
    }

    private double[]? _drawPath, _drawB;

    /// <summary>One group's draw in <see cref="DrawGivenFixed"/> written out for two random effects (intercept and slope),
    /// the same operations in the same order: the two rows' sums run side by side (two dependency chains, not one after
    /// the other), then the two normals in turn, L⁻ᵀ, and u = Λb.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    private void DrawTwo(int k, int node, int r, int d, double sigma, System.Random rng, double[] path, double[] u)
    {
        var y = _y[k].AsSpan(node * 2 * r, 2 * r);
        double s0 = y[r - 1], s1 = y[2 * r - 1];
        for (int c = 0; c < d; c++)
        {
            double pc = path[c];
            s0 -= y[c] * pc;
            s1 -= y[r + c] * pc;
        }
        double b0 = s0 + sigma * rng.NextStandardNormal();
        double b1 = s1 + sigma * rng.NextStandardNormal();
        var l = _l[k].AsSpan(node * 4, 4);
        b1 /= l[3];
        b0 = (b0 - l[2] * b1) / l[0];
        var lam = _lambda[k];
        // As Dense.LowerTimes sums, from 0 (which turns a −0 product into +0).
        u[node * 2] = 0.0 + lam[0] * b0;
        u[node * 2 + 1] = 0.0 + lam[2] * b0 + lam[3] * b1;
    }

    /// <summary>(β, u_1, …, u_level) along the path through the nesting from the root to <paramref name="node"/> of
    /// <paramref name="level"/> (level −1: β alone), with u taken from <paramref name="values"/> (posterior means or draws).</summary>
    internal void PathValues(int level, int node, double[] beta, double[][] values, double[] path)
    {
        Array.Copy(beta, path, _p);
        for (int k = level; k >= 0; k--)
        {
            Array.Copy(values[k], node * _q[k], path, _s.ZOffset[k], _q[k]);
            node = _parent[k][node];
        }
    }
}

/// <summary>A normal prior on the fixed effects, as its precision V0⁻¹ (p×p, row-major) and V0⁻¹m0.</summary>
internal sealed record FixedEffectPrior(double[] Precision, double[] PrecisionTimesMean);

/// <summary>Posterior of the location effects given θ (covariances in units of σ²).</summary>
/// <param name="Beta">β̂.</param>
/// <param name="Means">Per level: nodes × q posterior means of u.</param>
/// <param name="NodeCovariance">Per level: nodes × q × q covariance of u.</param>
/// <param name="FixedCovariance">p × p covariance of β (zero when β is held fixed).</param>
internal sealed record Posterior(double[] Beta, double[][] Means, double[][] NodeCovariance, double[] FixedCovariance);

/// <summary>Receives one group's path (β, u_1, …, u_level — through the nesting; for crossed factors, with zeros for
/// the levels it does not lie in): its posterior mean and its d×d covariance in units of σ², valid during the call.</summary>
internal delegate void PathVisitor(int level, int node, ReadOnlySpan<double> pathMean, ReadOnlySpan<double> pathCovariance);
