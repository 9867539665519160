namespace BayesHlm.Statistics.Linalg;

/// <summary>
/// The kernel for crossed factors (<see cref="GaussianKernel"/>), after MixedModels.jl's blocked Cholesky: the factor
/// with the most random effects is eliminated group by group (its block of ΛᵀZᵀZΛ + I is block diagonal), and what it
/// leaves — the other factors' random effects, then X, then y — is one dense block, factorised whole. The statistics
/// are the cells' C_j (one per combination of groups that occurs), read once into per-group cross-products and the
/// dense block's raw cross-products; no evaluation touches a cell again. The dense block has
/// Σ_(other factors) groups × q rows, so one factor may have any number of groups and the others a few thousand.
/// </summary>
internal sealed class CrossedFactorization : GaussianKernel
{
    /// <summary>The most rows the dense block may have (two of them take 2 × 8·n² bytes: 1.2 GB at this size).</summary>
    internal const int MaxDense = 9_000;

    private readonly int _p, _b, _d, _r, _qb;
    private readonly int[] _q, _offset;      // per level: q, and its first dense index (−1 for the block-diagonal level)
    private readonly int[] _groups;          // per level: number of groups
    private readonly int[][] _idx;           // per group of level b: its dense columns, ascending (always X and y)
    private readonly double[][] _cross;      // per group of level b: q_b × |idx| raw Z_bᵀW
    private readonly double[] _own;          // per group of level b: q_b × q_b raw Z_bᵀZ_b
    private readonly double[] _raw;          // R × R raw cross-products of the dense columns (lower and upper)
    private readonly double[] _a;            // R × R: Λ-scaled, then its lower Cholesky factor
    private readonly double[] _l;            // per group of level b: lower factor of T_j = Λ_bᵀ own Λ_b + I
    private readonly double[][] _y;          // per group of level b: Y_j = L_j⁻¹ Λ_bᵀ (cross) Λ̃
    private readonly double[][] _lambda;
    private readonly int[][] _cellsOf;           // per group of level b: its cells
    private readonly int[] _cellColumn, _cellPosition;
    private int _revision;                       // the statistics' revision the cross-products were read at // per cell and column of W: its dense column (−1: level b's own), and its place in the group's idx

    /// <summary>How many random effects the dense block holds: all but those of the factor with the most.</summary>
    internal static long DenseRandomEffects(SufficientStatistics s)
    {
        var sizes = s.Levels.Select(l => (long)l.Grouping.Count * l.Size).ToArray();
        return sizes.Sum() - sizes.Max();
    }

