using System.Globalization;
using System.Text;
using BayesHlm.Estimation;
using BayesHlm.Estimation.Glmm;
using BayesHlm.Model;
using BayesHlm.Prediction;
using BayesHlm.Statistics;

namespace BayesHlm.Reporting;

/// <summary>
/// HLM's residual files from an EB/ML fit: level 1 — each row's fitted value (conditional on its groups' EB effects),
/// residual, standardised residual (by σ̂, or Pearson's for binomial and Poisson outcomes) and marginal fit; level 2 —
/// each group's EB effects with their SEs, standardised (û/SE, roughly N(0, 1) when the model holds), its OLS estimates
/// and reliabilities. And lme4's <c>predict</c> for new rows, conditional and marginal.
/// </summary>
internal static class ResidualWriters
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>One row's level-1 residual, standardised.</summary>
    public static (double Fitted, double Residual, double Standardised) Residual(RemlFit fit, Design design, int i, double eta)
    {
        double y = design.Columns[^1][i];
        double trials = design.Trials?[i] ?? 1;
        if (fit.Family == Family.Gaussian)
        {
            double r = y - eta, w = design.Weights?[i] ?? 1;
            double sigma2 = design.KnownResidualVariance ? 1 : fit.ResidualVariance;
            return (eta, r, r * Math.Sqrt(w / sigma2));
        }
        // Pearson's residual: (y − E y)/√Var y, both from the level-1 distribution at η.
        LevelOne.LogKernel(fit.Family, y, trials, eta, out double mean, out double variance);
        return (mean, y - mean, (y - mean) / Math.Sqrt(Math.Max(variance, 1e-300)));
    }

    /// <summary>level1.csv: line, each level's group, y, fitted, residual, standardised residual, marginal fit (the last
    /// two fits on the outcome's scale).</summary>
    public static string Level1(RemlFit fit, Design design, FittedValues values)
    {
        var sb = new StringBuilder("line");
        foreach (var level in design.Levels) sb.Append(',').Append(CsvText.Quote(level.Grouping.Name));
        sb.Append(",y,fitted,residual,std_residual,marginal_fitted\n");
        for (int i = 0; i < design.N; i++)
        {
            var (fitted, residual, standardised) = Residual(fit, design, i, values.Conditional[i]);
            double marginal = Residual(fit, design, i, values.Marginal[i]).Fitted;
            sb.Append((design.SourceLines?[i] ?? i + 2).ToString(Inv));
            foreach (var level in design.Levels)
                sb.Append(',').Append(CsvText.Quote(level.Grouping.GroupNames[design.CellLevel[Array.IndexOf(design.Levels, level)][design.LeafOfRow[i]]]));
            sb.Append(',').Append(R(design.Columns[^1][i])).Append(',').Append(R(fitted)).Append(',').Append(R(residual))
              .Append(',').Append(R(standardised)).Append(',').Append(R(marginal)).Append('\n');
        }
        return sb.ToString();
    }

    /// <summary>level2_&lt;level&gt;.csv: per group its rows, and per term the EB effect û, its SE, the two's ratio, the
    /// group's EB coefficient (fixed part + û) and OLS coefficient (empty where the group's rows do not allow one), and
    /// the reliability.</summary>
    public static string Level2(GroupEffects g)
    {
        var sb = new StringBuilder(CsvText.Quote(g.Group)).Append(",n");
        foreach (string t in g.Terms)
            foreach (string column in new[] { "eb", "eb_se", "eb_std", "eb_coefficient", "ols_coefficient", "reliability" }) sb.Append(',').Append(CsvText.Quote($"{column}:{t}"));
        sb.Append('\n');
        for (int j = 0; j < g.GroupNames.Count; j++)
        {
            sb.Append(CsvText.Quote(g.GroupNames[j])).Append(',').Append(g.RowCounts[j].ToString(Inv));
            for (int t = 0; t < g.Terms.Count; t++)
            {
                double u = g.RandomEffects[j][t], se = g.RandomEffectSe[j][t];
                sb.Append(',').Append(R(u)).Append(',').Append(R(se)).Append(',').Append(se > 0 ? R(u / se) : "")
                  .Append(',').Append(g.Coefficients[j] is { } coefficient ? R(coefficient[t]) : "")
                  .Append(',').Append(g.Ols[j] is { } ols ? R(ols[t]) : "").Append(',').Append(R(g.Reliability[j][t]));
            }
            sb.Append('\n');
        }
        return sb.ToString();
    }

    /// <summary>lme4's predict for new rows: line, groups and whether each is new, the conditional and the marginal
    /// linear predictor, and for a binomial or Poisson model both on the outcome's scale too.</summary>
    public static string Predictions(RemlFit fit, Design design, FittedValues values)
    {
        bool glmm = fit.Family != Family.Gaussian;
        var sb = new StringBuilder("line");
        foreach (var level in design.Levels) sb.Append(',').Append(CsvText.Quote(level.Grouping.Name)).Append(',').Append(CsvText.Quote($"{level.Grouping.Name}_new"));
        sb.Append(",conditional,marginal");
        if (glmm) sb.Append(",conditional_response,marginal_response");
        sb.Append('\n');
        for (int i = 0; i < design.N; i++)
        {
            sb.Append((design.SourceLines?[i] ?? i + 2).ToString(Inv));
            for (int k = 0; k < design.Levels.Length; k++)
                sb.Append(',').Append(CsvText.Quote(design.Levels[k].Grouping.GroupNames[design.CellLevel[k][design.LeafOfRow[i]]])).Append(',').Append(values.NewGroup[k][i] ? "true" : "false");
            sb.Append(',').Append(R(values.Conditional[i])).Append(',').Append(R(values.Marginal[i]));
            if (glmm)
            {
                sb.Append(',').Append(R(LevelOne.Mean(fit.Family, values.Conditional[i]))).Append(',').Append(R(LevelOne.Mean(fit.Family, values.Marginal[i])));
            }
            sb.Append('\n');
        }
        return sb.ToString();
    }

    private static string R(double x) => double.IsFinite(x) ? x.ToString("R", Inv) : "";

}
