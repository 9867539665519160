using BayesHlm.Model;

namespace BayesHlm.Statistics;

/// <summary>
/// Per-group cross-products C_j = W_jᵀW_j with W = [X | Z_1 | … | Z_K | y] (MATH.md §2), for every
/// innermost group, plus the grouping tree. One pass over the rows builds them; every estimator and
/// sampler step afterwards works on these alone, so its cost does not depend on the number of rows.
/// Immutable; share it between chains and optimisers.
/// </summary>
public sealed class SufficientStatistics
{
    private readonly double[] _leaf; // nLeaf blocks of m×m, row-major, full symmetric

    internal SufficientStatistics(ModelSpec spec, string[] fixedNames, RandomLevel[] levels, int p, double[] leaf, int[] leafRows,
        int n, int[] constantBelowLevel, ModelFrameSummary frame)
    {
        Spec = spec; FixedNames = fixedNames; Levels = levels; P = p; _leaf = leaf; LeafRowCount = leafRows; N = n;
        ConstantBelowLevel = constantBelowLevel; Frame = frame;
        ZOffset = ZOffsets(p, levels);
        M = p + levels.Sum(l => l.Size) + 1;
    }

    /// <summary>The model the statistics were built for.</summary>
    public ModelSpec Spec { get; }
    /// <summary>Names of the fixed-effect columns: <c>(Intercept)</c>, <c>meanses:center(ses, school)</c>.</summary>
    public IReadOnlyList<string> FixedNames { get; }
    /// <summary>Random-effect levels, outermost first.</summary>
    public IReadOnlyList<RandomLevel> Levels { get; }
    /// <summary>Number of fixed-effect columns.</summary>
    public int P { get; }
    /// <summary>Width of W = [X | Z_1 | … | Z_K | y].</summary>
    public int M { get; }
    /// <summary>Number of rows used.</summary>
    public int N { get; }
    internal int[] ZOffset { get; }

    /// <summary>The most the per-group cross-products may take (4 GB).</summary>
    internal const long MaxCrossProductBytes = 4_000_000_000;
    internal int YIndex => M - 1;
    internal int[] LeafRowCount { get; }
    internal int[] ConstantBelowLevel { get; }
    /// <summary>Rows read, rows used, and missing values per column.</summary>
    public ModelFrameSummary Frame { get; }
    /// <summary>Number of innermost groups, one C_j each; 1 when the model has no random part.</summary>
    public int LeafCount => LeafRowCount.Length;

    /// <summary>Σ (y − ȳ)², computed from the rows.</summary>
    internal double OutcomeSumOfSquares { get; init; }

    /// <summary>The constant subtracted from y in the C_j (ȳ when the model has an intercept, else 0).</summary>
    internal double OutcomeShift => Coordinates.OutcomeShift;

    /// <summary>The coordinates the C_j hold the model in (y, and the predictors, about their means): estimates computed
    /// from the C_j are mapped to the user's through it.</summary>
    internal DesignCoordinates Coordinates
    {
        get => _coordinates ??= DesignCoordinates.Identity(P, Levels.Select(l => l.Size).ToArray(), ZOffset);
        init => _coordinates = value;
    }
    private DesignCoordinates? _coordinates;

    /// <summary>True when each row's level-1 variance is known (the V-known model): the C_j are weighted by 1/v_i,
    /// so σ² is 1 by construction and is not estimated.</summary>
    public bool KnownResidualVariance { get; init; }

    /// <summary>Σ log w_i of precision weights (0 without): the likelihood of y has −Σ log w_i/2 beyond the weighted fit's.</summary>
    internal double LogWeightSum { get; init; }

    /// <summary>Index of the (Intercept) column of X, or −1.</summary>
    internal int InterceptIndex => Coordinates.InterceptIndex;

    private static int[] ZOffsets(int p, RandomLevel[] levels)
    {
        var offset = new int[levels.Length];
        for (int k = 0, off = p; k < levels.Length; k++) { offset[k] = off; off += levels[k].Size; }
        return offset;
    }

    /// <summary>For REML: the levels whose Σ_k is unstructured keep their random slopes centred — the same model, with
    /// Σ_k at the slopes' means instead of at 0, so that a slope far from 0 (x + 300) does not make the intercept's
    /// variance an extrapolation nearly collinear with the slope's (Newton on θ ended at a wrong optimum there). A
    /// structured Σ_k (diagonal, blocks) is turned back: there the origin is part of the model.</summary>
    internal SufficientStatistics ForReml() => AsWritten(k =>
    {
        var free = Levels[k].Free;
        for (int a = 0; a < Levels[k].Size; a++) for (int b = 0; b <= a; b++) if (!free[a, b]) return true;
        return false;
    });