    public CrossedFactorization(SufficientStatistics s) : base(s)
    {
        int k = s.Levels.Count, m = s.M;
        _p = s.P;
        _q = s.Levels.Select(l => l.Size).ToArray();
        _groups = s.Levels.Select(l => l.Grouping.Count).ToArray();
        // The block-diagonal level: the one with the most random effects, so the dense rest is as small as it can be.
        _b = Enumerable.Range(0, k).MaxBy(i => (long)_groups[i] * _q[i]);
        _qb = _q[_b];
        _offset = new int[k];
        int d = 0;
        for (int i = 0; i < k; i++)
        {
            if (i == _b) { _offset[i] = -1; continue; }
            _offset[i] = d;
            d += _groups[i] * _q[i];
        }
        _d = d;
        _r = d + _p + 1;
        if (_r > MaxDense)
            throw new ModelSpecificationException(
                $"The crossed factors other than '{s.Levels[_b].Grouping.Name}' have {d:N0} random effects together ({string.Join(", ", Enumerable.Range(0, k).Where(i => i != _b).Select(i => $"'{s.Levels[i].Grouping.Name}': {_groups[i]:N0} groups × {_q[i]}"))}); " +
                $"the crossed fit factorises them as one dense block, which allows at most {MaxDense:N0}. Group the smaller factors more coarsely, or drop a random slope.");

        // Which dense column each of a cell's columns is (−1: the block-diagonal level's own).
        int cells = s.LeafCount;
        var cellLevel = s.CellLevel;
        int DenseColumn(int cell, int w)
        {
            if (w < _p) return _d + w;
            if (w == m - 1) return _d + _p;
            for (int i = 0; i < k; i++)
            {
                int z0 = s.ZOffset[i];
                if (w < z0 || w >= z0 + _q[i]) continue;
                return i == _b ? -1 : _offset[i] + cellLevel[i][cell] * _q[i] + (w - z0);
            }
            throw new InvalidOperationException("A column outside W.");
        }

        int groupsB = _groups[_b], zb = s.ZOffset[_b];
        var cellsOf = new List<int>[groupsB];
        for (int g = 0; g < groupsB; g++) cellsOf[g] = [];
        for (int c = 0; c < cells; c++) cellsOf[cellLevel[_b][c]].Add(c);
        _idx = new int[groupsB][];
        _cross = new double[groupsB][];
        _own = new double[groupsB * _qb * _qb];
        _raw = new double[_r * _r];
        var position = new int[_r];
        Array.Fill(position, -1);
        _cellsOf = cellsOf.Select(l => l.ToArray()).ToArray();
        _cellColumn = new int[cells * m];
        _cellPosition = new int[cells * m];
        for (int g = 0; g < groupsB; g++)
        {
            var set = new SortedSet<int>();
            foreach (int c in cellsOf[g])
                for (int w = 0; w < m; w++) if (DenseColumn(c, w) is int dc and >= 0) set.Add(dc);
            var idx = _idx[g] = set.ToArray();
            for (int t = 0; t < idx.Length; t++) position[idx[t]] = t;
            _cross[g] = new double[_qb * idx.Length];
            foreach (int c in cellsOf[g])
                for (int w = 0; w < m; w++)
                {
                    int dc = _cellColumn[c * m + w] = DenseColumn(c, w);
                    _cellPosition[c * m + w] = dc >= 0 ? position[dc] : -1;
                }
            foreach (int t in idx) position[t] = -1;
        }
        Reload();
        _a = new double[_r * _r];
        _l = new double[groupsB * _qb * _qb];
        _y = _idx.Select(idx => new double[_qb * idx.Length]).ToArray();
        _lambda = _q.Select(q => new double[q * q]).ToArray();
    }

    /// <summary>Reads the cells' values into the per-group cross-products and the dense block's raw cross-products: at
    /// construction, and again when the statistics have been refilled in place since (a binomial model's working
    /// statistics: <see cref="SufficientStatistics.Revision"/>).</summary>
    private void Reload()
    {
        var s = Statistics;
        _revision = s.Revision;
        int m = s.M, zb = s.ZOffset[_b], qb = _qb;
        Array.Clear(_own);
        Array.Clear(_raw);
        for (int g = 0; g < _idx.Length; g++)
        {
            var cross = _cross[g];
            Array.Clear(cross);
            int n = _idx[g].Length;
            foreach (int c in _cellsOf[g])
            {
                var cc = s.Leaf(c);
                var columns = _cellColumn.AsSpan(c * m, m);
                var positions = _cellPosition.AsSpan(c * m, m);
                for (int a = 0; a < qb; a++)
                {
                    int row = (zb + a) * m;
                    for (int w = 0; w < m; w++)
                    {
                        if (columns[w] >= 0) cross[a * n + positions[w]] += cc[row + w];
                        else if (w >= zb && w < zb + qb) _own[g * qb * qb + a * qb + (w - zb)] += cc[row + w];
                    }
                }
                for (int w1 = 0; w1 < m; w1++)
                {
                    int d1 = columns[w1];
                    if (d1 < 0) continue;
                    for (int w2 = 0; w2 < m; w2++)
                        if (columns[w2] is int d2 and >= 0) _raw[d1 * _r + d2] += cc[w1 * m + w2];
                }
            }
        }
    }

