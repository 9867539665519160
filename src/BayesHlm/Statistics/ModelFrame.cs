using BayesHlm.Data;
using BayesHlm.Formula;
using BayesHlm.Model;

namespace BayesHlm.Statistics;

/// <summary>A variable evaluated on the rows a model uses: numbers, a factor (codes into sorted levels), or several
/// numeric columns (<c>poly(x, k)</c>, each named by the variable and a suffix).</summary>
internal sealed class EvaluatedVariable
{
    public EvaluatedVariable(Variable variable, double[] numeric) { Variable = variable; Numeric = numeric; }
    public EvaluatedVariable(Variable variable, int[] codes, string[] levels) { Variable = variable; Codes = codes; Levels = levels; }
    public EvaluatedVariable(Variable variable, double[][] columns, string[] suffixes) { Variable = variable; Columns = columns; Suffixes = suffixes; }

    public Variable Variable { get; }
    public double[]? Numeric { get; }
    public int[]? Codes { get; }
    public string[]? Levels { get; }
    public double[][]? Columns { get; }
    public string[]? Suffixes { get; }
    public bool IsFactor => Codes is not null;
}

/// <summary>
/// The rows a model uses (listwise deletion of missing values in any column it reads) with every
/// variable evaluated on them, and the grouping factors as codes. Reports the missing count per column.
/// </summary>
internal sealed class ModelFrame
{
    public required int RowCount { get; init; }
    public required int RowsRead { get; init; }
    public required IReadOnlyDictionary<string, int> MissingByColumn { get; init; }
    public required IReadOnlyDictionary<Variable, EvaluatedVariable> Variables { get; init; }
    /// <summary>The table the rows come from.</summary>
    public required DataTable Source { get; init; }
    /// <summary>Index into <see cref="Source"/> of each row used.</summary>
    public required int[] Rows { get; init; }
    /// <summary>Each row's known level-1 variance (the V-known model), or null.</summary>
    public double[]? KnownVariance { get; init; }
    /// <summary>Each row's precision weight (σ²/w_i is its level-1 variance), or null.</summary>
    public double[]? PrecisionWeights { get; init; }
    /// <summary>The binomial family's trials per row; null otherwise.</summary>
    public double[]? Trials { get; init; }
    /// <summary>How a text outcome was coded 0/1 (said in the output); null when it was numbers.</summary>
    public string? OutcomeCoding { get; init; }

