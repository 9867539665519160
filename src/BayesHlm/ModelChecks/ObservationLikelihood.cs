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
    /// <param name="s">The statistics as the sampler works (random columns as written).</param>
    /// <param name="design">The model's rows.</param>
    /// <param name="reader">The run's draws.</param>
    /// <param name="seed">Seed of the group effects drawn afresh when the run did not save them.</param>
    public static double[] Compute(SufficientStatistics s, Design design, DrawReader reader, ulong seed)
    {
        if (!reader.SavedGroupEffects && !reader.CanRedrawGroupEffects)
            throw new ModelSpecificationException(reader.NeedsGroupEffects("The observation-wise log-likelihood of a " +
                (s.Crossed ? "model with crossed factors" : $"{Families.Name(s.Spec.Family)} model")));
        var rows = new GlmmRows(design, s.Levels);
        int n = rows.N, draws = reader.Count;
        var values = new double[(long)n * draws > Array.MaxLength ? throw TooMany(n, draws) : n * draws];
        var family = design.Family;
        var constants = new double[n];
        var weights = design.Weights;
        for (int i = 0; i < n; i++)
            constants[i] = family == Family.Gaussian
                ? -0.5 * Math.Log(2 * Math.PI) + 0.5 * Math.Log(weights?[i] ?? 1)
                : LevelOne.Constant(family, rows.Y[i], rows.Trials[i]);
        // The design's y is as read; β̃ has the intercept moved by ȳ: add it back to η.
        double shift = s.Coordinates.InterceptIndex >= 0 ? s.Coordinates.OutcomeShift : 0;
        Parallel.For(0, draws, () => new Workspace(s, reader, seed, n), (d, _, w) =>
        {
            double sigma2 = reader.Read(d, w.Beta, w.Sigma);
            w.Effects.Fill(d, w.Beta, sigma2, w.Sigma, w.U);
            rows.FixedPart(w.Beta, w.Eta);
            rows.AddRandomPart(w.U, w.Eta);
            for (int i = 0; i < n; i++)
            {
                double eta = w.Eta[i] + shift;
                double ll = family == Family.Gaussian
                    ? -0.5 * Math.Log(sigma2) - 0.5 * (weights?[i] ?? 1) * (rows.Y[i] - eta) * (rows.Y[i] - eta) / sigma2
                    : LevelOne.LogKernel(family, rows.Y[i], rows.Trials[i], eta);
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

    private sealed class Workspace(SufficientStatistics s, DrawReader reader, ulong seed, int n)
    {
        public readonly double[] Beta = new double[s.P];
        public readonly double[][] Sigma = s.Levels.Select(l => new double[l.Size * l.Size]).ToArray();
        public readonly double[][] U = s.Levels.Select(l => new double[l.Grouping.Count * l.Size]).ToArray();
        public readonly double[] Eta = new double[n];
        public readonly GroupEffectSource Effects = new(s, reader, seed);
    }
}
