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
        InterceptIndex = Array.IndexOf(termNames, "(Intercept)");
    }

    /// <summary>The index of the random intercept among <see cref="TermNames"/>, −1 without one.</summary>
    internal int InterceptIndex { get; }

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
    /// <summary>The cell of each row: its innermost group when the factors are nested, its combination of groups when
    /// they are crossed; all 0 when the model has no random part.</summary>
    public required int[] LeafOfRow { get; init; }
    /// <summary>Per grouping level, each cell's group.</summary>
    public required int[][] CellLevel { get; init; }
    /// <summary>The grouping factors are not all nested: each is a level of its own, crossed with the others.</summary>
    public bool Crossed { get; init; }
    /// <summary>What the design makes worth saying beside a fit (crossed factors that look numbered within another).</summary>
    public IReadOnlyList<string> Warnings { get; init; } = [];
    /// <summary>For each fixed column, the index of the outermost grouping level within whose groups it is
    /// constant; the number of levels when it varies within the innermost groups (a level-1 effect).</summary>
    public required int[] ConstantBelowLevel { get; init; }
    /// <summary>Each fixed column as the user wrote it in terms of the centred columns held in <see cref="Columns"/>
    /// (<see cref="PredictorCentring"/>): x_c = x̃_c + Σ w·x̃_d over the listed (d, w).</summary>
    public required (int Column, double Weight)[][] FixedExpansion { get; init; }
    /// <summary>Per level, each random column as written in terms of the centred ones (<see cref="PredictorCentring.CentreSlopes"/>).</summary>
    public required (int Column, double Weight)[][][] RandomExpansion { get; init; }
    /// <summary>Per fixed column, per grouping level: whether the column is constant within each of its groups.</summary>
    public required bool[][] ConstantWithin { get; init; }
    /// <summary>Row weights 1/v_i when the level-1 variances are known (the V-known model), else null.</summary>
    public double[]? Weights { get; init; }
    /// <summary>The weights are 1/v_i of known variances (σ² = 1), not precision weights of an estimated σ².</summary>
    public bool KnownResidualVariance { get; init; }
    public int N => LeafOfRow.Length;
    /// <summary>The outcome's level-1 distribution.</summary>
    public Model.Family Family { get; init; }
    /// <summary>For a binomial or Poisson model, the offset added to each row's linear predictor (null without one);
    /// a linear model's offset is already subtracted from y.</summary>
    public double[]? Offset { get; init; }
    /// <summary>The binomial family's trials per row.</summary>
    public double[]? Trials { get; init; }
    /// <summary>How a text outcome was coded 0/1, or null.</summary>
    public string? OutcomeCoding { get; init; }
    /// <summary>Each row's line in its data file (what pointwise results name it by), or null when not read from one.</summary>
    public int[]? SourceLines { get; init; }

    public static Design Build(ModelSpec spec, ModelFrame frame, string? source)
    {
        int n = frame.RowCount;
        var fixedCols = CodeTerms(spec.Intercept, spec.FixedTerms, frame);
        if (fixedCols.Count == 0)
            throw new ModelSpecificationException($"The model has no fixed effects (no intercept and no predictors). Remove '0 +' or '- 1', or add a predictor.");

        var warnings = new List<string>();
        var levels = BuildGrouping(spec, frame, source, out int[] leafOfRow, out int[][] cellLevel, out bool crossed, warnings);
        var weights = frame.KnownVariance?.Select(v => 1 / v).ToArray() ?? frame.PrecisionWeights;
        var randomLevels = new RandomLevel[levels.Count];
        var randomExpansion = new (int, double)[levels.Count][][];
        var zCols = new List<double[]>();
        for (int k = 0; k < levels.Count; k++)
        {
            var (factor, grouping) = levels[k];
            int first = zCols.Count;
            (randomLevels[k], var coded) = RandomColumns(factor, grouping, frame);
            zCols.AddRange(coded.Select(c => c.Values));
            randomExpansion[k] = PredictorCentring.CentreSlopes(randomLevels[k].TermNames, zCols, first, weights);
        }

        var y = frame.Variables[spec.Outcome].Numeric!;
        // offset(x): its coefficient is 1, so y − x is what a linear model explains; a binomial or Poisson model adds it
        // to the linear predictor instead.
        double[]? offsetColumn = spec.Offset is { } offset ? frame.Variables[offset].Numeric! : null;
        if (offsetColumn is not null && spec.Family == Model.Family.Gaussian) y = y.Select((v, i) => v - offsetColumn[i]).ToArray();
        if (spec.Family == Model.Family.Gaussian && y.All(v => v is 0 or 1))
            warnings.Add(ZeroOneOutcome(spec));
        var columns = fixedCols.Select(c => c.Values).Concat(zCols).Append(y).ToArray();
        int p = fixedCols.Count;

        // For ddfm=bw: the outermost level at which each fixed column is constant within groups; and, for crossed
        // factors, within which factors' groups it is constant.
        var constantBelow = new int[p];
        var constantWithin = new bool[p][];
        var groupOfRowAtLevel = randomLevels.Select((_, k) => leafOfRow.Select(cell => cellLevel[k][cell]).ToArray()).ToArray();
        for (int c = 0; c < p; c++)
        {
            constantWithin[c] = randomLevels.Select((l, k) => IsConstantWithin(columns[c], groupOfRowAtLevel[k], l.Grouping.Count)).ToArray();
            int level = Array.IndexOf(constantWithin[c], true);
            constantBelow[c] = level < 0 ? randomLevels.Length : level; // varies within the innermost groups: a level-1 effect
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
            CellLevel = cellLevel,
            Crossed = crossed,
            Warnings = warnings,
            ConstantBelowLevel = constantBelow,
            ConstantWithin = constantWithin,
            FixedExpansion = expansion,
            RandomExpansion = randomExpansion,
            Weights = weights,
            KnownResidualVariance = frame.KnownVariance is not null,
            Family = spec.Family,
            Offset = spec.Family == Model.Family.Gaussian ? null : offsetColumn,
            Trials = frame.Trials,
            OutcomeCoding = frame.OutcomeCoding,
            SourceLines = frame.Rows.Select(frame.Source.LineOf).ToArray(),
        };
    }

    /// <summary>The warning beside a linear model of a 0/1 outcome.</summary>
    internal static string ZeroOneOutcome(ModelSpec spec) =>
        $"The outcome '{spec.Outcome.Name}' takes only the values 0 and 1, and this is a linear model of it: its predictions can fall outside [0, 1] and its level-1 variance is not p(1 − p). Fit it with --family bernoulli (a multilevel logistic model).";

    /// <summary>A grouping factor's random coefficients: their columns, named, and which covariances are free (one block
    /// per ( … | g) term; <c>||</c> makes a block's coefficients independent).</summary>
    internal static (RandomLevel Level, List<CodedColumn> Columns) RandomColumns(RandomFactorSpec factor, GroupingLevel grouping, ModelFrame frame)
    {
        var names = new List<string>();
        var columns = new List<CodedColumn>();
        var blockOf = new List<(int Block, bool Correlated)>();
        for (int b = 0; b < factor.Blocks.Count; b++)
        {
            var block = factor.Blocks[b];
            foreach (var column in CodeTerms(block.Intercept, block.Terms, frame))
            {
                if (names.Contains(column.Name))
                    throw new ModelSpecificationException($"The random coefficient '{column.Name}' appears twice for grouping factor '{factor.Name}'. Declare each random coefficient once per factor.");
                names.Add(column.Name); columns.Add(column); blockOf.Add((b, block.Correlated));
            }
        }
        int q = names.Count;
        var free = new bool[q, q];
        for (int i = 0; i < q; i++)
            for (int j = 0; j <= i; j++)
                free[i, j] = i == j || (blockOf[i].Block == blockOf[j].Block && blockOf[i].Correlated);
        return (new RandomLevel(grouping, names.ToArray(), free), columns);
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

    internal static List<CodedColumn> CodeTerms(bool intercept, IReadOnlyList<Term> terms, ModelFrame frame)
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
        // The empty product starts every term: 1 in every row, left implicit (Unit) rather than made, so a term's
        // first variable is copied, not multiplied by a column of ones that is then thrown away (1·x is x exactly).
        var result = new List<CodedColumn> { new("", Unit, null, [], []) };
        foreach (var v in term.Variables)
        {
            var ev = frame.Variables[v];
            var next = new List<CodedColumn>();
            foreach (var column in result)
            {
                var values = column.Values;
                bool unit = ReferenceEquals(values, Unit);
                string prefix = column.Name.Length == 0 ? "" : column.Name + ":";
                if (!ev.IsFactor)
                {
                    // One column, or poly(x, k)'s one per degree, named as R names them (poly(x, 2)1, poly(x, 2)2).
                    var numeric = ev.Columns ?? [ev.Numeric!];
                    for (int c = 0; c < numeric.Length; c++)
                    {
                        var src = numeric[c];
                        var x = new double[frame.RowCount];
                        if (unit) src.AsSpan(0, x.Length).CopyTo(x);
                        else for (int i = 0; i < x.Length; i++) x[i] = values[i] * src[i];
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
                    var x = new double[frame.RowCount];
                    var codes = ev.Codes!;
                    for (int i = 0; i < x.Length; i++) x[i] = codes[i] == level ? unit ? 1.0 : values[i] : 0.0;
                    // Without numeric factors the column is its indicator; with them it needs its own.
                    var indicator = x;
                    if (column.Numeric.Length > 0)
                    {
                        indicator = new double[frame.RowCount];
                        for (int i = 0; i < x.Length; i++) indicator[i] = codes[i] == level ? column.Indicator?[i] ?? 1 : 0.0;
                    }
                    next.Add(new CodedColumn(prefix + v.Name + ev.Levels[level], x, indicator, column.Numeric, [.. column.Levels, (v, level)]));
                }
            }
            result = next;
        }
        return result.Select(c => ReferenceEquals(c.Values, Unit) ? c with { Values = Ones(frame.RowCount) } : c).ToList();
    }

    /// <summary>The empty product of <see cref="TermColumns"/>: stands for a column of ones until a variable multiplies it.</summary>
    private static readonly double[] Unit = [];

    /// <summary>The grouping factors with the cell (one combination of their groups) of each row. Nested factors are
    /// ordered outer to inner, and a cell is an innermost group; factors that are not all nested are crossed, kept in
    /// the formula's order, and a cell is each combination of groups that occurs. <paramref name="cellLevel"/> gives each
    /// cell's group in every factor.</summary>
    /// <remarks>With <c>rowWeight</c>, each of the frame's rows stands for that many data rows (a cell of the moments
    /// path) in the groups' row counts.</remarks>
    internal static List<(RandomFactorSpec Factor, GroupingLevel Level)> BuildGrouping(
        ModelSpec spec, ModelFrame frame, string? source, out int[] cellOfRow, out int[][] cellLevel, out bool crossed, List<string> warnings,
        long[]? rowWeight = null)
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
        var bySize = factors.OrderBy(f => f.Levels.Length).ToList();
        var parents = new int[bySize.Count][];
        crossed = false;
        for (int k = 0; k < bySize.Count && !crossed; k++)
        {
            var (f, codes, levels) = bySize[k];
            var parent = parents[k] = new int[levels.Length];
            if (k == 0) continue;
            Array.Fill(parent, -1);
            var outerCodes = bySize[k - 1].Codes;
            for (int i = 0; i < n && !crossed; i++)
            {
                int g = codes[i], o = outerCodes[i];
                if (parent[g] < 0) parent[g] = o;
                else if (parent[g] != o) crossed = true;
            }
        }
        var result = new List<(RandomFactorSpec, GroupingLevel)>();
        if (!crossed)
        {
            for (int k = 0; k < bySize.Count; k++)
            {
                var (f, codes, levels) = bySize[k];
                var count = new int[levels.Length];
                for (int i = 0; i < n; i++) count[codes[i]] += (int)(rowWeight?[i] ?? 1);
                result.Add((f, new GroupingLevel(f.Name, levels, parents[k], count)));
            }
            cellOfRow = bySize.Count == 0 ? new int[n] : bySize[^1].Codes;
            cellLevel = new int[bySize.Count][];
            for (int k = bySize.Count - 1; k >= 0; k--)
                cellLevel[k] = k == bySize.Count - 1
                    ? Enumerable.Range(0, bySize[k].Levels.Length).ToArray()
                    : cellLevel[k + 1].Select(g => parents[k + 1][g]).ToArray();
            return result;
        }

        // Crossed (or partly nested, partly crossed): every factor is a level of its own, in the formula's order.
        foreach (var (f, codes, levels) in factors)
        {
            var count = new int[levels.Length];
            for (int i = 0; i < n; i++) count[codes[i]] += (int)(rowWeight?[i] ?? 1);
            result.Add((f, new GroupingLevel(f.Name, levels, new int[levels.Length], count)));
        }
        NumberedWithin(factors, warnings);
        // A cell per combination of groups that occurs, numbered in order of the first factor's groups and so on.
        var cellCodes = factors[0].Codes;
        int cells = factors[0].Levels.Length;
        for (int k = 1; k < factors.Count; k++)
        {
            var map = new Dictionary<long, int>();
            var next = new int[n];
            for (int i = 0; i < n; i++)
            {
                long key = ((long)cellCodes[i] << 32) | (uint)factors[k].Codes[i];
                if (!map.TryGetValue(key, out int c)) { c = map.Count; map[key] = c; }
                next[i] = c;
            }
            cellCodes = next;
            cells = map.Count;
        }
        cellOfRow = cellCodes;
        cellLevel = factors.Select(_ => new int[cells]).ToArray();
        for (int i = 0; i < n; i++)
            for (int k = 0; k < factors.Count; k++) cellLevel[k][cellCodes[i]] = factors[k].Codes[i];
        return result;
    }

    /// <summary>Crossed factors are fitted as crossed; but when one reuses a few labels in every group of another
    /// (classrooms 1–4 in every school) they were probably numbered within it, and crossed they mean something else:
    /// say so, with the nesting that the data show.</summary>
    private static void NumberedWithin(List<(RandomFactorSpec Spec, int[] Codes, string[] Levels)> factors, List<string> warnings)
    {
        foreach (var inner in factors)
            foreach (var outer in factors)
            {
                if (ReferenceEquals(inner.Spec, outer.Spec) || inner.Levels.Length >= outer.Levels.Length) continue;
                var seen = new HashSet<long>();
                var perOuter = new int[outer.Levels.Length];
                for (int i = 0; i < inner.Codes.Length; i++)
                    if (seen.Add(((long)outer.Codes[i] << 32) | (uint)inner.Codes[i])) perOuter[outer.Codes[i]]++;
                // Every group of the outer factor uses every label of the inner one, as labels numbered within it do
                // (randomly crossed factors with many groups rarely fill every cell).
                if (perOuter.Min() == inner.Levels.Length && seen.Count > inner.Levels.Length)
                    warnings.Add(
                        $"'{inner.Spec.Name}' has {inner.Levels.Length} labels, and every group of '{outer.Spec.Name}' uses all of them: if the " +
                        $"{inner.Spec.Name} labels are numbered within each {outer.Spec.Name}, the model you mean is (1 | {outer.Spec.Name}/{inner.Spec.Name}). " +
                        $"As written the factors are crossed: {inner.Spec.Name} '{inner.Levels[0]}' of every {outer.Spec.Name} is one group.");
            }
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
