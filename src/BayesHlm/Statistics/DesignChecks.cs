namespace BayesHlm.Statistics;

/// <summary>Checks a design can be estimated, with messages in the user's terms.</summary>
internal static class DesignChecks
{
    public static void Run(SufficientStatistics s)
    {
        var total = s.Total();
        CheckIdentifiable(s);
        CheckNestedLevelsDiffer(s);
        var centred = CentredCrossProducts(s, total, out var rawDiagonal);
        CheckFixedRank(s, centred, rawDiagonal);
        CheckRandomEffectsSeparable(s);
        CheckRandomInterceptsNotAbsorbed(s);
        CheckResidualVariation(s, total);
        CheckWithinGroupVariation(s);
    }

    /// <summary>A nested factor with exactly one group inside each group of the factor above it (<c>(1 | g/g)</c>, or
    /// schools with one classroom each) has the same groups: the two levels' effects cannot be told apart.</summary>
    private static void CheckNestedLevelsDiffer(SufficientStatistics s)
    {
        if (s.Crossed) return;
        for (int k = 1; k < s.Levels.Count; k++)
        {
            var outer = s.Levels[k - 1].Grouping;
            var inner = s.Levels[k].Grouping;
            if (inner.Count == outer.Count)
                throw new ModelSpecificationException(
                    $"Each group of '{outer.Name}' holds exactly one group of '{inner.Name}': they are the same {inner.Count} groups, so the random effects " +
                    $"of the two levels cannot be told apart. Drop the random term of one of them (e.g. (1 | {outer.Name}) instead of (1 | {outer.Name}/…)).");
        }
    }

    /// <summary>A level's random effects must be told apart (the statistics hold random slopes centred, so a slope far from
    /// 0 is judged by its spread, not its distance): a random slope on a variable that is constant within every
    /// group duplicates the group's intercept, and random terms whose columns are collinear over all rows (x and 2x)
    /// share one effect; in both cases their variances are not identifiable (REML would report a converged nonsense).</summary>
    private static void CheckRandomEffectsSeparable(SufficientStatistics s)
    {
        for (int k = 0; k < s.Levels.Count; k++)
        {
            var level = s.Levels[k];
            int q = level.Size, m = s.M, z0 = s.ZOffset[k], mm = m * m;
            if (q < 2) continue;
            var node = s.NodeCrossProducts(k);
            int intercept = level.InterceptIndex;
            if (intercept >= 0 && ConstantSlope(node, level, z0, m, intercept) is { } slope)
                throw new ModelSpecificationException(
                    $"The random slope of '{slope}' on '{level.Grouping.Name}' cannot be estimated: '{slope}' does not vary within any group of '{level.Grouping.Name}', " +
                    $"so its slope cannot be told apart from the group's intercept. Keep '{slope}' as a fixed effect (a level-2 predictor) and drop it from ( … | {level.Grouping.Name}).");
            var total = new double[q * q];
            for (int j = 0; j < level.Grouping.Count; j++)
                for (int a = 0; a < q; a++)
                    for (int b = 0; b < q; b++) total[a * q + b] += node[j * mm + (z0 + a) * m + z0 + b];
            if (!HasFullRank(total, q))
                throw new ModelSpecificationException(
                    $"The random effects of '{level.Grouping.Name}' ({string.Join(", ", level.TermNames.Select(t => $"'{t}'"))}) are collinear: one of their columns is a " +
                    $"linear combination of the others in every row, so their variances cannot be estimated. Remove the duplicated term from ( … | {level.Grouping.Name}).");
        }
    }

    /// <summary>The first random term that is constant within every group (its within-group sum of squares is zero).</summary>
    private static string? ConstantSlope(double[] node, RandomLevel level, int z0, int m, int intercept)
    {
        int mm = m * m, q = level.Size;
        for (int a = 0; a < q; a++)
        {
            if (a == intercept) continue;
            int c = z0 + a, one = z0 + intercept;
            bool constant = true;
            for (int j = 0; j < level.Grouping.Count && constant; j++)
            {
                double n = node[j * mm + one * m + one], sum = node[j * mm + one * m + c], squares = node[j * mm + c * m + c];
                constant = n <= 0 || squares - sum * sum / n <= 1e-10 * (squares + 1e-300);
            }
            if (constant) return level.TermNames[a];
        }
        return null;
    }

    /// <summary>Full rank to within 1e-9 of the largest diagonal entry: every pivot of its Cholesky factor above that.</summary>
    private static bool HasFullRank(double[] a, int q)
    {
        double scale = 0;
        for (int i = 0; i < q; i++) scale = Math.Max(scale, a[i * q + i]);
        var l = (double[])a.Clone();
        if (!(scale > 0) || !Linalg.Dense.SemiDefiniteCholeskyInPlace(l, q)) return false;
        for (int j = 0; j < q; j++) if (l[j * q + j] * l[j * q + j] <= 1e-9 * scale) return false;
        return true;
    }

