using BayesHlm.Formula;
using BayesHlm.Model;

namespace BayesHlm.Statistics;

/// <summary>One level of grouping (a depth in the nesting): a factor, its groups, and for each group its parent group at
/// the level above.</summary>
public sealed class GroupingLevel
{
    internal GroupingLevel(string name, string[] groupNames, int[] parent, int[] rowCount)
    {
        Name = name; GroupNames = groupNames; Parent = parent; RowCount = rowCount;
    }

    /// <summary>The factor's name: <c>school</c>, or <c>school:classroom</c> for a nested one.</summary>
    public string Name { get; }

    /// <summary>Names of the groups (<c>1224</c>; <c>3:2</c> for classroom 2 of school 3).</summary>
    public IReadOnlyList<string> GroupNames { get; }

    /// <summary>Index of each group's parent at the level above (all 0 at the top level).</summary>
    public IReadOnlyList<int> Parent { get; }

    /// <summary>Rows in each group.</summary>
    public IReadOnlyList<int> RowCount { get; }

    /// <summary>Number of groups.</summary>
    public int Count => GroupNames.Count;
}

/// <summary>The random coefficients of one grouping level: their names and which covariance entries are free.</summary>
public sealed class RandomLevel
{
    internal RandomLevel(GroupingLevel grouping, string[] termNames, bool[,] free)
    {
        Grouping = grouping; TermNames = termNames; Free = free;
    }

    /// <summary>The groups these coefficients vary over.</summary>
    public GroupingLevel Grouping { get; }

    /// <summary>Names of the random coefficients: <c>(Intercept)</c>, <c>center(ses, school)</c>.</summary>
    public IReadOnlyList<string> TermNames { get; }

    /// <summary>Which entries (row ≥ column) of the covariance matrix are estimated; the rest are zero
    /// (independent blocks, <c>||</c>).</summary>
    internal bool[,] Free { get; }

    /// <summary>Number of random coefficients q; the level's covariance matrix is q×q.</summary>
    public int Size => TermNames.Count;
}

/// <summary>
/// The numeric form of a model on a data set: fixed-effect design X, random-effect designs Z per
/// level, outcome y (as columns), the grouping levels outer to inner, and the leaf group of each row.
/// Built once; <see cref="SufficientStatistics"/> reduces it to per-group cross-products.
/// </summary>
internal sealed class Design
{
    public required string[] FixedNames { get; init; }
    /// <summary>Columns [X | Z_1 | … | Z_K | y], each of length N.</summary>
    public required double[][] Columns { get; init; }
    public required int P { get; init; }
    public required RandomLevel[] Levels { get; init; }
    /// <summary>Leaf (innermost) group of each row; all 0 when the model has no random part.</summary>
    public required int[] LeafOfRow { get; init; }
    /// <summary>For each fixed column, the index of the outermost grouping level within whose groups it is
    /// constant; the number of levels when it varies within the innermost groups (a level-1 effect).</summary>
    public required int[] ConstantBelowLevel { get; init; }
    /// <summary>Each fixed column as the user wrote it in terms of the centred columns held in <see cref="Columns"/>
    /// (<see cref="PredictorCentring"/>): x_c = x̃_c + Σ w·x̃_d over the listed (d, w).</summary>
    public required (int Column, double Weight)[][] FixedExpansion { get; init; }
    /// <summary>Per level, each random column as written in terms of the centred ones (<see cref="PredictorCentring.CentreSlopes"/>).</summary>
    public required (int Column, double Weight)[][][] RandomExpansion { get; init; }
    /// <summary>Row weights 1/v_i when the level-1 variances are known (the V-known model), else null.</summary>
    public double[]? Weights { get; init; }
    /// <summary>The weights are 1/v_i of known variances (σ² = 1), not precision weights of an estimated σ².</summary>
    public bool KnownResidualVariance { get; init; }
    public int N => LeafOfRow.Length;

