using BayesHlm.Statistics;
using BayesHlm.Statistics.Linalg;

namespace BayesHlm.ModelChecks;

/// <summary>
/// Each group's log-likelihood per draw with its random effects integrated out — log p(y_j | β, θ), exactly, from the
/// C_j alone (MATH.md §8): the values of leave-one-group-out cross-validation, "how well would the model predict a new
/// school". With nested factors a group of level k takes its own effects and those of every group nested in it out
/// (innermost first, the kernel's arrowhead elimination), given the effects of the levels above it; with crossed
/// factors, its own effects given the other factors'. Linear models only: for them the integral is Gaussian.
/// </summary>
internal sealed class GroupLikelihood
{
    private readonly SufficientStatistics _s;
    private readonly int _level;
    private readonly int[] _integrated;      // levels whose effects are integrated out, outer to inner
    private readonly int[] _known;           // columns of the leaves' W that are known given the draw: X, other levels' Z
    private readonly int[] _kept;            // columns kept: the integrated levels' Z, in order
    private readonly int[][] _nodeOfLeaf;    // per integrated level, each leaf's node
    private readonly int[] _groupOfLeaf;
    private readonly int[] _rows;            // per group of the level
    private readonly double[] _logWeights;   // per group: Σ log w_i

    /// <param name="s">The statistics as the sampler works (random columns as written).</param>
    /// <param name="design">The model's rows (for the weights).</param>
    /// <param name="level">The grouping level whose groups are left out.</param>
    public GroupLikelihood(SufficientStatistics s, Design design, int level)
    {
        if (s.Spec.Family != Model.Family.Gaussian)
            throw new ModelSpecificationException("The group-wise log-likelihood integrates a group's effects out exactly, which only a linear (gaussian) model allows. Use the observation-wise form for this model.");
        _s = s;
        _level = level;
        int levels = s.Levels.Count;
        _integrated = s.Crossed ? [level] : Enumerable.Range(level, levels - level).ToArray();
        _kept = _integrated.SelectMany(k => Enumerable.Range(s.ZOffset[k], s.Levels[k].Size)).ToArray();
        _known = Enumerable.Range(0, s.YIndex).Except(_kept).ToArray();
        _nodeOfLeaf = _integrated.Select(k => s.CellLevel[k]).ToArray();
        _groupOfLeaf = s.CellLevel[level];
        int groups = s.Levels[level].Grouping.Count;
        _rows = new int[groups];
        _logWeights = new double[groups];
        for (int i = 0; i < design.N; i++)
        {
            int g = _groupOfLeaf[design.LeafOfRow[i]];
            _rows[g]++;
            if (design.Weights is { } w) _logWeights[g] += Math.Log(w[i]);
        }
    }

    /// <summary>The groups' names.</summary>
    public IReadOnlyList<string> Names => _s.Levels[_level].Grouping.GroupNames;

    /// <summary>Draws × groups log-likelihoods, each group's draws contiguous.</summary>
    public double[] Compute(DrawReader reader, ulong seed)
    {
        bool needsEffects = _known.Any(c => c >= _s.P);
        if (needsEffects && !reader.SavedGroupEffects && !reader.CanRedrawGroupEffects)
            throw new ModelSpecificationException(reader.NeedsGroupEffects("Leaving out one group of a model with crossed factors"));
        int draws = reader.Count, groups = _rows.Length;
        var values = new double[groups * draws];
        Parallel.For(0, draws, () => new Workspace(this, reader, seed), (d, _, w) =>
        {
            double sigma2 = reader.Read(d, w.Beta, w.Sigma);
            if (needsEffects) w.Effects.Fill(d, w.Beta, sigma2, w.Sigma, w.U);
            Evaluate(w, sigma2);
            for (int g = 0; g < groups; g++) values[g * draws + d] = w.Result[g];
            return w;
        }, _ => { });
        return values;
    }