    /// <param name="spec">The model.</param>
    /// <param name="data">Its data.</param>
    /// <param name="outcomeIsPlaceholder">The rows are to be predicted: their outcome is a placeholder, not checked.</param>
    public static ModelFrame Build(ModelSpec spec, DataTable data, bool outcomeIsPlaceholder = false)
    {
        if (spec.Weights is not null && spec.KnownResidual is not null)
            throw new ModelSpecificationException("Give precision weights or known level-1 variances, not both: known variances fix each row's variance, weights scale an estimated one.");
        if (spec.Outcome.Function is VariableFunction.Factor or VariableFunction.Poly)
            throw new ModelSpecificationException($"The outcome cannot be {spec.Outcome.Name}: a linear model needs one numeric outcome. Use the column itself (or log of it).");
        foreach (var column in spec.Columns)
            if (!data.Contains(column)) throw new DataException(data.MissingColumnMessage(column));

        // Numeric use of a text column with numbers in it is a typo in the data, not a factor.
        // A bernoulli outcome may be a two-valued text column (no/yes): it is coded below, not read as numbers.
        bool textOutcome = spec.Family == Family.Bernoulli && spec.Outcome.Function == VariableFunction.None
            && data[spec.Outcome.Column] is TextColumn ot && !IsAllNumbers(ot);
        var numericUse = new HashSet<string>(textOutcome ? [] : spec.Outcome.ValueColumns);
        if (spec.Trials is { } trialsColumn) numericUse.Add(trialsColumn);
        if (spec.Family == Family.Binomial && spec.Trials is null)
            throw new ModelSpecificationException($"A binomial outcome '{spec.Outcome.Name}' counts successes out of a number of trials: name the column that holds each row's trials (--trials COLUMN, or 'trials:' in a model file). For 0/1 outcomes use the bernoulli family.");
        if (spec.Family != Family.Binomial && spec.Trials is not null)
            throw new ModelSpecificationException($"Trials ('{spec.Trials}') belong to the binomial family, not {spec.Family.Name()}: add --family binomial, or drop --trials.");
        if (spec.Family != Family.Gaussian && (spec.Weights is not null || spec.KnownResidual is not null))
            throw new ModelSpecificationException($"Precision weights and known level-1 variances belong to the gaussian family; a {spec.Family.Name()} outcome's variance follows from its mean.");
        if (spec.Weights is { } weightColumn) numericUse.Add(weightColumn);
        if (spec.KnownResidual is { } known)
        {
            numericUse.Add(known.Column);
            if (data[known.Column] is TextColumn kt && !IsAllNumbers(kt))
            {
                int row = kt.FirstNonNumericRow;
                throw new DataException($"{data.Where(row)}, column '{kt.Name}': the value '{kt.TextAt(row)}' is not a number, but '{kt.Name}' holds the known level-1 {(known.IsStandardDeviation ? "standard deviations" : "variances")}.");
            }
        }
        foreach (var v in spec.Variables)
            if (v.Function is not (VariableFunction.None or VariableFunction.Factor))
                numericUse.UnionWith(v.ValueColumns);
        foreach (var v in spec.Variables)
            foreach (var column in v.ValueColumns)
            {
                if (data[column] is not TextColumn t || IsAllNumbers(t)) continue;
                bool looksNumeric = t.NumericCount > 0 && t.NumericCount >= (t.Length - t.MissingCount) / 2;
                if (v.Function != VariableFunction.Factor && (numericUse.Contains(column) || looksNumeric))
                {
                    throw new DataException(
                        $"{data.NotNumbers(t)}, " +
                        $"but the model uses '{t.Name}' as a number. Fix or blank {(t.NonNumericRows(1).Count == 1 ? "that value" : "those values")} (empty, NA or . mark a missing value)" +
                        (numericUse.Contains(column) ? "." : $", or write factor({t.Name}) to treat the column as categories."));
                }
            }

        var columns = spec.Columns.ToList();
        var missing = new Dictionary<string, int>();
        var keep = new bool[data.RowCount];
        Array.Fill(keep, true);
        foreach (var name in columns)
        {
            var col = data[name];
            int count = 0;
            for (int i = 0; i < keep.Length; i++)
                if (col.IsMissing(i)) { keep[i] = false; count++; }
            missing[name] = count;
        }
        int kept = 0;
        foreach (bool k in keep) if (k) kept++;
        if (kept == 0)
            throw new DataException($"No rows are left after dropping rows with missing values in {string.Join(", ", missing.Where(m => m.Value > 0).Select(m => $"'{m.Key}' ({m.Value})"))}.");
        var rows = new int[kept];
        for (int i = 0, r = 0; i < keep.Length; i++) if (keep[i]) rows[r++] = i;

        var evaluated = new Dictionary<Variable, EvaluatedVariable>();
        foreach (var v in spec.Variables) evaluated[v] = Evaluate(v, data, rows);
        string? coding = null;
        if (textOutcome)
        {
            var e = evaluated[spec.Outcome];
            if (e.Levels!.Length != 2)
                throw new DataException($"The bernoulli outcome '{spec.Outcome.Name}' has {e.Levels.Length} distinct values ({string.Join(", ", e.Levels.Take(5).Select(l => $"'{l}'"))}{(e.Levels.Length > 5 ? ", …" : "")}) in the rows the model uses; it needs exactly two (0/1, no/yes). Recode it, or select the rows with two values.");
            evaluated[spec.Outcome] = new EvaluatedVariable(spec.Outcome, e.Codes!.Select(c => (double)c).ToArray());
            coding = $"'{spec.Outcome.Name}': '{e.Levels[0]}' = 0, '{e.Levels[1]}' = 1 (the second value in sorted order is the event)";
        }
        var y = evaluated[spec.Outcome].Numeric!;
        var trials = spec.Trials is { } tc ? Numbers(data[tc], rows) : null;
        if (!outcomeIsPlaceholder) OutcomeChecks.Check(spec, data, rows, y, trials);
        double first = y[0];
        if (!outcomeIsPlaceholder && y.All(v => v == first) && spec.Family == Family.Gaussian)
            throw new DataException($"The outcome '{spec.Outcome.Name}' has the same value ({first.ToString("G6", System.Globalization.CultureInfo.InvariantCulture)}) in every row the model uses; there is nothing to model. Check that the right column is named.");
        return new ModelFrame
        {
            Source = data, Rows = rows, RowCount = kept, RowsRead = data.RowCount, MissingByColumn = missing, Variables = evaluated,
            KnownVariance = spec.KnownResidual is { } knownResidual ? KnownVariances(knownResidual, data, rows) : null,
            PrecisionWeights = spec.Weights is { } weights ? PrecisionWeightsOf(weights, data, rows) : null,
            Trials = trials,
            OutcomeCoding = coding,
        };
    }

