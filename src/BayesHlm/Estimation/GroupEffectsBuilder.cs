using BayesHlm.Statistics;
using BayesHlm.Statistics.Linalg;

namespace BayesHlm.Estimation;

/// <summary>Empirical Bayes group estimates at the fitted θ (MATH.md §3).</summary>
internal static class GroupEffectsBuilder
{
    public static List<GroupEffects> Build(SufficientStatistics s, GaussianKernel f, double sigma2)
    {
        var result = new List<GroupEffects>();
        if (s.Levels.Count == 0) return result;
        int m = s.M, yi = s.YIndex, innermost = s.Levels.Count - 1;
        var conditional = f.ComputePosterior(includeFixedUncertainty: false);
        // Cross-products of each group's rows: the C_j themselves at the innermost level, sums above it.
        var sums = Enumerable.Range(0, s.Levels.Count).Select(k => k == innermost ? null : s.NodeCrossProducts(k)).ToArray();
        ReadOnlySpan<double> Rows(int k, int j) => k == innermost ? s.Leaf(j) : sums[k].AsSpan(j * m * m, m * m);
        var owners = Enumerable.Range(0, s.Levels.Count).Select(k => FixedColumnOwners(s, k, j => Rows(k, j))).ToArray();
        var coef = s.Levels.Select(l => new double[]?[l.Grouping.Count]).ToArray();
        var coefSe = s.Levels.Select(l => new double[]?[l.Grouping.Count]).ToArray();
        // The group coefficients need each group's whole path through the nesting (β integrated out): computed as the posterior visits it.
        f.ComputePosterior(includeFixedUncertainty: true, (k, j, path, cov) =>
            (coef[k][j], coefSe[k][j]) = Coefficients(s, k, Rows(k, j), owners[k], path, cov, sigma2));
        for (int k = 0; k < s.Levels.Count; k++)
        {
            var level = s.Levels[k];
            int q = level.Size, nodes = level.Grouping.Count, z0 = s.ZOffset[k];
            var u = new double[nodes][];
            var uSe = new double[nodes][];
            var ols = new double[]?[nodes];
            var olsSe = new double[]?[nodes];
            var rel = new double[nodes][];
            var coordinates = s.Coordinates;
            var cov = new double[q * q];
            var relMatrix = new double[q * q];
            for (int j = 0; j < nodes; j++)
            {
                // The kernel's ũ_j and its covariance, then the user's u_j = L⁻¹ũ_j (random slopes centred for REML).
                u[j] = conditional.Means[k].AsSpan(j * q, q).ToArray();
                coordinates.RandomToUser(k, u[j]);
                conditional.NodeCovariance[k].AsSpan(j * q * q, q * q).CopyTo(cov);
                coordinates.RandomCovarianceToUser(k, cov);
                uSe[j] = new double[q];
                for (int i = 0; i < q; i++) uSe[j][i] = Math.Sqrt(sigma2 * cov[i * q + i]);
                f.ReliabilityMatrix(k, j, relMatrix);
                coordinates.ReliabilityToUser(k, relMatrix);
                rel[j] = Enumerable.Range(0, q).Select(i => relMatrix[i * q + i]).ToArray();
                var c = Rows(k, j);

                // Per-group OLS of y on Z_j where the group's rows determine it (in the kernel's columns, then mapped).
                if (level.Grouping.RowCount[j] <= q) continue;
                var l = new double[q * q];
                double maxDiag = 0;
                for (int a = 0; a < q; a++)
                    for (int b = 0; b < q; b++) l[a * q + b] = c[(z0 + a) * m + z0 + b];
                for (int a = 0; a < q; a++) maxDiag = Math.Max(maxDiag, l[a * q + a]);
                if (!Dense.CholeskyInPlace(l, q) || MinPivotSquared(l, q) <= 1e-10 * maxDiag) continue;
                var inv = new double[q * q];
                Dense.InverseFromCholesky(l, q, inv);
                var estimate = new double[q];
                for (int a = 0; a < q; a++)
                    for (int b = 0; b < q; b++)
                    {
                        // Zᵀy of the original y: Zᵀ(y − shift) + shift·Zᵀ1, with 1 the intercept column.
                        double zy = c[(z0 + b) * m + yi] + (s.InterceptIndex >= 0 ? s.OutcomeShift * c[(z0 + b) * m + s.InterceptIndex] : 0);
                        estimate[a] += inv[a * q + b] * zy;
                    }
                coordinates.RandomToUser(k, estimate);
                coordinates.RandomCovarianceToUser(k, inv);
                ols[j] = estimate;
                olsSe[j] = Enumerable.Range(0, q).Select(a => Math.Sqrt(sigma2 * inv[a * q + a])).ToArray();
            }
            result.Add(new GroupEffects(level.Grouping.Name, level.Grouping.GroupNames, level.TermNames, level.Grouping.RowCount,
                u, uSe, coef[k], coefSe[k], ols, olsSe, rel));
        }
        return result;
    }