    /// <summary>One draw: each leaf's W reduced to [kept Z | r] with r = y − (known columns)·(their values), then the
    /// integrated levels eliminated innermost first into the groups of the level; a group's remainder is rᵀV⁻¹r·σ².</summary>
    private void Evaluate(Workspace w, double sigma2)
    {
        var s = _s;
        int m = s.M, yi = s.YIndex, kept = _kept.Length, d = kept + 1;
        // Known coefficients: β (statistics' coordinates), and the other levels' u (as written) of each leaf.
        for (int k = 0; k < _integrated.Length; k++)
        {
            var l = w.Lambda[k];
            int q = s.Levels[_integrated[k]].Size;
            Array.Copy(w.Sigma[_integrated[k]], l, q * q);
            for (int i = 0; i < l.Length; i++) l[i] /= sigma2;
            if (!Dense.SemiDefiniteCholeskyInPlace(l, q)) throw new InvalidOperationException("A drawn covariance matrix is not positive semi-definite.");
        }
        foreach (var acc in w.Accumulators) Array.Clear(acc);
        Array.Clear(w.LogDet);
        var coef = w.Coefficients;
        for (int leaf = 0; leaf < s.LeafCount; leaf++)
        {
            var c = s.Leaf(leaf);
            for (int t = 0; t < _known.Length; t++)
            {
                int col = _known[t];
                coef[t] = col < s.P ? w.Beta[col] : KnownEffect(w.U, col, leaf);
            }
            // The leaf's reduced matrix over [kept | r]: kept×kept as is, kept×r and r×r through the known coefficients.
            var target = LeafTarget(w, leaf);
            for (int a = 0; a < kept; a++)
            {
                int ca = _kept[a];
                for (int b = 0; b <= a; b++) target[a * d + b] += c[ca * m + _kept[b]];
                double v = c[ca * m + yi];
                for (int t = 0; t < _known.Length; t++) v -= coef[t] * c[ca * m + _known[t]];
                target[kept * d + a] += v;
            }
            double rr = c[yi * m + yi];
            for (int t = 0; t < _known.Length; t++)
            {
                int ct = _known[t];
                double row = 2 * c[ct * m + yi];
                for (int u = 0; u < _known.Length; u++) row -= coef[u] * c[ct * m + _known[u]];
                rr -= coef[t] * row;
            }
            target[kept * d + kept] += rr;
        }
        // Eliminate the integrated levels, innermost first; each node's block goes into its parent's accumulator.
        for (int k = _integrated.Length - 1; k >= 0; k--)
        {
            int level = _integrated[k], q = s.Levels[level].Size, nodes = s.Levels[level].Grouping.Count;
            int before = 0;
            for (int t = 0; t < k; t++) before += s.Levels[_integrated[t]].Size;
            for (int node = 0; node < nodes; node++)
            {
                var block = w.Accumulators[k].AsSpan(node * d * d, d * d);
                int group = k == 0 ? node : -1;
                double logDet = Eliminate(block, d, before, q, w.Lambda[k], w.Scratch);
                if (k == 0) w.LogDet[group] += logDet;
                else
                {
                    int parent = s.Levels[level].Grouping.Parent[node];
                    var into = w.Accumulators[k - 1].AsSpan(parent * d * d, d * d);
                    for (int i = 0; i < d * d; i++) into[i] += block[i];
                    w.LogDet[GroupOf(k - 1, parent)] += logDet;
                }
            }
        }
        int groups = _rows.Length;
        for (int g = 0; g < groups; g++)
        {
            double rho = w.Accumulators[0][g * d * d + kept * d + kept];
            w.Result[g] = -0.5 * (_rows[g] * Math.Log(2 * Math.PI * sigma2) - _logWeights[g] + w.LogDet[g] + rho / sigma2);
        }
    }

    /// <summary>The group of the level left out that holds node <paramref name="node"/> of integrated level index <paramref name="k"/>.</summary>
    private int GroupOf(int k, int node)
    {
        for (int t = k; t > 0; t--) node = _s.Levels[_integrated[t]].Grouping.Parent[node];
        return node;
    }

    /// <summary>The accumulator a leaf adds to: its own node at the innermost integrated level (a crossed factor's group).</summary>
    private Span<double> LeafTarget(Workspace w, int leaf)
    {
        int k = _integrated.Length - 1, d = _kept.Length + 1;
        int node = _nodeOfLeaf[k][leaf];
        return w.Accumulators[k].AsSpan(node * d * d, d * d);
    }

    private double KnownEffect(double[][] u, int column, int leaf)
    {
        var s = _s;
        for (int k = s.Levels.Count - 1; k >= 0; k--)
            if (column >= s.ZOffset[k])
            {
                int q = s.Levels[k].Size;
                return u[k][s.CellLevel[k][leaf] * q + column - s.ZOffset[k]];
            }
        throw new InvalidOperationException("Not a random column.");
    }