    private static double[] PrecisionWeightsOf(string column, DataTable data, int[] rows)
    {
        var w = Numbers(data[column], rows);
        for (int i = 0; i < w.Length; i++)
            if (!(w[i] > 0) || double.IsInfinity(w[i]))
                throw new DataException($"{data.Where(rows[i])}, column '{column}': a precision weight must be positive and finite, not {w[i].ToString(System.Globalization.CultureInfo.InvariantCulture)}.");
        return w;
    }

    private static double[] KnownVariances(KnownResidual known, DataTable data, int[] rows)
    {
        var v = Numbers(data[known.Column], rows);
        for (int i = 0; i < v.Length; i++)
        {
            if (!(v[i] > 0) || double.IsInfinity(v[i]))
                throw new DataException($"{data.Where(rows[i])}, column '{known.Column}': a known level-1 {(known.IsStandardDeviation ? "standard deviation" : "variance")} must be positive and finite, not {v[i].ToString(System.Globalization.CultureInfo.InvariantCulture)}.");
            if (known.IsStandardDeviation) v[i] *= v[i];
        }
        return v;
    }

    /// <summary>A text column whose present values are all numbers (a subset of a column with a typo elsewhere).</summary>
    internal static bool IsAllNumbers(TextColumn t) => t.FirstNonNumericRow < 0 && t.NumericCount > 0;

    private static double[] Numbers(DataColumn col, int[] rows)
    {
        var x = new double[rows.Length];
        if (col is NumericColumn n)
        {
            for (int i = 0; i < rows.Length; i++) x[i] = n[rows[i]];
            return x;
        }
        var t = (TextColumn)col;
        var parsed = t.DistinctValues.Select(v => Data.CsvTableReader.TryParseNumber(v, out double d) ? d : double.NaN).ToArray();
        for (int i = 0; i < rows.Length; i++) x[i] = parsed[t.Codes[rows[i]]];
        return x;
    }

    /// <summary>Codes of the rows into the column's distinct values, levels sorted (numerically when all are numbers).</summary>
    internal static (int[] Codes, string[] Levels) FactorCodes(DataColumn col, int[] rows)
    {
        var raw = new int[rows.Length];
        var distinct = new List<string>();
        if (col is TextColumn t)
        {
            var map = new Dictionary<int, int>();
            for (int i = 0; i < rows.Length; i++)
            {
                int c = t.Codes[rows[i]];
                if (!map.TryGetValue(c, out int k)) { k = distinct.Count; map[c] = k; distinct.Add(t.DistinctValues[c]); }
                raw[i] = k;
            }
        }
        else
        {
            var n = (NumericColumn)col;
            if (n.SpellingLost)
                throw new DataException(
                    $"Column '{n.Name}' is used as labels (groups or categories) but was read as numbers, and some of its values are " +
                    $"not plain integers (a leading zero, decimals, over 15 digits), so labels written differently could merge. " +
                    $"Read it as text: DataTable.ReadCsv(path, model.LabelColumns).");
            var map = new Dictionary<double, int>();
            for (int i = 0; i < rows.Length; i++)
            {
                double v = n[rows[i]];
                if (!map.TryGetValue(v, out int k)) { k = distinct.Count; map[v] = k; distinct.Add(n.TextAt(rows[i])); }
                raw[i] = k;
            }
        }
        var order = LevelOrder.Sort(distinct);
        var rank = new int[order.Length];
        for (int i = 0; i < order.Length; i++) rank[order[i]] = i;
        var codes = new int[rows.Length];
        for (int i = 0; i < rows.Length; i++) codes[i] = rank[raw[i]];
        return (codes, order.Select(i => distinct[i]).ToArray());
    }

