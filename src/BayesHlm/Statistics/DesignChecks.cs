namespace BayesHlm.Statistics;

/// <summary>Checks a design can be estimated, with messages in the user's terms.</summary>
internal static class DesignChecks
{
    public static void Run(SufficientStatistics s)
    {
        var total = s.Total();
        CheckIdentifiable(s);
        CheckFixedRank(s, total);
        CheckResidualVariation(s, total);
    }

    /// <summary>As lme4 checks: a grouping factor with a group per row, or more random effects than rows, leaves the
    /// random-effect variances and σ² unidentifiable.</summary>
    private static void CheckIdentifiable(SufficientStatistics s)
    {
        // With the level-1 variances known there is no σ² to confuse with the group variances (eight schools).
        if (s.KnownResidualVariance) return;
        foreach (var level in s.Levels)
        {
            int groups = level.Grouping.Count;
            if (groups >= s.N)
                throw new ModelSpecificationException(
                    $"The grouping factor '{level.Grouping.Name}' has {groups} groups for {s.N} rows: every group has a single row, so its " +
                    "variance cannot be told apart from the residual variance. Group by a coarser factor, or drop that random term.");
            if ((long)groups * level.Size >= s.N)
                throw new ModelSpecificationException(
                    $"The random effects of '{level.Grouping.Name}' number {groups} × {level.Size} = {groups * level.Size}, not fewer than the {s.N} rows: " +
                    "their variances and the residual variance cannot all be estimated. Drop a random slope, or use more rows per group.");
        }
    }

    /// <summary>The outcome must vary around its fixed-effect fit: a residual sum of squares of (numerically)
    /// zero leaves no variance to partition (a predictor that copies the outcome).</summary>
    private static void CheckResidualVariation(SufficientStatistics s, double[] total)
    {
        int p = s.P, m = s.M, yi = s.YIndex;
        var l = new double[p * p];
        var r = new double[p];
        for (int a = 0; a < p; a++)
        {
            r[a] = total[a * m + yi];
            for (int b = 0; b < p; b++) l[a * p + b] = total[a * m + b];
        }
        Linalg.Dense.CholeskyInPlace(l, p);
        Linalg.Dense.ForwardSolve(l, p, r, 0, 1);
        double yy = total[yi * m + yi], explained = 0;
        for (int a = 0; a < p; a++) explained += r[a] * r[a];
        // Relative to the outcome's variation about its mean, so a large mean (years, timestamps) is no problem.
        if (yy - explained > 1e-10 * s.OutcomeSumOfSquares) return;
        throw new DataException($"The fixed effects reproduce the outcome '{s.Spec.Outcome.Name}' exactly (no residual variation): is one of the predictors a copy or a transform of the outcome?");
    }

    /// <summary>Gram–Schmidt on XᵀX in column order: a column whose residual is (numerically) zero is a
    /// linear combination of earlier ones, which are named.</summary>
    private static void CheckFixedRank(SufficientStatistics s, double[] total)
    {
        int p = s.P, m = s.M;
        var names = s.FixedNames;
        var xtx = new double[p, p];
        for (int a = 0; a < p; a++) for (int b = 0; b < p; b++) xtx[a, b] = total[a * m + b];
        var kept = new List<int>();
        for (int c = 0; c < p; c++)
        {
            if (xtx[c, c] <= 0)
                throw new ModelSpecificationException($"The fixed-effect column '{names[c]}' is zero in every row the model uses, so its effect cannot be estimated. Remove the term, or check the data.");
            if (kept.Count > 0)
            {
                var g = new MathNet.Numerics.LinearAlgebra.Double.DenseMatrix(kept.Count, kept.Count);
                var r = new MathNet.Numerics.LinearAlgebra.Double.DenseVector(kept.Count);
                for (int i = 0; i < kept.Count; i++)
                {
                    r[i] = xtx[kept[i], c];
                    for (int j = 0; j < kept.Count; j++) g[i, j] = xtx[kept[i], kept[j]];
                }
                var coef = g.Cholesky().Solve(r);
                double residual = xtx[c, c] - coef.DotProduct(r);
                if (residual <= 1e-9 * xtx[c, c])
                {
                    var involved = new List<string>();
                    for (int i = 0; i < kept.Count; i++)
                        if (Math.Abs(coef[i]) * Math.Sqrt(xtx[kept[i], kept[i]]) > 1e-6 * Math.Sqrt(xtx[c, c])) involved.Add($"'{names[kept[i]]}'");
                    string with = involved.Count == 0 ? "earlier terms" : string.Join(", ", involved);
                    throw new ModelSpecificationException(
                        $"The fixed effects are collinear (the design is rank deficient): '{names[c]}' is a linear combination of {with} in the rows the model uses. " +
                        "Remove one of these terms (a level-2 variable that is the same as another, or a factor level that never occurs, often causes this).");
                }
            }
            kept.Add(c);
        }
    }
}