    /// <summary>
    /// One group's coefficients β_j = Σ γ·W_j (the fixed columns that are its Z column times a group-level
    /// constant W_j) + the random effects of this and outer levels on the same term, with SEs from the path's
    /// posterior covariance (β integrated out).
    /// </summary>
    private static (double[], double[]) Coefficients(SufficientStatistics s, int k, ReadOnlySpan<double> c, int[] owner,
        ReadOnlySpan<double> path, ReadOnlySpan<double> cov, double sigma2)
    {
        int p = s.P, m = s.M, q = s.Levels[k].Size, z0 = s.ZOffset[k], d = z0 + q;
        var ancestors = AncestorColumns(s, k);
        var g = new double[d];
        var cj = new double[q];
        var se = new double[q];
        for (int a = 0; a < q; a++)
        {
            Array.Clear(g);
            for (int col = 0; col < p; col++)
                if (owner[col] == a)
                {
                    double zz = UserCrossProduct(s, c, z0 + a, z0 + a);
                    g[col] = zz > 0 ? UserCrossProduct(s, c, col, z0 + a) / zz : 0;
                }
            g[z0 + a] = 1;
            foreach (int ancestor in ancestors[a]) g[ancestor] = 1;
            // g weighs the user's (β, u); the path holds the kernel's (β̃, ũ).
            double mean = s.Coordinates.ToKernelWeights(g), v = 0;
            for (int x = 0; x < d; x++)
            {
                if (g[x] == 0) continue;
                mean += g[x] * path[x];
                for (int y = 0; y < d; y++) v += g[x] * cov[x * d + y] * g[y];
            }
            cj[a] = mean;
            se[a] = Math.Sqrt(Math.Max(v, 0) * sigma2);
        }
        return (cj, se);
    }

    /// <summary>
    /// For each fixed column, the random coefficient of level <paramref name="k"/> it belongs to: the first Z
    /// column it is proportional to within every group (X = W_j·Z, W_j constant in group j, as a level-2 variable
    /// times a level-1 one is), or −1. This is how an HLM written level by level becomes a mixed model, read back.
    /// </summary>
    private static int[] FixedColumnOwners(SufficientStatistics s, int k, GroupRows rows)
    {
        int p = s.P, m = s.M, q = s.Levels[k].Size, z0 = s.ZOffset[k], nodes = s.Levels[k].Grouping.Count;
        var owner = new int[p];
        for (int col = 0; col < p; col++)
        {
            owner[col] = -1;
            for (int a = 0; a < q && owner[col] < 0; a++)
            {
                bool proportional = true;
                for (int j = 0; j < nodes && proportional; j++)
                {
                    var c = rows(j);
                    // The user's columns are sums of the centred ones: a column that is 0 in this group comes back as
                    // rounding of the terms that cancelled, so the tolerance is relative to their size.
                    double zz = UserCrossProduct(s, c, z0 + a, z0 + a), xz = UserCrossProduct(s, c, col, z0 + a);
                    double xx = s.Coordinates.UserCrossProduct(c, s.M, col, col, out double size);
                    proportional = zz > 0 ? xx - xz * xz / zz <= 1e-9 * Math.Max(size, 1e-300) : Math.Abs(xx) <= 1e-12 * size;
                }
                if (proportional) owner[col] = a;
            }
        }
        return owner;
    }

    /// <summary>A cross-product of two columns of W as the user wrote them (the C_j hold the fixed columns centred).</summary>
    private static double UserCrossProduct(SufficientStatistics s, ReadOnlySpan<double> c, int a, int b) => s.Coordinates.UserCrossProduct(c, s.M, a, b);

    /// <summary>For each random coefficient of level k, the path positions of the same term at outer levels.</summary>
    private static List<int>[] AncestorColumns(SufficientStatistics s, int k)
    {
        var level = s.Levels[k];
        var result = new List<int>[level.Size];
        for (int a = 0; a < level.Size; a++)
        {
            result[a] = new List<int>();
            // Crossed factors are not nested: a group's coefficient is β plus its own factor's effect (lme4's coef()).
            if (s.Crossed) continue;
            for (int outer = 0; outer < k; outer++)
            {
                int b = s.Levels[outer].TermNames.ToList().IndexOf(level.TermNames[a]);
                if (b >= 0) result[a].Add(s.ZOffset[outer] + b);
            }
        }
        return result;
    }

    private delegate ReadOnlySpan<double> GroupRows(int group);

    private static double MinPivotSquared(double[] l, int q)
    {
        double min = double.PositiveInfinity;
        for (int i = 0; i < q; i++) min = Math.Min(min, l[i * q + i] * l[i * q + i]);
        return min;
    }
}