    public static Design Build(ModelSpec spec, ModelFrame frame, string? source)
    {
        int n = frame.RowCount;
        var fixedCols = CodeTerms(spec.Intercept, spec.FixedTerms, frame);
        if (fixedCols.Count == 0)
            throw new ModelSpecificationException($"The model has no fixed effects (no intercept and no predictors). Remove '0 +' or '- 1', or add a predictor.");

        var levels = BuildGrouping(spec, frame, source, out int[] leafOfRow);
        var weights = frame.KnownVariance?.Select(v => 1 / v).ToArray() ?? frame.PrecisionWeights;
        var randomLevels = new RandomLevel[levels.Count];
        var randomExpansion = new (int, double)[levels.Count][][];
        var zCols = new List<double[]>();
        for (int k = 0; k < levels.Count; k++)
        {
            var (factor, grouping) = levels[k];
            var names = new List<string>();
            var blockOf = new List<(int Block, bool Correlated)>();
            int first = zCols.Count;
            for (int b = 0; b < factor.Blocks.Count; b++)
            {
                var block = factor.Blocks[b];
                foreach (var (name, values, _, _, _) in CodeTerms(block.Intercept, block.Terms, frame))
                {
                    if (names.Contains(name))
                        throw new ModelSpecificationException($"The random coefficient '{name}' appears twice for grouping factor '{factor.Name}'. Declare each random coefficient once per factor.");
                    names.Add(name); zCols.Add(values); blockOf.Add((b, block.Correlated));
                }
            }
            int q = names.Count;
            var free = new bool[q, q];
            for (int i = 0; i < q; i++)
                for (int j = 0; j <= i; j++)
                    free[i, j] = i == j || (blockOf[i].Block == blockOf[j].Block && blockOf[i].Correlated);
            randomLevels[k] = new RandomLevel(grouping, names.ToArray(), free);
            randomExpansion[k] = PredictorCentring.CentreSlopes(names, zCols, first, weights);
        }

        var y = frame.Variables[spec.Outcome].Numeric!;
        // offset(x): its coefficient is 1, so y − x is what the model explains.
        if (spec.Offset is { } offset) y = y.Select((v, i) => v - frame.Variables[offset].Numeric![i]).ToArray();
        var columns = fixedCols.Select(c => c.Values).Concat(zCols).Append(y).ToArray();
        int p = fixedCols.Count;

        // For ddfm=bw: the outermost level at which each fixed column is constant within groups.
        var constantBelow = new int[p];
        var groupOfRowAtLevel = GroupOfRowAtEachLevel(randomLevels, leafOfRow);
        for (int c = 0; c < p; c++)
        {
            int level = randomLevels.Length; // varies within the innermost groups: a level-1 effect
            for (int k = 0; k < randomLevels.Length; k++)
                if (IsConstantWithin(columns[c], groupOfRowAtLevel[k], randomLevels[k].Grouping.Count)) { level = k; break; }
            constantBelow[c] = level;
        }
        // After the constancy check, which reads the columns as written: centring moves which rows are 0.
        var expansion = PredictorCentring.Centre(fixedCols, weights, columns);

        return new Design
        {
            FixedNames = fixedCols.Select(c => c.Name).ToArray(),
            Columns = columns,
            P = p,
            Levels = randomLevels,
            LeafOfRow = leafOfRow,
            ConstantBelowLevel = constantBelow,
            FixedExpansion = expansion,
            RandomExpansion = randomExpansion,
            Weights = weights,
            KnownResidualVariance = frame.KnownVariance is not null,
        };
    }

    private static int[][] GroupOfRowAtEachLevel(RandomLevel[] levels, int[] leafOfRow)
    {
        var result = new int[levels.Length][];
        if (levels.Length == 0) return result;
        result[^1] = leafOfRow;
        for (int k = levels.Length - 2; k >= 0; k--)
        {
            var parent = levels[k + 1].Grouping.Parent;
            var inner = result[k + 1];
            var g = new int[inner.Length];
            for (int i = 0; i < g.Length; i++) g[i] = parent[inner[i]];
            result[k] = g;
        }
        return result;
    }

    private static bool IsConstantWithin(double[] x, int[] group, int nGroups)
    {
        var first = new double[nGroups];
        var seen = new bool[nGroups];
        for (int i = 0; i < x.Length; i++)
        {
            int g = group[i];
            if (!seen[g]) { seen[g] = true; first[g] = x[i]; }
            else if (Math.Abs(x[i] - first[g]) > 1e-12 * (1 + Math.Abs(first[g]))) return false;
        }
        return true;
    }

    private static double[] Ones(int n)
    {
        var x = new double[n];
        Array.Fill(x, 1.0);
        return x;
    }

    /// <summary>Design columns of an intercept and terms, coded as R codes them: treatment contrasts, except
    /// that without an intercept the first factor main effect gets a column for every level.</summary>
    /// <summary>More design columns than this (fixed, or random per factor) are refused before they are built: the
    /// per-group cross-products grow with the square of the columns.</summary>
    public const int MaxColumns = 1000;

