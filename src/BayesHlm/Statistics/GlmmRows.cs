using BayesHlm.Model;

namespace BayesHlm.Statistics;

/// <summary>
/// The rows of a binomial or Poisson model, kept because their weights change with the linear predictor (the Laplace
/// fit's PIRLS steps, the Pólya-Gamma sampler's sweeps): the fixed columns as the statistics hold them (centred), each
/// level's random columns as written, each row's groups, y, trials and offset. <see cref="WorkingModel"/> makes the
/// Gaussian working model the kernel factorises — [Z | response], weighted — and refills it in place.
/// </summary>
internal sealed class GlmmRows
{
    private readonly Design _design;

    public GlmmRows(Design design, IReadOnlyList<RandomLevel> levels)
    {
        _design = design;
        Family = design.Family;
        N = design.N;
        P = design.P;
        Levels = levels;
        int k = levels.Count;
        Q = levels.Select(l => l.Size).ToArray();
        X = design.Columns[..P];
        Z = new double[k][][];
        int column = P;
        for (int level = 0; level < k; level++)
        {
            // The design holds slopes centred where a level has an intercept: back to as written. The expansion lists
            // the other columns only: z_a = z̃_a + Σ w·z̃_d.
            var expansion = design.RandomExpansion[level];
            var centred = design.Columns[column..(column + Q[level])];
            Z[level] = new double[Q[level]][];
            for (int a = 0; a < Q[level]; a++)
            {
                var z = (double[])centred[a].Clone();
                foreach (var (d, w) in expansion[a])
                    for (int i = 0; i < N; i++) z[i] += w * centred[d][i];
                Z[level][a] = z;
            }
            column += Q[level];
        }
        GroupOfRow = Enumerable.Range(0, k).Select(level => design.LeafOfRow.Select(cell => design.CellLevel[level][cell]).ToArray()).ToArray();
        _rowsOfGroup = new int[k][][];
        Y = design.Columns[^1];
        Trials = design.Trials ?? Enumerable.Repeat(1.0, N).ToArray();
        Offset = design.Offset ?? new double[N];
    }

    /// <summary>The design the rows come from.</summary>
    public Design Design => _design;

    public Family Family { get; }
    public int N { get; }
    public int P { get; }
    public int[] Q { get; }
    public IReadOnlyList<RandomLevel> Levels { get; }
    /// <summary>The fixed columns, centred as the statistics hold them (β in the statistics' coordinates).</summary>
    public double[][] X { get; }
    /// <summary>Per level, its random columns as written.</summary>
    public double[][][] Z { get; }
    /// <summary>Per level, each row's group.</summary>
    public int[][] GroupOfRow { get; }

    /// <summary>Per group of <paramref name="level"/>, its rows (in row order; built once, by a counting sort).</summary>
    public int[][] RowsOfGroup(int level) => LazyInitializer.EnsureInitialized(ref _rowsOfGroup[level], () =>
    {
        var group = GroupOfRow[level];
        int groups = Levels[level].Grouping.Count;
        var counts = new int[groups];
        foreach (int g in group) counts[g]++;
        var result = counts.Select(c => new int[c]).ToArray();
        Array.Clear(counts);
        for (int i = 0; i < N; i++) result[group[i]][counts[group[i]]++] = i;
        return result;
    });
    private readonly int[][]?[] _rowsOfGroup;
    public double[] Y { get; }
    public double[] Trials { get; }
    public double[] Offset { get; }

    /// <summary>η = offset + Xβ, into <paramref name="eta"/>.</summary>
    public void FixedPart(ReadOnlySpan<double> beta, double[] eta)
    {
        Array.Copy(Offset, eta, N);
        for (int c = 0; c < P; c++)
        {
            double b = beta[c];
            var x = X[c];
            for (int i = 0; i < N; i++) eta[i] += b * x[i];
        }
    }

    /// <summary>η += Σ_k Z_k u_k (u per level, groups × q).</summary>
    public void AddRandomPart(double[][] u, double[] eta)
    {
        for (int k = 0; k < Q.Length; k++)
        {
            int q = Q[k];
            var g = GroupOfRow[k];
            var uk = u[k];
            for (int a = 0; a < q; a++)
            {
                var z = Z[k][a];
                for (int i = 0; i < N; i++) eta[i] += z[i] * uk[g[i] * q + a];
            }
        }
    }

    /// <summary>
    /// A Gaussian working model on these rows with σ² = 1: columns [X | Z | response] (<paramref name="withFixed"/>) or
    /// [Z | response], each row weighted; fill <see cref="WorkingModel.Response"/> and <see cref="WorkingModel.Weight"/>,
    /// then <see cref="WorkingModel.Refill"/>.
    /// </summary>
    public WorkingModel Working(ModelSpec spec, ModelFrameSummary frame, bool withFixed) => new(this, spec, frame, withFixed);

    internal sealed class WorkingModel
    {
        private readonly Design _working;

        public WorkingModel(GlmmRows rows, ModelSpec spec, ModelFrameSummary frame, bool withFixed)
        {
            Response = new double[rows.N];
            Weight = Enumerable.Repeat(1.0, rows.N).ToArray();
            var design = rows._design;
            _working = new Design
            {
                FixedNames = withFixed ? design.FixedNames : [],
                Columns = [.. withFixed ? rows.X : [], .. rows.Z.SelectMany(c => c), Response],
                P = withFixed ? rows.P : 0,
                Levels = rows.Levels.ToArray(),
                LeafOfRow = design.LeafOfRow,
                CellLevel = design.CellLevel,
                Crossed = design.Crossed,
                ConstantBelowLevel = withFixed ? design.ConstantBelowLevel : [],
                FixedExpansion = withFixed ? design.FixedExpansion : [],
                RandomExpansion = rows.Q.Select(q => Enumerable.Range(0, q).Select(_ => Array.Empty<(int, double)>()).ToArray()).ToArray(),
                ConstantWithin = withFixed ? design.ConstantWithin : [],
                Weights = Weight,
                KnownResidualVariance = true,
                Family = design.Family,
                Trials = design.Trials,
                Offset = design.Offset,
            };
            Statistics = SufficientStatistics.FromDesign(spec, _working, frame);
        }

        /// <summary>Each row's working response (read by <see cref="Refill"/>).</summary>
        public double[] Response { get; }

        /// <summary>Each row's weight (read by <see cref="Refill"/>).</summary>
        public double[] Weight { get; }

        /// <summary>The working model's statistics, refilled in place.</summary>
        public SufficientStatistics Statistics { get; }

        /// <summary>Recomputes <see cref="Statistics"/> from the current responses and weights.</summary>
        public void Refill() => Statistics.Refill(_working);
    }
}