    internal static EvaluatedVariable Evaluate(Variable v, DataTable data, int[] rows)
    {
        if (v.Function == VariableFunction.AsIs)
            return new EvaluatedVariable(v, AsIsEvaluator.Evaluate(v, data, rows, column => Numbers(data[column], rows)));
        var col = data[v.Column];
        bool isText = col is TextColumn t && !IsAllNumbers(t);
        switch (v.Function)
        {
            case VariableFunction.Factor:
            {
                var (codes, levels) = FactorCodes(col, rows);
                return new EvaluatedVariable(v, codes, levels);
            }
            case VariableFunction.None when isText:
            {
                var (codes, levels) = FactorCodes(col, rows);
                return new EvaluatedVariable(v, codes, levels);
            }
            case VariableFunction.Offset when v.Inner != VariableFunction.None:
            {
                var inner = Evaluate(new Variable(v.Inner, v.Column), data, rows);
                return new EvaluatedVariable(v, inner.Numeric!);
            }
            case VariableFunction.None or VariableFunction.Offset:
                return new EvaluatedVariable(v, Numbers(col, rows));
            case VariableFunction.Log:
            {
                var x = Numbers(col, rows);
                for (int i = 0; i < x.Length; i++)
                {
                    if (x[i] <= 0)
                        throw new DataException($"{data.Where(rows[i])}, column '{v.Column}': log({v.Column}) needs positive values, found {x[i].ToString(System.Globalization.CultureInfo.InvariantCulture)}. Remove or shift the non-positive values.");
                    x[i] = Math.Log(x[i]);
                }
                return new EvaluatedVariable(v, x);
            }
            case VariableFunction.Sqrt or VariableFunction.Exp:
            {
                var x = Numbers(col, rows);
                for (int i = 0; i < x.Length; i++)
                {
                    double y = v.Function == VariableFunction.Sqrt ? Math.Sqrt(x[i]) : Math.Exp(x[i]);
                    if (!double.IsFinite(y))
                        throw new DataException($"{data.Where(rows[i])}, column '{v.Column}': {v.Name} is not a finite number for the value {x[i].ToString(System.Globalization.CultureInfo.InvariantCulture)}" +
                                                (v.Function == VariableFunction.Sqrt ? " (a square root needs values of at least 0)." : " (too large for exp: rescale the column)."));
                    x[i] = y;
                }
                return new EvaluatedVariable(v, x);
            }
            case VariableFunction.Poly:
            {
                // Over the rows the model uses, as scale(x): rows dropped for a missing value elsewhere do not shape the basis.
                var columns = OrthogonalPolynomials.Columns(v, Numbers(col, rows));
                return new EvaluatedVariable(v, columns, Enumerable.Range(1, columns.Length).Select(j => j.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray());
            }
            case VariableFunction.Scale:
            {
                var x = Numbers(col, rows);
                double mean = x.Average(), ss = 0;
                foreach (double value in x) ss += (value - mean) * (value - mean);
                double sd = Math.Sqrt(ss / (x.Length - 1));
                if (!(sd > 0)) throw new DataException($"scale({v.Column}): the column has the same value in every row the model uses, so it cannot be scaled by its sd.");
                return new EvaluatedVariable(v, x.Select(value => (value - mean) / sd).ToArray());
            }
            default:
            {
                // center(x), center(x, g), mean(x, g): means over the rows the model uses.
                var x = Numbers(col, rows);
                if (v.Group is null)
                {
                    double mean = 0;
                    for (int i = 0; i < x.Length; i++) mean += x[i];
                    mean /= x.Length;
                    var r = new double[x.Length];
                    for (int i = 0; i < x.Length; i++) r[i] = x[i] - mean;
                    return new EvaluatedVariable(v, r);
                }
                var (g, levels) = FactorCodes(data[v.Group], rows);
                var sum = new double[levels.Length];
                var count = new int[levels.Length];
                for (int i = 0; i < x.Length; i++) { sum[g[i]] += x[i]; count[g[i]]++; }
                var result = new double[x.Length];
                for (int i = 0; i < x.Length; i++)
                {
                    double m = sum[g[i]] / count[g[i]];
                    result[i] = v.Function == VariableFunction.Mean ? m : x[i] - m;
                }
                return new EvaluatedVariable(v, result);
            }
        }
    }
}

/// <summary>Sorts factor levels as R does for our purposes: numerically when every level is a number, else ordinally.</summary>
internal static class LevelOrder
{
    public static int[] Sort(IReadOnlyList<string> levels)
    {
        var idx = Enumerable.Range(0, levels.Count).ToArray();
        var nums = new double[levels.Count];
        bool allNumeric = true;
        for (int i = 0; i < levels.Count && allNumeric; i++)
            allNumeric = Data.CsvTableReader.TryParseNumber(levels[i], out nums[i]);
        if (allNumeric) Array.Sort(idx, (a, b) => nums[a].CompareTo(nums[b]));
        else Array.Sort(idx, (a, b) => string.CompareOrdinal(levels[a], levels[b]));
        return idx;
    }
}