    /// <summary>For the sampler: every level's random columns as written, since its priors are stated on Σ_k as the user
    /// wrote it (computed once, shared by the chains).</summary>
    internal SufficientStatistics ForSampler() => LazyInitializer.EnsureInitialized(ref _forSampler, () => AsWritten(_ => true));
    private SufficientStatistics? _forSampler;

    /// <summary>A binomial or Poisson model's rows (its weights change with η); null for a gaussian model.</summary>
    internal GlmmRows? Rows { get; private init; }

    /// <summary>How many times <see cref="Refill"/> has run: a kernel that copied the statistics re-reads them when it
    /// has seen an earlier revision.</summary>
    internal int Revision { get; private set; }

    /// <summary>Crossed factors' statistics by group and by pair of factors, for the factor-by-factor sweeps (computed
    /// once, shared by the chains). Read every sweep: once built, no delegate is made to read it.</summary>
    internal CrossedBlocks Blocks => Volatile.Read(ref _blocks) ?? LazyInitializer.EnsureInitialized(ref _blocks, () => new CrossedBlocks(this));
    private CrossedBlocks? _blocks;

    /// <summary>The largest distance from 0, in its sds, at which a random slope is used as written: beyond it the
    /// uncentred cross-products lose more than about r²·10⁻¹⁶ ≈ 10⁻⁹ of the slope's spread to rounding.</summary>
    internal const double FarthestSlope = 3e3;

    /// <summary>The statistics with the random columns of the chosen levels turned back to as written (z = z̃ + z̄·1 in
    /// each C_j); refuses a slope so far from 0 that the uncentred cross-products would lose its digits.</summary>
    private SufficientStatistics AsWritten(Func<int, bool> level)
    {
        var chosen = Enumerable.Range(0, Levels.Count).Where(k => level(k) && !Coordinates.Random(k).IsIdentity).ToArray();
        if (chosen.Length == 0) return this;
        var total = Total();
        foreach (int k in chosen)
        {
            var map = Coordinates.Random(k);
            int z0 = ZOffset[k];
            for (int a = 0; a < map.Size; a++)
                foreach (var (one, mean) in map.Expansion(a).Skip(1))
                {
                    double n = total[(z0 + one) * M + z0 + one], sd = Math.Sqrt(Math.Max(total[(z0 + a) * M + z0 + a], 0) / n);
                    if (Math.Abs(mean) > FarthestSlope * sd)
                        throw new ModelSpecificationException(
                            $"The random slope of '{Levels[k].TermNames[a]}' on '{Levels[k].Grouping.Name}' lies {Math.Abs(mean) / sd:G2} of its standard deviations from 0 " +
                            $"(mean about {mean:G4}, sd {sd:G3}): its intercept variance is then the variance at '{Levels[k].TermNames[a]}' = 0, far outside the data, and in double " +
                            $"precision the two cannot be told apart. Centre it — write center({Levels[k].TermNames[a]}) in the formula, or subtract a round number such as " +
                            "its first value; the model is the same with the intercept at that point." +
                            (Levels[k].Size > 1 ? " (REML with an unstructured covariance fits it as written.)" : ""));
                }
        }
        var leaf = (double[])_leaf.Clone();
        int mm = M * M;
        for (int j = 0; j < LeafCount; j++)
        {
            var c = leaf.AsSpan(j * mm, mm);
            foreach (int k in chosen)
            {
                var map = Coordinates.Random(k);
                int z0 = ZOffset[k];
                // C = A⁻ᵀC̃A⁻¹ with z_a = z̃_a + mean·z_one: row a, then column a, gain mean × the intercept's.
                for (int a = 0; a < map.Size; a++)
                    foreach (var (one, mean) in map.Expansion(a).Skip(1))
                        for (int b = 0; b < M; b++) c[(z0 + a) * M + b] += mean * c[(z0 + one) * M + b];
                for (int a = 0; a < map.Size; a++)
                    foreach (var (one, mean) in map.Expansion(a).Skip(1))
                        for (int b = 0; b < M; b++) c[b * M + z0 + a] += mean * c[b * M + z0 + one];
            }
        }
        var maps = Enumerable.Range(0, Levels.Count).Select(k => chosen.Contains(k) ? UnitTriangularMap.Identity(Levels[k].Size) : Coordinates.Random(k)).ToArray();
        return new SufficientStatistics(Spec, FixedNames.ToArray(), Levels.ToArray(), P, leaf, LeafRowCount, N, ConstantBelowLevel, Frame)
        {
            OutcomeSumOfSquares = OutcomeSumOfSquares,
            KnownResidualVariance = KnownResidualVariance,
            LogWeightSum = LogWeightSum,
            CellLevel = CellLevel,
            Crossed = Crossed,
            ConstantWithin = ConstantWithin,
            DesignWarnings = DesignWarnings,
            Coordinates = Coordinates.WithRandom(maps),
            Rows = Rows,
        };
    }

