using BayesHlm.Data;
using BayesHlm.Estimation.Glmm;
using BayesHlm.Formula;
using BayesHlm.Model;
using BayesHlm.ModelChecks;
using BayesHlm.Reporting;
using BayesHlm.Statistics;
using BayesHlm.Statistics.Linalg;

namespace BayesHlm.Prediction;

/// <summary>A posterior summary of one quantity for one row: mean, sd and the central 95% interval.</summary>
public readonly record struct PosteriorInterval(double Mean, double Sd, double Lower, double Upper);

/// <summary>One new row's predictions.</summary>
/// <param name="Line">Its line in the new data file.</param>
/// <param name="Groups">Per grouping level, its group's name.</param>
/// <param name="NewGroup">Per grouping level, whether its effects were drawn as a new group's.</param>
/// <param name="Fit">E(y | parameters): the linear predictor of a linear model, the probability or rate of the others
/// (brms's posterior_epred).</param>
/// <param name="Predicted">A new observation y (brms's posterior_predict).</param>
public sealed record PredictedRow(int Line, string[] Groups, bool[] NewGroup, PosteriorInterval Fit, PosteriorInterval Predicted);

/// <summary>Predictions for new rows: the rows, and how many rows of the new data could not be predicted.</summary>
public sealed record PredictionTable(IReadOnlyList<string> Levels, IReadOnlyList<PredictedRow> Rows, int RowsDropped, bool AllNewGroups, Family Family)
{
    /// <summary>What the reader should know about how the new rows were read.</summary>
    public IReadOnlyList<string> Notes { get; init; } = [];
}

/// <summary>
/// Predictions from a finished run for rows of new data, per draw and then summarised: the expected outcome and a new
/// observation, in the rows' own groups where the run has them (their effects as sampled, or drawn from their exact
/// conditional when the run did not save them) and otherwise as new groups, whose effects are drawn from N(0, Σ_k)
/// each draw (brms's <c>allow_new_levels</c> with Gaussian new levels); with <c>allNew</c>, every group is new.
/// The new data's design is built by the model's own formula on the new rows (so <c>center(x, g)</c> and
/// <c>mean(x, g)</c> use the new rows' groups, as lme4's and brms's predict do); its fixed effects must be the run's.
/// </summary>
internal static class PosteriorPrediction
{
    public static PredictionTable Run(FinishedRun run, DataTable data, bool allNew, ulong seed)
    {
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(data);
        var spec = run.Manifest.Model;
        var s = run.Statistics.ForSampler();
        var (design, dropped) = NewRows.Design(spec, data, s.FixedNames);
        var reader = new DrawReader(s, run.Priors, run.Draws);
        if (!allNew && !reader.SavedGroupEffects && !reader.CanRedrawGroupEffects)
            throw new ModelSpecificationException(reader.NeedsGroupEffects("Predicting in existing groups of a " +
                (s.Crossed ? "model with crossed factors" : $"{Families.Name(s.Spec.Family)} model")) + " Or predict for new groups (--groups new).");
        var rows = new GlmmRows(design, s.Levels);
        int levels = s.Levels.Count, n = rows.N, draws = reader.Count;
        var known = NewRows.KnownGroups(design, s.Levels.Select(l => l.Grouping.GroupNames).ToArray(), allNew);
        var fit = new double[n][];
        var predicted = new double[n][];
        for (int i = 0; i < n; i++) { fit[i] = new double[draws]; predicted[i] = new double[draws]; }
        Parallel.For(0, draws, () => new Workspace(s, design, reader, seed), (d, _, w) =>
        {
            var rng = new ChainRandom(seed ^ ((ulong)(d + 1) * 0x94D049BB133111EBUL));
            double sigma2 = reader.Read(d, w.KernelBeta, w.Sigma);
            reader.ReadUser(d, w.Beta);
            if (!allNew) w.Effects.Fill(d, w.KernelBeta, sigma2, w.Sigma, w.U);
            // β in the new design's coordinates: X_user β = X̃ (Lβ).
            Array.Copy(w.Beta, w.DesignBeta, w.Beta.Length);
            w.Map.MultiplyL(w.DesignBeta);
            rows.FixedPart(w.DesignBeta, w.Eta);
            for (int k = 0; k < levels; k++)
            {
                int q = s.Levels[k].Size;
                var l = w.Cholesky[k];
                Array.Copy(w.Sigma[k], l, q * q);
                if (!Dense.SemiDefiniteCholeskyInPlace(l, q)) throw new InvalidOperationException($"Draw {d + 1}'s covariance matrix is not positive semi-definite.");
                // New groups: one draw of N(0, Σ_k) per group of the new data, shared by its rows.
                var fresh = w.Fresh[k];
                for (int g = 0; g < fresh.Length / q; g++)
                    for (int a = 0; a < q; a++)
                    {
                        w.Normal[a] = rng.NextStandardNormal();
                        double v = 0;
                        for (int b = 0; b <= a; b++) v += l[a * q + b] * w.Normal[b];
                        fresh[g * q + a] = v;
                    }
                var z = rows.Z[k];
                var groupOfRow = rows.GroupOfRow[k];
                for (int i = 0; i < n; i++)
                {
                    int j = known[k][i];
                    var u = j >= 0 ? w.U[k].AsSpan(j * q, q) : fresh.AsSpan(groupOfRow[i] * q, q);
                    for (int a = 0; a < q; a++) w.Eta[i] += z[a][i] * u[a];
                }
            }
            for (int i = 0; i < n; i++)
            {
                double eta = w.Eta[i];
                // E(y) as brms's posterior_epred gives it for one trial (a probability, a rate); a new y of the row's trials.
                double mean = LevelOne.Mean(rows.Family, eta);
                double draw = LevelOne.Draw(rows.Family, eta, rows.Trials[i], sigma2 / (design.Weights?[i] ?? 1), rng);
                fit[i][d] = mean;
                predicted[i][d] = draw;
            }
            return w;
        }, _ => { });
        var result = new PredictedRow[n];
        Parallel.For(0, n, i =>
        {
            var groups = Enumerable.Range(0, levels).Select(k => design.Levels[k].Grouping.GroupNames[rows.GroupOfRow[k][i]]).ToArray();
            result[i] = new PredictedRow(design.SourceLines?[i] ?? i + 2, groups, known.Select(g => g[i] < 0).ToArray(), Summarise(fit[i]), Summarise(predicted[i]));
        });
        return new PredictionTable(s.Levels.Select(l => l.Grouping.Name).ToArray(), result, dropped, allNew, s.Spec.Family)
        {
            Notes = NewRows.Notes(spec),
        };
    }

