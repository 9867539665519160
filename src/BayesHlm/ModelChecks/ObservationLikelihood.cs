using BayesHlm.Estimation.Glmm;
using BayesHlm.Model;
using BayesHlm.Statistics;

namespace BayesHlm.ModelChecks;

/// <summary>
/// Each row's log-likelihood per draw, conditional on its groups' effects — log p(y_i | β, u, σ²), with every constant,
/// so that sums are comparable across models: N(η_i, σ²/w_i) for a linear model (w_i its precision weight, or 1/v_i
/// of a known variance with σ² = 1), and the binomial or Poisson probability for the others. The values a
/// leave-one-observation-out PSIS-LOO reads.
/// </summary>
internal static class ObservationLikelihood
{
    /// <summary>Draws × rows log-likelihoods, each row's draws contiguous (row-major by row).</summary>
    /// <param name="rows">The model's rows and the run's draws.</param>
    public static double[] Compute(RowPredictor rows)
    {
        rows.RequireGroupEffects("The observation-wise log-likelihood");
        int n = rows.N, draws = rows.Draws;
        var values = new double[(long)n * draws > Array.MaxLength ? throw TooMany(n, draws) : n * draws];
        var family = rows.Family;
        var y = rows.Y;
        var weights = rows.Weights;
        var trials = rows.Trials;
        var constants = new double[n];
        for (int i = 0; i < n; i++)
            constants[i] = family == Family.Gaussian
                ? -0.5 * Math.Log(2 * Math.PI) + 0.5 * Math.Log(weights?[i] ?? 1)
                : LevelOne.Constant(family, y[i], trials[i]);
        // Draws in blocks, rows outermost: a row's values for the block's draws are computed and written together,
        // contiguous in the matrix (row after row), its x and z read once — the product of X with a block of β's.
        const int block = 32;
        int blocks = (draws + block - 1) / block;
        var s = rows.Statistics;
        var glmm = rows.Rows;
        int p = s.P, levels = s.Levels.Count;
        var q = s.Levels.Select(l => l.Size).ToArray();
        double shift = rows.Shift;
        Parallel.For(0, blocks, () => new Block(rows, block), (b, _, w) =>
        {
            int first = b * block, count = Math.Min(block, draws - first);
            for (int t = 0; t < count; t++)
            {
                double sigma2 = rows.Parameters(first + t, w.Work);
                w.HalfLog[t] = 0.5 * Math.Log(sigma2);
                w.Half[t] = 0.5 / sigma2;
                for (int c = 0; c < p; c++) w.Beta[c * block + t] = w.Work.Beta[c];
                for (int k = 0; k < levels; k++)
                {
                    var from = w.Work.U[k];
                    var to = w.U[k];
                    for (int j = 0; j < from.Length; j++) to[j * block + t] = from[j];
                }
            }
            Span<double> eta = stackalloc double[block];
            for (int i = 0; i < n; i++)
            {
                double offset = glmm.Offset[i] + shift;
                for (int t = 0; t < count; t++) eta[t] = offset;
                for (int c = 0; c < p; c++)
                {
                    double x = glmm.X[c][i];
                    var beta = w.Beta.AsSpan(c * block, count);
                    for (int t = 0; t < count; t++) eta[t] += x * beta[t];
                }
                for (int k = 0; k < levels; k++)
                {
                    int g = glmm.GroupOfRow[k][i];
                    for (int a = 0; a < q[k]; a++)
                    {
                        double z = glmm.Z[k][a][i];
                        if (z == 0) continue;
                        var u = w.U[k].AsSpan((g * q[k] + a) * block, count);
                        for (int t = 0; t < count; t++) eta[t] += z * u[t];
                    }
                }
                var into = values.AsSpan(checked((int)((long)i * draws + first)), count);
                if (family == Family.Gaussian)
                {
                    double wi = weights?[i] ?? 1, yi = y[i], ci = constants[i];
                    for (int t = 0; t < count; t++)
                    {
                        double r = yi - eta[t];
                        into[t] = ci - w.HalfLog[t] - w.Half[t] * wi * r * r;
                    }
                }
                else
                    for (int t = 0; t < count; t++) into[t] = constants[i] + LevelOne.LogKernel(family, y[i], trials[i], eta[t]);
            }
            return w;
        }, _ => { });
        return values;
    }

    /// <summary>A block of draws' parameters, draws contiguous: β (p × block), each level's u (groups × q × block).</summary>
    private sealed class Block(RowPredictor rows, int size)
    {
        public readonly RowPredictor.Workspace Work = rows.NewWorkspace();
        public readonly double[] Beta = new double[rows.Statistics.P * size];
        public readonly double[][] U = rows.Statistics.Levels.Select(l => new double[size * l.Grouping.Count * l.Size]).ToArray();
        public readonly double[] HalfLog = new double[size];
        public readonly double[] Half = new double[size];
    }

    /// <summary>Each row's name: its line in the data file.</summary>
    public static string[] Names(Design design) =>
        Enumerable.Range(0, design.N).Select(i => design.SourceLines is { } lines ? $"line {lines[i]}" : $"row {i + 1}").ToArray();

    private static ModelSpecificationException TooMany(int n, int draws) =>
        new($"{n:N0} rows × {draws:N0} draws of log-likelihoods do not fit in one array: thin the run (--thin) or use the group-wise form (--groups).");
}
