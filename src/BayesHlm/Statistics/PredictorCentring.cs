namespace BayesHlm.Statistics;

/// <summary>
/// Centres the numeric variables of the fixed-effect columns, as the columns are held in the C_j: a column that is the
/// product of numeric variables V (and factor indicators F) becomes Π_V (x_v − m_v)·F. Expanding the product,
/// Π_V x_v·F = Σ over subsets R of V of Π_{V∖R} m_v · Π_R (x_v − m_v)·F, so when every such lower-order column is in the
/// model (the intercept for R = F = ∅; lme4's hierarchy x, z, x:z) the centred columns span the same space: the model
/// is the same, only β is expressed in other coordinates (<see cref="DesignCoordinates"/>). A predictor far from 0
/// (x + 10⁵, a year, and its interactions) then keeps its digits. A column whose lower-order terms are not all in the
/// model stays as written.
/// </summary>
internal static class PredictorCentring
{
    /// <summary>Replaces the centrable fixed columns of <paramref name="columns"/> (the first ones, in the order of
    /// <paramref name="fixedColumns"/>) by their centred form; returns each column's expansion in centred columns.</summary>
    public static (int Column, double Weight)[][] Centre(IReadOnlyList<CodedColumn> fixedColumns, double[]? weights, double[][] columns)
    {
        var expansion = Plan(fixedColumns, part => Mean(part.Values, weights), out var means);
        for (int c = 0; c < fixedColumns.Count; c++)
        {
            if (means[c] is not { } centre) continue;
            var column = fixedColumns[c];
            var values = new double[column.Values.Length];
            for (int i = 0; i < values.Length; i++)
            {
                double v = column.Indicator?[i] ?? 1;
                for (int k = 0; k < column.Numeric.Length; k++) v *= column.Numeric[k].Values[i] - centre[k];
                values[i] = v;
            }
            columns[c] = values;
        }
        return expansion;
    }

    /// <summary>Which fixed columns are centred and about what: per column, the mean subtracted from each of its numeric
    /// factors (null for a column kept as written), and each column's expansion in centred columns.
    /// <paramref name="mean"/> gives a numeric factor's mean over the rows (the rows' own, or the moments').</summary>
    public static (int Column, double Weight)[][] Plan(IReadOnlyList<CodedColumn> fixedColumns, Func<NumericPart, double> mean, out double[]?[] centres)
    {
        int p = fixedColumns.Count;
        centres = new double[]?[p];
        var expansion = new (int, double)[p][];
        var index = new Dictionary<string, int>();
        for (int c = 0; c < p; c++) index.TryAdd(Key(fixedColumns[c].Numeric, fixedColumns[c].Levels), c);
        var means = new Dictionary<(Formula.Variable, int), double>();
        for (int c = 0; c < p; c++)
        {
            expansion[c] = [];
            var column = fixedColumns[c];
            var numeric = column.Numeric;
            if (numeric.Length == 0 || numeric.Length > 10) continue;
            if (numeric.Select(n => (n.Variable, n.Index)).Distinct().Count() < numeric.Length) continue; // x:x
            var terms = new List<(int Column, double Weight)>();
            bool complete = true;
            foreach (var part in numeric)
                if (!means.ContainsKey((part.Variable, part.Index))) means[(part.Variable, part.Index)] = mean(part);
            // Every proper subset R of the numeric factors, as a bit mask over them.
            for (int mask = 0; mask < (1 << numeric.Length) - 1 && complete; mask++)
            {
                var kept = numeric.Where((_, i) => (mask & (1 << i)) != 0).ToArray();
                double weight = 1;
                for (int i = 0; i < numeric.Length; i++)
                    if ((mask & (1 << i)) == 0) weight *= means[(numeric[i].Variable, numeric[i].Index)];
                if (!index.TryGetValue(Key(kept, column.Levels), out int d)) { complete = false; break; }
                if (weight != 0) terms.Add((d, weight));
            }
            if (!complete) continue;
            centres[c] = numeric.Select(part => means[(part.Variable, part.Index)]).ToArray();
            expansion[c] = terms.ToArray();
        }
        return expansion;
    }

    /// <summary>
    /// Centres the random slopes of a level that has a random intercept: z̃_a = z_a − z̄_a·1, in place in
    /// <paramref name="columns"/> (the level's columns start at <paramref name="first"/>). It is a change of the random
    /// effects' coordinates (ũ = Lu, Σ̃ = LΣLᵀ): the same model when Σ is unstructured; for a diagonal Σ, and for the
    /// sampler, the statistics are turned back (<see cref="SufficientStatistics.ForReml"/>). Accumulated centred, a slope far
    /// from 0 keeps the digits of its within-group spread. Returns each column's expansion (the level's own indices).
    /// </summary>
    public static (int Column, double Weight)[][] CentreSlopes(IReadOnlyList<string> names, List<double[]> columns, int first, double[]? weights)
    {
        var expansion = SlopePlan(names, a => Mean(columns[first + a], weights));
        for (int a = 0; a < names.Count; a++)
        {
            if (expansion[a].Length == 0) continue;
            var z = columns[first + a];
            double mean = expansion[a][0].Weight;
            var centred = new double[z.Length];
            for (int i = 0; i < z.Length; i++) centred[i] = z[i] - mean;
            columns[first + a] = centred;
        }
        return expansion;
    }

    /// <summary>Which random slopes <see cref="CentreSlopes"/> centres: each column's expansion, [(intercept, its mean)]
    /// for a centred one (its mean from <paramref name="mean"/>), empty for one kept as written.</summary>
    public static (int Column, double Weight)[][] SlopePlan(IReadOnlyList<string> names, Func<int, double> mean)
    {
        int q = names.Count, one = -1;
        for (int a = 0; a < q; a++) if (names[a] == "(Intercept)") one = a;
        var expansion = new (int, double)[q][];
        for (int a = 0; a < q; a++)
        {
            expansion[a] = [];
            if (one < 0 || a == one) continue;
            double m = mean(a);
            if (m == 0 || !double.IsFinite(m)) continue;
            expansion[a] = [(one, m)];
        }
        return expansion;
    }

    /// <summary>What a column is the product of, in any order: x:z and z:x are one column.</summary>
    private static string Key(IEnumerable<NumericPart> numeric, IEnumerable<(Formula.Variable Variable, int Level)> levels) =>
        string.Join("\u001f", numeric.Select(n => $"n{n.Variable}\u001e{n.Index}").Concat(levels.Select(l => $"f{l.Variable}\u001e{l.Level}")).Order(StringComparer.Ordinal));

    private static double Mean(double[] x, double[]? weights)
    {
        double sum = 0, total = 0;
        for (int i = 0; i < x.Length; i++)
        {
            double w = weights?[i] ?? 1;
            sum += w * x[i];
            total += w;
        }
        return sum / total;
    }
}