    private static PosteriorInterval Summarise(double[] x)
    {
        double mean = x.Average(), ss = 0;
        foreach (double v in x) ss += (v - mean) * (v - mean);
        Array.Sort(x);
        return new PosteriorInterval(mean, Math.Sqrt(ss / Math.Max(1, x.Length - 1)), Diagnostics.ConvergenceMath.Quantile(x, 0.025), Diagnostics.ConvergenceMath.Quantile(x, 0.975));
    }

    /// <summary>R's type-7 quantile of sorted values.</summary>
    private sealed class Workspace(SufficientStatistics s, Design design, DrawReader reader, ulong seed)
    {
        public readonly double[] Beta = new double[s.P];
        public readonly double[] KernelBeta = new double[s.P];
        public readonly double[] DesignBeta = new double[s.P];
        public readonly UnitTriangularMap Map = new(design.FixedExpansion);
        public readonly double[][] Sigma = s.Levels.Select(l => new double[l.Size * l.Size]).ToArray();
        public readonly double[][] Cholesky = s.Levels.Select(l => new double[l.Size * l.Size]).ToArray();
        public readonly double[][] U = s.Levels.Select(l => new double[l.Grouping.Count * l.Size]).ToArray();
        public readonly double[][] Fresh = design.Levels.Select(l => new double[l.Grouping.Count * l.Size]).ToArray();
        public readonly double[] Normal = new double[s.Levels.Count == 0 ? 1 : s.Levels.Max(l => l.Size)];
        public readonly double[] Eta = new double[design.N];
        public readonly GroupEffectSource Effects = new(s, reader, seed);
    }
}
