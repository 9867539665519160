using BayesHlm.Statistics;
using BayesHlm.Statistics.Linalg;

namespace BayesHlm.Estimation;

/// <summary>Empirical Bayes group estimates at the fitted θ (MATH.md §3).</summary>
internal static class GroupEffectsBuilder
{
    public static List<GroupEffects> Build(SufficientStatistics s, NestedFactorization f, double sigma2)
    {
        var result = new List<GroupEffects>();
        if (s.Levels.Count == 0) return result;
        var conditional = f.ComputePosterior(includeFixedUncertainty: false, chainCovariance: s.Levels.Count > 1);
        var full = f.ComputePosterior(includeFixedUncertainty: true, chainCovariance: true);
        int p = s.P, m = s.M, yi = s.YIndex;
        for (int k = 0; k < s.Levels.Count; k++)
        {
            var level = s.Levels[k];
            int q = level.Size, nodes = level.Grouping.Count, z0 = s.ZOffset[k], d = z0 + q;
            var sums = s.NodeCrossProducts(k);
            var u = new double[nodes][];
            var uSe = new double[nodes][];
            var coef = new double[]?[nodes];
            var coefSe = new double[]?[nodes];
            var ols = new double[]?[nodes];
            var olsSe = new double[]?[nodes];
            var rel = new double[nodes][];
            for (int j = 0; j < nodes; j++)
            {
                u[j] = new double[q];
                uSe[j] = new double[q];
                for (int i = 0; i < q; i++)
                {
                    u[j][i] = conditional.Means[k][j * q + i];
                    uSe[j][i] = Math.Sqrt(sigma2 * conditional.NodeCovariance[k][j * q * q + i * q + i]);
                }
                rel[j] = new double[q];
                f.Reliability(k, j, rel[j]);

                // ZᵀZ of the group's rows, factorised once for the OLS estimate and the fixed part of β_j.
                var c = sums.AsSpan(j * m * m, m * m);
                var ztz = new double[q * q];
                double maxDiag = 0;
                for (int a = 0; a < q; a++)
                    for (int b = 0; b < q; b++) ztz[a * q + b] = c[(z0 + a) * m + z0 + b];
                for (int a = 0; a < q; a++) maxDiag = Math.Max(maxDiag, ztz[a * q + a]);
                var l = (double[])ztz.Clone();
                bool invertible = Dense.CholeskyInPlace(l, q) && MinPivotSquared(l, q) > 1e-10 * maxDiag;
                if (!invertible) continue;
                var inv = new double[q * q];
                Dense.InverseFromCholesky(l, q, inv);
                if (level.Grouping.RowCount[j] > q)
                {
                    var zy = new double[q];
                    for (int a = 0; a < q; a++) zy[a] = c[(z0 + a) * m + yi];
                    ols[j] = MatVec(inv, zy, q);
                    olsSe[j] = Enumerable.Range(0, q).Select(a => Math.Sqrt(sigma2 * inv[a * q + a])).ToArray();
                }
                // Fixed part of the group's coefficients: the projection P_j β̂ of X_j β̂ on Z_j, P_j = (ZᵀZ)⁻¹ZᵀX.
                var pj = new double[q * p];
                for (int a = 0; a < q; a++)
                    for (int b = 0; b < p; b++)
                    {
                        double v = 0;
                        for (int t = 0; t < q; t++) v += inv[a * q + t] * c[(z0 + t) * m + b];
                        pj[a * p + b] = v;
                    }
                var beta = full.Beta;
                var cj = new double[q];
                for (int a = 0; a < q; a++)
                {
                    double v = 0;
                    for (int b = 0; b < p; b++) v += pj[a * p + b] * beta[b];
                    cj[a] = v + u[j][a];
                }
                coef[j] = cj;
                // Var(P β + u) with the joint posterior of (β, u_j), β integrated out.
                var chain = full.ChainCovariance![k].AsSpan(j * d * d, d * d);
                var se = new double[q];
                for (int a = 0; a < q; a++)
                {
                    double v = chain[(z0 + a) * d + z0 + a];
                    for (int b = 0; b < p; b++)
                    {
                        v += 2 * pj[a * p + b] * chain[b * d + z0 + a];
                        for (int e = 0; e < p; e++) v += pj[a * p + b] * chain[b * d + e] * pj[a * p + e];
                    }
                    se[a] = Math.Sqrt(Math.Max(v, 0) * sigma2);
                }
                coefSe[j] = se;
            }
            result.Add(new GroupEffects(level.Grouping.Name, level.Grouping.LevelNames, level.TermNames, level.Grouping.RowCount,
                u, uSe, coef, coefSe, ols, olsSe, rel));
        }
        return result;
    }

    private static double MinPivotSquared(double[] l, int q)
    {
        double min = double.PositiveInfinity;
        for (int i = 0; i < q; i++) min = Math.Min(min, l[i * q + i] * l[i * q + i]);
        return min;
    }

    private static double[] MatVec(double[] a, double[] x, int q)
    {
        var r = new double[q];
        for (int i = 0; i < q; i++)
            for (int j = 0; j < q; j++) r[i] += a[i * q + j] * x[j];
        return r;
    }
}
