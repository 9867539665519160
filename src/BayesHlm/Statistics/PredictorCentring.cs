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
        int p = fixedColumns.Count;
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
            foreach (var mean in numeric)
                if (!means.ContainsKey((mean.Variable, mean.Index))) means[(mean.Variable, mean.Index)] = Mean(mean.Values, weights);
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
            var values = new double[column.Values.Length];
            // The parts' means looked up once, not per row (a record-keyed lookup was most of this loop's time).
            var partMeans = new double[numeric.Length];
            for (int j = 0; j < numeric.Length; j++) partMeans[j] = means[(numeric[j].Variable, numeric[j].Index)];
            for (int i = 0; i < values.Length; i++)
            {
                double v = column.Indicator?[i] ?? 1;
                for (int j = 0; j < numeric.Length; j++) v *= numeric[j].Values[i] - partMeans[j];
                values[i] = v;
            }
            columns[c] = values;
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
        int q = names.Count, one = -1;
        for (int a = 0; a < q; a++) if (names[a] == "(Intercept)") one = a;
        var expansion = new (int, double)[q][];
        for (int a = 0; a < q; a++)
        {
            expansion[a] = [];
            if (one < 0 || a == one) continue;
            var z = columns[first + a];
            double mean = Mean(z, weights);
            if (mean == 0 || !double.IsFinite(mean)) continue;
            var centred = new double[z.Length];
            for (int i = 0; i < z.Length; i++) centred[i] = z[i] - mean;
            columns[first + a] = centred;
            expansion[a] = [(one, mean)];
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