    /// <summary>Eliminates the q columns at <paramref name="at"/>… of a symmetric d×d block (lower triangle filled):
    /// T = ΛᵀM_zzΛ + I = LLᵀ, Y = L⁻¹ΛᵀM_{z,rest}, the rest's block −= YᵀY. Returns log|T|.</summary>
    private static double Eliminate(Span<double> block, int d, int at, int q, double[] lambda, double[] scratch)
    {
        // Full symmetric copy of the rows and columns involved.
        for (int a = 0; a < d; a++) for (int b = 0; b < a; b++) block[b * d + a] = block[a * d + b];
        var t = scratch.AsSpan(0, q * q);
        // ΛᵀM_zzΛ + I
        for (int a = 0; a < q; a++)
            for (int b = 0; b < q; b++)
            {
                double v = 0;
                for (int i = a; i < q; i++)
                    for (int j = b; j < q; j++) v += lambda[i * q + a] * block[(at + i) * d + at + j] * lambda[j * q + b];
                t[a * q + b] = v + (a == b ? 1 : 0);
            }
        var tl = scratch.AsSpan(0, q * q).ToArray();
        if (!Dense.CholeskyInPlace(tl, q)) throw new InvalidOperationException("ΛᵀMΛ + I is not positive definite.");
        double logDet = Dense.LogDeterminant(tl, q);
        // Y = L⁻¹ΛᵀM_{z,rest} for each rest column c (columns outside [at, at+q)).
        var y = new double[q];
        var rest = Enumerable.Range(0, d).Where(c => c < at || c >= at + q).ToArray();
        var ys = new double[rest.Length][];
        for (int r = 0; r < rest.Length; r++)
        {
            int c = rest[r];
            for (int a = 0; a < q; a++)
            {
                double v = 0;
                for (int i = a; i < q; i++) v += lambda[i * q + a] * block[(at + i) * d + c];
                y[a] = v;
            }
            Dense.ForwardSolve(tl, q, y, 0, 1);
            ys[r] = (double[])y.Clone();
        }
        for (int r = 0; r < rest.Length; r++)
            for (int r2 = 0; r2 <= r; r2++)
            {
                double v = 0;
                for (int a = 0; a < q; a++) v += ys[r][a] * ys[r2][a];
                block[rest[r] * d + rest[r2]] -= v;
            }
        // The eliminated rows and columns are spent: zero them so the parent's sum ignores them.
        for (int a = at; a < at + q; a++)
            for (int c = 0; c < d; c++) { block[a * d + c] = 0; block[c * d + a] = 0; }
        // Keep only the lower triangle for the parent (it adds lower triangles).
        for (int a = 0; a < d; a++) for (int b = a + 1; b < d; b++) block[a * d + b] = 0;
        return logDet;
    }

    private sealed class Workspace
    {
        public Workspace(GroupLikelihood owner, DrawReader reader, ulong seed)
        {
            var s = owner._s;
            int d = owner._kept.Length + 1;
            Beta = new double[s.P];
            Sigma = s.Levels.Select(l => new double[l.Size * l.Size]).ToArray();
            U = s.Levels.Select(l => new double[l.Grouping.Count * l.Size]).ToArray();
            Lambda = owner._integrated.Select(k => new double[s.Levels[k].Size * s.Levels[k].Size]).ToArray();
            Accumulators = owner._integrated.Select(k => new double[s.Levels[k].Grouping.Count * d * d]).ToArray();
            Coefficients = new double[owner._known.Length];
            LogDet = new double[owner._rows.Length];
            Result = new double[owner._rows.Length];
            Scratch = new double[s.Levels.Max(l => l.Size) * s.Levels.Max(l => l.Size)];
            Effects = new GroupEffectSource(s, reader, seed);
        }

        public double[] Beta { get; }
        public double[][] Sigma { get; }
        public double[][] U { get; }
        public double[][] Lambda { get; }
        public double[][] Accumulators { get; }
        public double[] Coefficients { get; }
        public double[] LogDet { get; }
        public double[] Result { get; }
        public double[] Scratch { get; }
        public GroupEffectSource Effects { get; }
    }
}