    /// <inheritdoc/>
    public override bool Update(IReadOnlyList<double[]> lambdas, FixedEffectPrior? prior, double sigma2)
    {
        if (_revision != Statistics.Revision) Reload();
        for (int k = 0; k < _q.Length; k++) lambdas[k].AsSpan().CopyTo(_lambda[k]);
        int r = _r;
        // The dense block: Λ̃ᵀ (raw) Λ̃ + I on the random part, with Λ̃ = Λ_k on each group's columns and 1 on X and y.
        Array.Copy(_raw, _a, _raw.Length);
        for (int k = 0; k < _q.Length; k++)
        {
            if (k == _b) continue;
            int q = _q[k];
            for (int g = 0; g < _groups[k]; g++)
            {
                int o = _offset[k] + g * q;
                ScaleColumns(_a, r, o, q, _lambda[k]);
                ScaleRows(_a, r, o, q, _lambda[k]);
            }
        }
        for (int i = 0; i < _d; i++) _a[i * r + i] += 1;
        if (prior is not null)
        {
            int x0 = _d, yi = _d + _p;
            for (int a = 0; a < _p; a++)
            {
                for (int c = 0; c < _p; c++) _a[(x0 + a) * r + x0 + c] += sigma2 * prior.Precision[a * _p + c];
                _a[yi * r + x0 + a] += sigma2 * prior.PrecisionTimesMean[a];
                _a[(x0 + a) * r + yi] += sigma2 * prior.PrecisionTimesMean[a];
            }
        }

        // The block-diagonal level, group by group: T_j = ΛᵀMΛ + I = LLᵀ, Y = L⁻¹ΛᵀKΛ̃, and the dense block loses YᵀY.
        double logDet = 0;
        int qb = _qb;
        var lamB = _lambda[_b];
        Span<double> t = stackalloc double[qb * qb];
        for (int g = 0; g < _idx.Length; g++)
        {
            var own = _own.AsSpan(g * qb * qb, qb * qb);
            var l = _l.AsSpan(g * qb * qb, qb * qb);
            Dense.Congruence(lamB, own, qb, t);
            t.CopyTo(l);
            for (int i = 0; i < qb; i++) l[i * qb + i] += 1;
            if (!Dense.CholeskyInPlace(l, qb)) return false;
            for (int i = 0; i < qb; i++) logDet += Math.Log(l[i * qb + i]);
            var idx = _idx[g];
            int n = idx.Length;
            var y = _y[g];
            // ΛᵀK (rows), then Λ̃ on the other levels' columns, then L⁻¹ per column.
            var cross = _cross[g];
            for (int a = 0; a < qb; a++)
                for (int c = 0; c < n; c++)
                {
                    double sum = 0;
                    for (int e = a; e < qb; e++) sum += lamB[e * qb + a] * cross[e * n + c];
                    y[a * n + c] = sum;
                }
            ScaleDenseColumns(y, qb, idx);
            for (int c = 0; c < n; c++) Dense.ForwardSolve(l, qb, y, c, n);
            for (int a = 0; a < n; a++)
            {
                int row = idx[a] * r;
                for (int c = 0; c <= a; c++)
                {
                    double sum = 0;
                    for (int e = 0; e < qb; e++) sum += y[e * n + a] * y[e * n + c];
                    _a[row + idx[c]] -= sum;
                }
            }
        }

        if (!BlockedCholesky.Factor(_a, r, out _)) return false;
        double logDetRest = 0, logDetX = 0;
        for (int i = 0; i < _d; i++) logDetRest += Math.Log(_a[i * r + i]);
        for (int i = _d; i < _d + _p; i++) logDetX += Math.Log(_a[i * r + i]);
        LogDetZ = 2 * (logDet + logDetRest);
        LogDetX = 2 * logDetX;
        double lyy = _a[(r - 1) * r + r - 1];
        Pwrss = lyy * lyy;
        for (int a = 0; a < _p; a++)
        {
            for (int c = 0; c < _p; c++) Lx[a * _p + c] = c <= a ? _a[(_d + a) * r + _d + c] : 0;
            Rx[a] = _a[(r - 1) * r + _d + a];
        }
        return true;
    }