    private static List<CodedColumn> CodeTerms(bool intercept, IReadOnlyList<Term> terms, ModelFrame frame)
    {
        long count = intercept ? 1 : 0;
        foreach (var term in terms)
        {
            long product = 1;
            foreach (var v in term.Variables)
                if (frame.Variables[v].IsFactor) product *= Math.Max(frame.Variables[v].Levels!.Length, 1);
                else if (frame.Variables[v].Columns is { } several) product *= several.Length;
            count += product;
            if (count > MaxColumns)
                throw new ModelSpecificationException(
                    $"The design would have over {MaxColumns:N0} columns: the term {term.FormulaText} adds up to {product:N0} " +
                    $"({string.Join(" × ", term.Variables.Where(v => frame.Variables[v].IsFactor || frame.Variables[v].Columns is not null).Select(v => frame.Variables[v].IsFactor ? $"{v.Name}: {frame.Variables[v].Levels!.Length} levels" : $"{v.Name}: {frame.Variables[v].Columns!.Length} columns"))}). " +
                    (term.Variables.FirstOrDefault(v => frame.Variables[v].IsFactor) is { } factor
                        ? $"A factor with many levels is usually a grouping factor: put it in ( … | {factor.Column}) instead."
                        : "Lower the degrees of the polynomials."));
        }
        var columns = new List<CodedColumn>();
        if (intercept) columns.Add(new CodedColumn("(Intercept)", Ones(frame.RowCount), null, [], []));
        bool fullCodingUsed = intercept;
        foreach (var term in terms)
        {
            bool full = !fullCodingUsed && term.Variables.Count == 1 && frame.Variables[term.Variables[0]].IsFactor;
            if (full) fullCodingUsed = true;
            columns.AddRange(TermColumns(term, frame, full));
        }
        return columns;
    }

    /// <summary>Design columns of one term: products of its variables, factors in treatment coding
    /// (first sorted level as reference) unless <paramref name="full"/>.</summary>
    private static List<CodedColumn> TermColumns(Term term, ModelFrame frame, bool full)
    {
        var result = new List<CodedColumn> { new("", Ones(frame.RowCount), null, [], []) };
        foreach (var v in term.Variables)
        {
            var ev = frame.Variables[v];
            var next = new List<CodedColumn>();
            foreach (var column in result)
            {
                var values = column.Values;
                string prefix = column.Name.Length == 0 ? "" : column.Name + ":";
                if (!ev.IsFactor)
                {
                    // One column, or poly(x, k)'s one per degree, named as R names them (poly(x, 2)1, poly(x, 2)2).
                    var numeric = ev.Columns ?? [ev.Numeric!];
                    for (int c = 0; c < numeric.Length; c++)
                    {
                        var x = new double[values.Length];
                        var src = numeric[c];
                        for (int i = 0; i < x.Length; i++) x[i] = values[i] * src[i];
                        next.Add(new CodedColumn(prefix + v.Name + (ev.Suffixes?[c] ?? ""), x, column.Indicator,
                            [.. column.Numeric, new NumericPart(v, c, src)], column.Levels));
                    }
                    continue;
                }
                if (ev.Levels!.Length < 2)
                    throw new ModelSpecificationException(
                        $"The factor {v.Name} has one level ('{ev.Levels.FirstOrDefault()}') in the {frame.RowCount} rows used, so its effect cannot be estimated " +
                        $"(lme4: contrasts need 2 or more levels). Remove {v.Name} from the formula, or check the data: are rows with its other levels missing a value?");
                for (int level = full ? 0 : 1; level < ev.Levels.Length; level++)
                {
                    var x = new double[values.Length];
                    var codes = ev.Codes!;
                    for (int i = 0; i < x.Length; i++) x[i] = codes[i] == level ? values[i] : 0.0;
                    // Without numeric factors the column is its indicator; with them it needs its own.
                    var indicator = x;
                    if (column.Numeric.Length > 0)
                    {
                        indicator = new double[values.Length];
                        for (int i = 0; i < x.Length; i++) indicator[i] = codes[i] == level ? column.Indicator?[i] ?? 1 : 0.0;
                    }
                    next.Add(new CodedColumn(prefix + v.Name + ev.Levels[level], x, indicator, column.Numeric, [.. column.Levels, (v, level)]));
                }
            }
            result = next;
        }
        return result;
    }