    /// <summary>The same model with no rows — every C_j zero, N = 0 — for a chain that samples the priors alone
    /// (<see cref="Sampling.SamplerOptions.PriorOnly"/>): the sampler's form (random columns as written), and a binomial or
    /// Poisson model as a Gaussian one with σ² fixed, since without rows only the priors remain.</summary>
    internal SufficientStatistics WithoutData()
    {
        var s = ForSampler();
        return new SufficientStatistics(s.Spec.WithFamily(Family.Gaussian), s.FixedNames.ToArray(), s.Levels.ToArray(), s.P, new double[s._leaf.Length],
            new int[s.LeafCount], 0, s.ConstantBelowLevel, s.Frame)
        {
            KnownResidualVariance = s.KnownResidualVariance,
            CellLevel = s.CellLevel,
            Crossed = s.Crossed,
            ConstantWithin = s.ConstantWithin,
            Coordinates = s.Coordinates,
        };
    }

    /// <summary>C_j of innermost group <paramref name="leaf"/> (m×m, row-major).</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    internal ReadOnlySpan<double> Leaf(int leaf) => new(_leaf, leaf * M * M, M * M);

    /// <summary>Σ_j C_j over all groups.</summary>
    internal double[] Total()
    {
        var t = new double[M * M];
        for (int j = 0; j < LeafCount; j++)
        {
            var c = Leaf(j);
            for (int i = 0; i < t.Length; i++) t[i] += c[i];
        }
        return t;
    }

    /// <summary>Per grouping level, each cell's group (for nested factors, the innermost group's ancestor).</summary>
    internal int[][] CellLevel { get; init; } = [];

    /// <summary>The grouping factors are crossed (not all nested): a "leaf" C_j is then one cell, a combination of groups
    /// that occurs, and the crossed kernel fits it.</summary>
    public bool Crossed { get; init; }

    /// <summary>Per fixed column, per grouping level: constant within each of the level's groups.</summary>
    internal bool[][] ConstantWithin { get; init; } = [];

    /// <summary>What the design makes worth saying beside any fit of it.</summary>
    internal IReadOnlyList<string> DesignWarnings { get; init; } = [];

    /// <summary>Σ of C_j over the cells within each group of <paramref name="level"/> (nodes × m × m).</summary>
    internal double[] NodeCrossProducts(int level)
    {
        int mm = M * M, nodes = Levels[level].Grouping.Count;
        var result = new double[nodes * mm];
        var nodeOf = CellLevel[level];
        for (int leaf = 0; leaf < LeafCount; leaf++)
        {
            int node = nodeOf[leaf];
            var c = Leaf(leaf);
            for (int i = 0; i < mm; i++) result[node * mm + i] += c[i];
        }
        return result;
    }

    /// <summary>Builds the statistics for a model on a data set: evaluates the variables, drops rows with
    /// missing values, builds the design and accumulates C_j in one pass; checks the design.</summary>
    public static SufficientStatistics Build(ModelSpec spec, Data.DataTable data)
    {
        var (stats, _) = BuildWithDesign(spec, data);
        if (spec.Family == Family.Gaussian) DesignChecks.Run(stats);
        return stats;
    }