    /// <summary>A[:, o..o+q) ← A[:, o..o+q)·Λ (Λ lower q×q).</summary>
    private static void ScaleColumns(double[] a, int r, int o, int q, double[] lam)
    {
        if (q == 1)
        {
            double v = lam[0];
            for (int i = 0; i < r; i++) a[i * r + o] *= v;
            return;
        }
        Span<double> tmp = stackalloc double[q];
        for (int i = 0; i < r; i++)
        {
            var row = a.AsSpan(i * r + o, q);
            for (int c = 0; c < q; c++)
            {
                double sum = 0;
                for (int e = c; e < q; e++) sum += row[e] * lam[e * q + c];
                tmp[c] = sum;
            }
            tmp.CopyTo(row);
        }
    }

    /// <summary>A[o..o+q, :] ← Λᵀ·A[o..o+q, :].</summary>
    private static void ScaleRows(double[] a, int r, int o, int q, double[] lam)
    {
        if (q == 1)
        {
            double v = lam[0];
            var row = a.AsSpan(o * r, r);
            for (int j = 0; j < r; j++) row[j] *= v;
            return;
        }
        Span<double> tmp = stackalloc double[q];
        for (int j = 0; j < r; j++)
        {
            for (int c = 0; c < q; c++)
            {
                double sum = 0;
                for (int e = c; e < q; e++) sum += lam[e * q + c] * a[(o + e) * r + j];
                tmp[c] = sum;
            }
            for (int c = 0; c < q; c++) a[(o + c) * r + j] = tmp[c];
        }
    }

    /// <summary>Y's columns that belong to another level's group ← times that level's Λ (X and y columns stay).</summary>
    private void ScaleDenseColumns(double[] y, int rows, int[] idx)
    {
        int n = idx.Length;
        for (int t = 0; t < n;)
        {
            int column = idx[t];
            if (column >= _d) break; // X and y come last
            int k = LevelOf(column), q = _q[k];
            var lam = _lambda[k];
            // A group's q columns are consecutive in idx: they enter together.
            for (int a = 0; a < rows; a++)
            {
                var row = y.AsSpan(a * n + t, q);
                for (int c = 0; c < q; c++)
                {
                    double sum = 0;
                    for (int e = c; e < q; e++) sum += row[e] * lam[e * q + c];
                    row[c] = sum; // row[e] for e > c is read before row[c] of a later c is written
                }
            }
            t += q;
        }
    }

    private int LevelOf(int denseColumn)
    {
        for (int k = 0; k < _q.Length; k++)
            if (k != _b && denseColumn >= _offset[k] && denseColumn < _offset[k] + _groups[k] * _q[k]) return k;
        throw new InvalidOperationException("Not a random-effect column.");
    }