    /// <summary>A random intercept on a factor whose groups the fixed effects already tell apart (<c>factor(g) + (1 | g)</c>):
    /// when the fixed columns constant within the groups are as many as the groups, the groups' means are fitted by
    /// fixed effects and nothing is left for the random intercepts' variance.</summary>
    private static void CheckRandomInterceptsNotAbsorbed(SufficientStatistics s)
    {
        for (int k = 0; k < s.Levels.Count; k++)
        {
            var level = s.Levels[k];
            if (!level.TermNames.Contains("(Intercept)")) continue;
            var between = Enumerable.Range(0, s.P).Where(c => s.ConstantWithin[c][k]).Select(c => s.FixedNames[c]).ToList();
            if (between.Count >= level.Grouping.Count)
                throw new ModelSpecificationException(
                    $"The fixed effects have {between.Count} columns that are constant within the groups of '{level.Grouping.Name}' ({string.Join(", ", between.Take(4).Select(n => $"'{n}'"))}" +
                    $"{(between.Count > 4 ? ", …" : "")}), as many as its {level.Grouping.Count} groups: they fit every group's mean, which leaves nothing for the random intercepts " +
                    $"of '{level.Grouping.Name}'. Remove the fixed factor of the groups (e.g. factor({level.Grouping.Name})), or the random intercept.");
        }
    }

    /// <summary>An outcome constant within every innermost group leaves no within-group variation for σ² (REML would run
    /// σ² to zero and a group variance to infinity): it is a group-level outcome.</summary>
    private static void CheckWithinGroupVariation(SufficientStatistics s)
    {
        // Crossed factors leave variation between the cells of a group, and a cell may hold one row.
        if (s.KnownResidualVariance || s.Levels.Count == 0 || s.InterceptIndex < 0 || s.Crossed) return;
        int m = s.M, yi = s.YIndex, one = s.InterceptIndex;
        double within = 0;
        for (int j = 0; j < s.LeafCount; j++)
        {
            var c = s.Leaf(j);
            double n = c[one * m + one], sum = c[one * m + yi];
            if (n > 0) within += c[yi * m + yi] - sum * sum / n;
        }
        if (within > 1e-10 * s.OutcomeSumOfSquares) return;
        var leaf = s.Levels[^1].Grouping;
        throw new DataException(
            $"The outcome '{s.Spec.Outcome.Name}' does not vary within any group of '{leaf.Name}': with no within-group variation the residual variance cannot be " +
            $"estimated. This is a group-level outcome: analyse one row per group (without (… | {leaf.Name})), or check the data.");
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

    /// <summary>XᵀX of the fixed columns, with an intercept each other column centred about its weighted mean (from the
    /// C_j, which hold the numeric variables already centred, so a predictor with a large mean — x + 10⁵, a year — keeps
    /// its digits and is not taken for a copy of the intercept); and each column's raw Σw·x², as the user wrote it.</summary>
    private static double[,] CentredCrossProducts(SufficientStatistics s, double[] total, out double[] rawDiagonal)
    {
        int p = s.P, m = s.M, one = s.InterceptIndex;
        double n = one >= 0 ? total[one * m + one] : 0;
        var xtx = new double[p, p];
        for (int a = 0; a < p; a++)
            for (int b = 0; b < p; b++)
                xtx[a, b] = one < 0 || a == one || b == one ? total[a * m + b] : total[a * m + b] - total[one * m + a] * total[one * m + b] / n;
        rawDiagonal = new double[p];
        for (int a = 0; a < p; a++) rawDiagonal[a] = s.Coordinates.UserCrossProduct(total, m, a, a);
        return xtx;
    }

    /// <summary>Gram–Schmidt in column order on the centred XᵀX: a column whose residual is (numerically) zero is a linear
    /// combination of earlier ones, which are named. With an intercept the other columns are centred, so the intercept
    /// takes no part but for a column that is constant (its centred norm vanishes against its raw one).</summary>
    private static void CheckFixedRank(SufficientStatistics s, double[,] xtx, double[] rawDiagonal)
    {
        int p = s.P, one = s.InterceptIndex;
        var names = s.FixedNames;
        var kept = new List<int>();
        for (int c = 0; c < p; c++)
        {
            if (rawDiagonal[c] <= 0)
                throw new ModelSpecificationException($"The fixed-effect column '{names[c]}' is zero in every row the model uses, so its effect cannot be estimated. Remove the term, or check the data.");
            // Two-pass centring leaves a constant column about ε² of its raw norm; a real spread of 1e-10 of the mean is kept.
            if (c != one && one >= 0 && xtx[c, c] <= 1e-20 * rawDiagonal[c])
                throw new ModelSpecificationException(
                    $"The fixed-effect column '{names[c]}' is constant in every row the model uses, so its effect cannot be told apart from the intercept. " +
                    "Remove the term (a level-2 variable with one value, or a factor level that never occurs, often causes this).");
            if (c == one) continue;
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