    /// <summary>Builds the statistics of a gaussian model on a CSV file in one streaming pass, memory in the number of cells
    /// (combinations of the model's categorical values), not rows: per-cell moments (<see cref="Moments.MomentReader"/>),
    /// then the C_j from them (<see cref="Moments.MomentStatistics"/>). A model or file the moments cannot carry (a
    /// binomial or Poisson model, weights, poly(), a column whose type changes further down) and any error are left to
    /// the in-memory path (<see cref="Build"/> on the whole table), whose result or error is then the answer.</summary>
    /// <param name="spec">The model.</param>
    /// <param name="path">The CSV file.</param>
    /// <param name="labelColumns">Columns read as text (as <see cref="Data.DataTable.ReadCsv"/>).</param>
    /// <param name="missingValues">Codes that mark a missing value.</param>
    /// <param name="decimalComma">Numbers are written with a decimal comma.</param>
    public static SufficientStatistics BuildFromCsv(ModelSpec spec, string path, IEnumerable<string>? labelColumns = null,
        IEnumerable<string>? missingValues = null, bool decimalComma = false)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var labels = labelColumns?.ToList();
        var missing = missingValues?.ToList();
        return BuildStreamed(spec, () => Moments.MomentReader.FromCsv(spec, path, labels, missing, decimalComma),
            () => Data.DataTable.ReadCsv(path, labels, missing, decimalComma));
    }

    /// <summary>As <see cref="BuildFromCsv"/> for a Parquet file, streamed a row group at a time.</summary>
    /// <param name="spec">The model.</param>
    /// <param name="path">The Parquet file.</param>
    /// <param name="labelColumns">Columns read as text.</param>
    /// <param name="missingValues">Codes that mark a missing value.</param>
    public static SufficientStatistics BuildFromParquet(ModelSpec spec, string path, IEnumerable<string>? labelColumns = null,
        IEnumerable<string>? missingValues = null)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var labels = labelColumns?.ToList();
        var missing = missingValues?.ToList();
        return BuildStreamed(spec, () => Moments.MomentReader.FromParquet(spec, path, labels, missing),
            () => Data.Sources.ParquetTableReader.Read(path, spec.Columns, labels, missing));
    }

    /// <summary>The statistics from the streamed moments, or, where the pass cannot carry the model or the file or meets
    /// an error, from the whole table (whose result or error is then the answer).</summary>
    private static SufficientStatistics BuildStreamed(ModelSpec spec, Func<Moments.CellMoments> streamed, Func<Data.DataTable> whole)
    {
        if (Streams(spec))
        {
            try
            {
                return FromMoments(streamed());
            }
            catch (Data.StreamingNotPossibleException) { }
            catch (UserInputException) { }
        }
        return Build(spec, whole());
    }

    /// <summary>Files from this size on are streamed into the statistics by <c>reml</c> and Bayesian runs. A smaller one is
    /// read whole: its table takes little memory (an 8 MB CSV, some 100,000 rows, tens of MB), and the streaming pass's
    /// fixed cost (a reader thread and its queue, the plan, the moments' algebra) would be most of a small fit's time
    /// (HSB's native `reml`: 53 ms streamed, 39 ms read whole).</summary>
    internal const long StreamFromBytes = 8L << 20;

    /// <summary>True when the file at <paramref name="path"/> is large enough to stream (<see cref="StreamFromBytes"/>).</summary>
    internal static bool WorthStreaming(string path)
    {
        try { return new FileInfo(path).Length >= StreamFromBytes; }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException) { return false; }
    }

    /// <summary>True when the model can be streamed (gaussian, no weights or known variances, no poly()).</summary>
    internal static bool Streams(ModelSpec spec)
    {
        try
        {
            Moments.MomentPlan.Create(spec, _ => false);
            return true;
        }
        catch (Data.StreamingNotPossibleException) { return false; }
    }

    /// <summary>The statistics from per-cell moments (a streamed file, a statistics file, merged shards).</summary>
    internal static SufficientStatistics FromMoments(Moments.CellMoments moments) => Moments.MomentStatistics.Build(moments);

    /// <summary>The C_j of <paramref name="design"/>'s rows into <paramref name="leaf"/> (cleared first), y less
    /// <paramref name="shift"/>, each row weighted by the design's weights.</summary>
    private static void Accumulate(Design design, double shift, double[] leaf)
    {
        var cols = design.Columns;
        int m = cols.Length, n = design.N, nLeaf = leaf.Length / (m * m);
        Array.Clear(leaf);
        Span<double> w = m <= 64 ? stackalloc double[m] : new double[m];
        var leafOf = design.LeafOfRow;
        var weights = design.Weights;
        for (int i = 0; i < n; i++)
        {
            for (int a = 0; a < m; a++) w[a] = cols[a][i];
            w[m - 1] -= shift;
            int baseIdx = leafOf[i] * m * m;
            double weight = weights?[i] ?? 1;
            for (int a = 0; a < m; a++)
            {
                double wa = w[a] * weight;
                int r = baseIdx + a * m;
                for (int b = 0; b <= a; b++) leaf[r + b] += wa * w[b];
            }
        }
        for (int g = 0; g < nLeaf; g++)
        {
            int baseIdx = g * m * m;
            for (int a = 0; a < m; a++)
                for (int b = 0; b < a; b++) leaf[baseIdx + b * m + a] = leaf[baseIdx + a * m + b];
        }
    }

    /// <summary>Recomputes these statistics in place from <paramref name="design"/>, whose columns or weights have
    /// changed but not its shape or grouping (the working responses and weights of a binomial or Poisson fit's
    /// iterations). The outcome is taken as it is (no shift).</summary>
    internal void Refill(Design design)
    {
        Accumulate(design, 0, _leaf);
        _blocks?.Refill(this);
        Revision++;
    }

    /// <summary>As <see cref="Build"/>, with the rows' design kept: binomial and Poisson fits read the rows on every iteration.</summary>
    internal static (SufficientStatistics Statistics, Design Design) BuildWithDesign(ModelSpec spec, Data.DataTable data)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(data);
        var frame = ModelFrame.Build(spec, data);
        var design = Design.Build(spec, frame, data.Source);
        // A binomial or Poisson model's weights change with its linear predictor: its rows are kept.
        var stats = FromDesign(spec, design, new ModelFrameSummary(frame.RowsRead, frame.RowCount, frame.MissingByColumn), keepRows: spec.Family != Family.Gaussian);
        return (stats, design);
    }

    /// <param name="spec">The model.</param>
    /// <param name="design">Its rows.</param>
    /// <param name="summary">The data stage's counts.</param>
    /// <param name="keepRows">Keep the rows (<see cref="Rows"/>): a binomial or Poisson model's, not its working models'.</param>
    internal static SufficientStatistics FromDesign(ModelSpec spec, Design design, ModelFrameSummary summary, bool keepRows = false)
    {
        var cols = design.Columns;
        int m = cols.Length, n = design.N;
        // With an intercept, accumulate y − ȳ (the fixed columns come centred from the design): with a large mean (years,
        // timestamps) the uncentred cross-products would cancel every digit of the residual sum of squares. Only the
        // intercept moves (DesignCoordinates maps it back).
        int intercept = Array.IndexOf(design.FixedNames, "(Intercept)");
        var yRaw = cols[^1];
        double mean = 0, ss = 0;
        for (int i = 0; i < n; i++) mean += yRaw[i];
        mean /= n;
        // Weighted like the C_j, so the exact-fit check compares like with like.
        for (int i = 0; i < n; i++) ss += (design.Weights?[i] ?? 1) * (yRaw[i] - mean) * (yRaw[i] - mean);
        // A binomial or Poisson outcome is not shifted: its working models carry the whole linear predictor.
        double shift = intercept >= 0 && design.Family == Family.Gaussian ? mean : 0;
        int nLeaf = design.Levels.Length == 0 ? 1 : design.CellLevel[0].Length;
        // One m×m cross-product per innermost group: refuse a size that cannot be held, before trying.
        long bytes = (long)nLeaf * m * m * sizeof(double);
        if (bytes > MaxCrossProductBytes || (long)nLeaf * m * m > Array.MaxLength)
            throw new ModelSpecificationException(
                $"The model's per-group statistics would take {bytes / 1e9:F1} GB ({nLeaf:N0} groups × {m} × {m} cross-products): a model this wide on this many groups " +
                "does not fit in memory. Use fewer fixed terms or factor levels, or fewer random slopes.");
        var leaf = new double[nLeaf * m * m];
        var rows = new int[nLeaf];
        foreach (int g in design.LeafOfRow) rows[g]++;
        Accumulate(design, shift, leaf);
        return new SufficientStatistics(spec, design.FixedNames, design.Levels, design.P, leaf, rows, n, design.ConstantBelowLevel, summary)
        {
            OutcomeSumOfSquares = ss,
            CellLevel = design.CellLevel,
            Crossed = design.Crossed,
            ConstantWithin = design.ConstantWithin,
            DesignWarnings = design.Warnings,
            Coordinates = new DesignCoordinates(intercept, shift, new UnitTriangularMap(design.FixedExpansion),
                design.RandomExpansion.Select(e => new UnitTriangularMap(e)).ToArray(), ZOffsets(design.P, design.Levels)),
            // A binomial or Poisson outcome's variance follows from its mean: no σ² (as with known level-1 variances).
            KnownResidualVariance = design.KnownResidualVariance || design.Family != Family.Gaussian,
            Rows = keepRows ? new GlmmRows(design, design.Levels) : null,
            LogWeightSum = design.Weights is null || design.KnownResidualVariance ? 0 : design.Weights.Sum(Math.Log),
        };
    }
}

/// <summary>What the data stage did: rows read, rows used, missing values per column the model reads.</summary>
public sealed record ModelFrameSummary(int RowsRead, int RowsUsed, IReadOnlyDictionary<string, int> MissingByColumn);