    /// <inheritdoc/>
    public override Posterior ComputePosterior(bool includeFixedUncertainty, PathVisitor? visit = null)
    {
        var s = Statistics;
        int r = _r, nv = _d + _p, k = _q.Length;
        // v = (b of the dense levels, β): Lᵀv = ℓ, ℓ the y row of the factor.
        var v = new double[nv];
        for (int i = 0; i < nv; i++) v[i] = _a[(r - 1) * r + i];
        SolveDenseTranspose(v);
        var beta = v.AsSpan(_d, _p).ToArray();
        // Cov(v)/σ² = L⁻ᵀL⁻¹ over the dense random effects and β, or over the random effects alone when β is held.
        int nc = includeFixedUncertainty ? nv : _d;
        var cov = InverseOfProduct(nc);

        var means = new double[k][];
        var nodeCov = new double[k][];
        for (int level = 0; level < k; level++)
        {
            means[level] = new double[_groups[level] * _q[level]];
            nodeCov[level] = new double[_groups[level] * _q[level] * _q[level]];
        }
        int pathLength(int level) => s.ZOffset[level] + _q[level];
        var fixedCov = new double[_p * _p];
        if (includeFixedUncertainty)
            for (int a = 0; a < _p; a++) for (int c = 0; c < _p; c++) fixedCov[a * _p + c] = cov[(_d + a) * nc + _d + c];

        // The dense levels: u = Λb, Cov(u) = Λ Cov(b) Λᵀ, Cov(β, u) = Cov(β, b) Λᵀ.
        for (int level = 0; level < k; level++)
        {
            if (level == _b) continue;
            int q = _q[level];
            var lam = _lambda[level];
            for (int g = 0; g < _groups[level]; g++)
            {
                int o = _offset[level] + g * q;
                Dense.LowerTimes(lam, q, v.AsSpan(o, q), means[level].AsSpan(g * q, q));
                var bc = new double[q * q];
                for (int i = 0; i < q; i++) for (int j = 0; j < q; j++) bc[i * q + j] = cov[(o + i) * nc + o + j];
                var uc = nodeCov[level].AsSpan(g * q * q, q * q);
                LambdaCongruence(lam, bc, q, uc);
                if (visit is null) continue;
                var crossBeta = new double[q * _p]; // Cov(u, β) = Λ Cov(b, β)
                if (includeFixedUncertainty)
                    for (int i = 0; i < q; i++)
                        for (int c = 0; c < _p; c++)
                        {
                            double sum = 0;
                            for (int t = 0; t <= i; t++) sum += lam[i * q + t] * cov[(o + t) * nc + _d + c];
                            crossBeta[i * _p + c] = sum;
                        }
                Visit(visit, level, g, beta, means[level].AsSpan(g * q, q), fixedCov, crossBeta, uc, pathLength(level));
            }
        }

        // The block-diagonal level: b_j = L_j⁻ᵀ(Y_y − Y_v v), Cov(b_j) = T_j⁻¹ + G Cov(v) Gᵀ with G = L_j⁻ᵀY_v.
        int qb = _qb;
        var lamB = _lambda[_b];
        var tinv = new double[qb * qb];
        for (int g = 0; g < _idx.Length; g++)
        {
            var idx = _idx[g];
            int n = idx.Length, nvj = n - 1; // the last column is y
            var y = _y[g];
            var l = _l.AsSpan(g * qb * qb, qb * qb);
            var b = new double[qb];
            for (int i = 0; i < qb; i++)
            {
                double sum = y[i * n + n - 1];
                for (int c = 0; c < nvj; c++) sum -= y[i * n + c] * v[idx[c]];
                b[i] = sum;
            }
            Dense.BackSolve(l, qb, b, 0, 1);
            Dense.LowerTimes(lamB, qb, b, means[_b].AsSpan(g * qb, qb));
            // G over the columns that are in Cov(v) (β's only when its uncertainty is included).
            var usable = new List<int>();
            for (int c = 0; c < nvj; c++) if (idx[c] < nc) usable.Add(c);
            int nu = usable.Count;
            var gm = new double[qb * nu];
            for (int t = 0; t < nu; t++)
            {
                for (int i = 0; i < qb; i++) gm[i * nu + t] = y[i * n + usable[t]];
                Dense.BackSolve(l, qb, gm, t, nu);
            }
            var gp = new double[qb * nu]; // G Cov(v_usable)
            for (int i = 0; i < qb; i++)
                for (int t = 0; t < nu; t++)
                {
                    double sum = 0;
                    for (int e = 0; e < nu; e++) sum += gm[i * nu + e] * cov[idx[usable[e]] * nc + idx[usable[t]]];
                    gp[i * nu + t] = sum;
                }
            Dense.InverseFromCholesky(l, qb, tinv);
            var bc = new double[qb * qb];
            for (int i = 0; i < qb; i++)
                for (int j = 0; j < qb; j++)
                {
                    double sum = tinv[i * qb + j];
                    for (int t = 0; t < nu; t++) sum += gp[i * nu + t] * gm[j * nu + t];
                    bc[i * qb + j] = sum;
                }
            var uc = nodeCov[_b].AsSpan(g * qb * qb, qb * qb);
            LambdaCongruence(lamB, bc, qb, uc);
            if (visit is null) continue;
            // Cov(b_j, β) = −G Cov(v_usable, β); Cov(u_j, β) = Λ that.
            var crossBeta = new double[qb * _p];
            if (includeFixedUncertainty)
            {
                var bb = new double[qb * _p];
                for (int i = 0; i < qb; i++)
                    for (int c = 0; c < _p; c++)
                    {
                        double sum = 0;
                        for (int t = 0; t < nu; t++) sum -= gm[i * nu + t] * cov[idx[usable[t]] * nc + _d + c];
                        bb[i * _p + c] = sum;
                    }
                for (int i = 0; i < qb; i++)
                    for (int c = 0; c < _p; c++)
                    {
                        double sum = 0;
                        for (int t = 0; t <= i; t++) sum += lamB[i * qb + t] * bb[t * _p + c];
                        crossBeta[i * _p + c] = sum;
                    }
            }
            Visit(visit, _b, g, beta, means[_b].AsSpan(g * qb, qb), fixedCov, crossBeta, uc, pathLength(_b));
        }
        return new Posterior(beta, means, nodeCov, fixedCov);
    }