    /// <summary>Grouping levels ordered outer to inner, checked to be nested; the leaf group of each row.</summary>
    private static List<(RandomFactorSpec Factor, GroupingLevel Level)> BuildGrouping(
        ModelSpec spec, ModelFrame frame, string? source, out int[] leafOfRow)
    {
        int n = frame.RowCount;
        var factors = new List<(RandomFactorSpec Spec, int[] Codes, string[] Levels)>();
        foreach (var f in spec.RandomFactors)
        {
            var (codes, levels) = GroupCodes(f.Factor, frame);
            if (levels.Length < 2)
                throw new DataException(
                    $"The grouping factor '{f.Name}' has only one group ('{levels[0]}') in the rows the model uses; " +
                    "a random effect needs several groups. Check the column, or drop the random term to fit an ordinary regression.");
            factors.Add((f, codes, levels));
        }
        // Outer factors have fewer groups; nested factors must split each outer group.
        factors.Sort((a, b) => a.Levels.Length.CompareTo(b.Levels.Length));
        var result = new List<(RandomFactorSpec, GroupingLevel)>();
        int[]? outerCodes = null;
        for (int k = 0; k < factors.Count; k++)
        {
            var (f, codes, levels) = factors[k];
            var parent = new int[levels.Length];
            var count = new int[levels.Length];
            if (outerCodes is not null)
            {
                Array.Fill(parent, -1);
                for (int i = 0; i < n; i++)
                {
                    int g = codes[i], o = outerCodes[i];
                    if (parent[g] < 0) parent[g] = o;
                    else if (parent[g] != o)
                    {
                        var outer = factors[k - 1];
                        throw new ModelSpecificationException(
                            $"The grouping factors '{outer.Spec.Name}' and '{f.Name}' are crossed, not nested: group '{levels[g]}' of '{f.Name}' " +
                            $"occurs in more than one group of '{outer.Spec.Name}'. Crossed random effects are not supported yet. " +
                            // The factor with fewer labels is the one whose numbers restart (classes 1–4 in every school).
                            $"If '{outer.Spec.Name}' ({outer.Levels.Length} labels) is numbered within each '{f.Name}' " +
                            $"({levels.Length} groups), declare the nesting as (1 | {f.Name}/{outer.Spec.Name}).");
                    }
                }
            }
            for (int i = 0; i < n; i++) count[codes[i]]++;
            result.Add((f, new GroupingLevel(f.Name, levels, parent, count)));
            outerCodes = codes;
        }
        leafOfRow = outerCodes ?? new int[n];
        return result;
    }

    private static (int[] Codes, string[] Levels) GroupCodes(IReadOnlyList<string> columns, ModelFrame frame)
    {
        var data = frame.Source;
        var rows = frame.Rows;
        var (codes, levels) = ModelFrame.FactorCodes(data[columns[0]], rows);
        for (int c = 1; c < columns.Count; c++)
        {
            var (inner, innerLevels) = ModelFrame.FactorCodes(data[columns[c]], rows);
            var map = new Dictionary<long, int>();
            var pairs = new List<(int Outer, int Inner)>();
            var combined = new int[rows.Length];
            for (int i = 0; i < rows.Length; i++)
            {
                long key = ((long)codes[i] << 32) | (uint)inner[i];
                if (!map.TryGetValue(key, out int g)) { g = pairs.Count; map[key] = g; pairs.Add((codes[i], inner[i])); }
                combined[i] = g;
            }
            // Sort combined groups outer first, then inner, so output reads school by school.
            var order = Enumerable.Range(0, pairs.Count).OrderBy(g => pairs[g].Outer).ThenBy(g => pairs[g].Inner).ToArray();
            var rank = new int[order.Length];
            for (int i = 0; i < order.Length; i++) rank[order[i]] = i;
            for (int i = 0; i < combined.Length; i++) combined[i] = rank[combined[i]];
            var outerLevels = levels;
            levels = order.Select(g => outerLevels[pairs[g].Outer] + ":" + innerLevels[pairs[g].Inner]).ToArray();
            codes = combined;
        }
        return (codes, levels);
    }
}

/// <summary>One numeric factor of a design column: column <paramref name="Index"/> of a variable (0, or a degree of
/// poly), with its values.</summary>
internal sealed record NumericPart(Variable Variable, int Index, double[] Values);

/// <summary>A design column with what it is the product of: numeric variables, and factor levels (whose indicators'
/// product is <paramref name="Indicator"/>, null when there are none).</summary>
internal sealed record CodedColumn(string Name, double[] Values, double[]? Indicator, NumericPart[] Numeric, (Variable Variable, int Level)[] Levels);
