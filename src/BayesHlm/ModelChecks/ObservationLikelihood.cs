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
        Parallel.For(0, draws, rows.NewWorkspace, (d, _, w) =>
        {
            double sigma2 = rows.Predict(d, w);
            var eta = w.Eta;
            for (int i = 0; i < n; i++)
            {
                double ll = family == Family.Gaussian
                    ? -0.5 * Math.Log(sigma2) - 0.5 * (weights?[i] ?? 1) * (y[i] - eta[i]) * (y[i] - eta[i]) / sigma2
                    : LevelOne.LogKernel(family, y[i], trials[i], eta[i]);
                values[(long)i * draws + d] = constants[i] + ll;
            }
            return w;
        }, _ => { });
        return values;
    }

    /// <summary>Each row's name: its line in the data file.</summary>
    public static string[] Names(Design design) =>
        Enumerable.Range(0, design.N).Select(i => design.SourceLines is { } lines ? $"line {lines[i]}" : $"row {i + 1}").ToArray();

    private static ModelSpecificationException TooMany(int n, int draws) =>
        new($"{n:N0} rows × {draws:N0} draws of log-likelihoods do not fit in one array: thin the run (--thin) or use the group-wise form (--groups).");
}