    /// <inheritdoc/>
    /// <remarks>The dense block first — v = (b of the other levels, β) from L_vvᵀv = ℓ_v + σz — then each group of the
    /// block-diagonal level, b_j = L_j⁻ᵀ(Y_y − Y_v v + σz).</remarks>
    // Hot: compiled optimised on first call, not after a slow first tier (a run lasts seconds).
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public override void Draw(double sigma, System.Random rng, double[] beta, double[][] u)
    {
        int r = _r, nv = _d + _p;
        var v = _drawV ??= new double[nv];
        for (int i = 0; i < nv; i++) v[i] = _a[(r - 1) * r + i] + sigma * rng.NextStandardNormal();
        SolveDenseTranspose(v);
        Array.Copy(v, _d, beta, 0, _p);
        for (int level = 0; level < _q.Length; level++)
        {
            if (level == _b) continue;
            int q = _q[level];
            var lam = _lambda[level];
            for (int g = 0; g < _groups[level]; g++)
            {
                int o = _offset[level] + g * q;
                Dense.LowerTimes(lam, q, v.AsSpan(o, q), u[level].AsSpan(g * q, q));
            }
        }
        int qb = _qb;
        var lamB = _lambda[_b];
        var b = _drawB ??= new double[qb];
        for (int g = 0; g < _idx.Length; g++)
        {
            var idx = _idx[g];
            int n = idx.Length;
            var y = _y[g];
            for (int i = 0; i < qb; i++)
            {
                double sum = y[i * n + n - 1];
                for (int c = 0; c < n - 1; c++) sum -= y[i * n + c] * v[idx[c]];
                b[i] = sum + sigma * rng.NextStandardNormal();
            }
            Dense.BackSolve(_l.AsSpan(g * qb * qb, qb * qb), qb, b, 0, 1);
            Dense.LowerTimes(lamB, qb, b, u[_b].AsSpan(g * qb, qb));
        }
    }

    private double[]? _drawV, _drawB;

    /// <summary>The most random effects the dense block may hold for a sweep to draw all location effects jointly (one dense
    /// factorisation per sweep); beyond it <see cref="FactorwiseLocationDraw"/> draws them factor by factor.</summary>
    internal const int ExactDrawUpTo = 500;

    /// <summary>v ← L_vv⁻ᵀv over the dense block's random effects and β (the y row and column left out).</summary>
    private void SolveDenseTranspose(double[] v)
    {
        int r = _r, nv = v.Length;
        for (int i = nv - 1; i >= 0; i--)
        {
            double sum = v[i];
            for (int j = i + 1; j < nv; j++) sum -= _a[j * r + i] * v[j];
            v[i] = sum / _a[i * r + i];
        }
    }

    /// <summary>The path (β, zeros for the levels this group does not lie in, u) and its covariance.</summary>
    private void Visit(PathVisitor visit, int level, int group, double[] beta, ReadOnlySpan<double> u, double[] fixedCov,
        double[] crossBeta, ReadOnlySpan<double> uCov, int length)
    {
        int q = _q[level], z0 = length - q;
        var mean = new double[length];
        var cov = new double[length * length];
        beta.CopyTo(mean, 0);
        u.CopyTo(mean.AsSpan(z0));
        for (int a = 0; a < _p; a++) for (int c = 0; c < _p; c++) cov[a * length + c] = fixedCov[a * _p + c];
        for (int i = 0; i < q; i++)
        {
            for (int c = 0; c < _p; c++) cov[(z0 + i) * length + c] = cov[c * length + z0 + i] = crossBeta[i * _p + c];
            for (int j = 0; j < q; j++) cov[(z0 + i) * length + z0 + j] = uCov[i * q + j];
        }
        visit(level, group, mean, cov);
    }

    /// <summary>u = ΛΛ-scaled covariance: Λ B Λᵀ into <paramref name="result"/>.</summary>
    private static void LambdaCongruence(double[] lam, double[] b, int q, Span<double> result)
    {
        for (int i = 0; i < q; i++)
            for (int j = 0; j < q; j++)
            {
                double sum = 0;
                for (int a = 0; a <= i; a++)
                    for (int c = 0; c <= j; c++) sum += lam[i * q + a] * b[a * q + c] * lam[j * q + c];
                result[i * q + j] = sum;
            }
    }

    /// <summary>(L Lᵀ)⁻¹ over the leading n×n block of the dense factor: L⁻¹ by columns, then its Gram matrix.</summary>
    private double[] InverseOfProduct(int n)
    {
        int r = _r;
        var wt = new double[n * n]; // column c of W = L⁻¹ at wt[c·n …], so every inner loop runs along memory
        Parallel.For(0, n, c =>
        {
            var col = wt.AsSpan(c * n, n);
            col[c] = 1 / _a[c * r + c];
            for (int i = c + 1; i < n; i++)
                col[i] = -Dense.Dot(_a.AsSpan(i * r + c, i - c), col.Slice(c, i - c)) / _a[i * r + i];
        });
        var result = new double[n * n];
        Parallel.For(0, n, a =>
        {
            var wa = wt.AsSpan(a * n, n);
            for (int c = 0; c <= a; c++)
            {
                // W is lower: column a is zero above row a.
                double sum = Dense.Dot(wa.Slice(a), wt.AsSpan(c * n + a, n - a));
                result[a * n + c] = result[c * n + a] = sum;
            }
        });
        return result;
    }


    /// <inheritdoc/>
    public override void ReliabilityMatrix(int level, int node, Span<double> result)
    {
        int q = _q[level];
        var m = new double[q * q];
        if (level == _b) _own.AsSpan(node * q * q, q * q).CopyTo(m);
        else
        {
            int o = _offset[level] + node * q;
            for (int i = 0; i < q; i++) for (int j = 0; j < q; j++) m[i * q + j] = _raw[(o + i) * _r + o + j];
        }
        var lam = _lambda[level];
        var t = new double[q * q];
        Dense.Congruence(lam, m, q, t);
        for (int i = 0; i < q; i++) t[i * q + i] += 1;
        Dense.CholeskyInPlace(t, q);
        var tinv = new double[q * q];
        Dense.InverseFromCholesky(t, q, tinv);
        var pm = new double[q * q];
        LambdaCongruence(lam, tinv, q, pm);
        for (int i = 0; i < q; i++)
            for (int j = 0; j < q; j++)
            {
                double sum = 0;
                for (int e = 0; e < q; e++) sum += pm[i * q + e] * m[e * q + j];
                result[i * q + j] = sum;
            }
    }
}
