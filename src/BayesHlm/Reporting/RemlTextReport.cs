using System.Text;
using BayesHlm.Estimation;

namespace BayesHlm.Reporting;

/// <summary>The tables a PROC MIXED or HLM user expects from an EB/ML fit, in 80 columns.</summary>
public static class RemlTextReport
{
    /// <param name="fit">The fit.</param>
    /// <param name="dataSource">Where the data came from, for the header.</param>
    /// <param name="groupTables">Also list every group's EB and OLS estimates and reliabilities.</param>
    public static string Render(RemlFit fit, string? dataSource = null, bool groupTables = false)
    {
        ArgumentNullException.ThrowIfNull(fit);
        var sb = new StringBuilder();
        string method = fit.MethodName;
        bool wald = fit.DegreesOfFreedom == DegreesOfFreedomMethod.Wald;
        if (fit.Family != Model.Family.Gaussian)
            sb.Append($"ML fit of a {Model.Families.Name(fit.Family)} model ({Model.Families.Link(fit.Family)} link) by " +
                      (fit.QuadraturePoints > 1 ? $"adaptive quadrature, {fit.QuadraturePoints} points\n(glmer's nAGQ = {fit.QuadraturePoints})"
                          : "the Laplace approximation\n(glmer's default)") + $": {fit.Iterations} Newton iterations, {(fit.Converged ? "converged" : "NOT converged")}, {fit.Seconds:F3} s\n");
        else if (fit.IsOrdinaryLeastSquares)
            sb.Append("Ordinary least squares (the model has no random effects)\n");
        else
            sb.Append($"{method} fit by {(fit.Algorithm == EstimationAlgorithm.Em ? "EM" : "Newton")}: {fit.Iterations} iterations, " +
                      $"{(fit.Converged ? "converged" : "NOT converged")}, {fit.Seconds:F3} s\n");
        var terms = fit.Spec.FormulaTerms().ToArray();
        terms[0] = $"{fit.Spec.Outcome.FormulaText} ~ {terms[0]}";
        sb.Append(Format.Wrap("Model   ", terms, " + "));
        if (fit.Spec.Trials is { } trials) sb.Append($"Trials  {trials}\n");
        if (fit.Spec.Weights is { } weights) sb.Append($"Weights {weights} (precision: row i's level-1 variance is σ²/w_i)\n");
        if (dataSource is not null) sb.Append($"Data    {dataSource}\n");
        var counts = new List<string> { $"{fit.Frame.RowsUsed} rows used of {fit.Frame.RowsRead} read" };
        counts.AddRange(fit.GroupCounts.Select(g => $"{g.Count} groups of {g.Group}"));
        sb.Append(Format.Wrap("        ", counts.ToArray(), "; "));
        var dropped = fit.Frame.MissingByColumn.Where(m => m.Value > 0).ToList();
        if (dropped.Count > 0)
            sb.Append($"Missing values (rows dropped): {string.Join(", ", dropped.Select(m => $"{m.Key} {m.Value}"))}\n");

        if (fit.Warnings.Count > 0)
        {
            sb.Append("\nWarnings\n");
            foreach (var w in fit.Warnings) sb.Append(Format.Bullet(w));
        }

        var dfName = fit.DegreesOfFreedom == DegreesOfFreedomMethod.Satterthwaite ? "Satterthwaite" : "between-within";
        sb.Append(wald ? $"\nFixed effects (on the {Model.Families.Link(fit.Family)} scale; Wald z tests)\n" : $"\nFixed effects (df: {dfName})\n");
        var t = wald ? new TextTable("Term", "Estimate", "Std.Err", "z Value", "Pr > |z|") : new TextTable("Term", "Estimate", "Std.Err", "DF", "t Value", "Pr > |t|");
        foreach (var f in fit.FixedEffects)
        {
            if (wald) t.Add(f.Term, Format.Num(f.Estimate, 6), Format.Num(f.StandardError, 5), Format.Fixed(f.T, 2), Format.P(f.P));
            else t.Add(f.Term, Format.Num(f.Estimate, 6), Format.Num(f.StandardError, 5), Df(f.Df), Format.Fixed(f.T, 2), Format.P(f.P));
        }
        sb.Append(t.Render());
        // The limits use the df of the table above; Satterthwaite's are shown beside for reference when those are between-within.
        // and between-within beside Satterthwaite's (crossed factors: SAS's residual df, since no subject nests them all).
        bool bw = fit.DegreesOfFreedom == DegreesOfFreedomMethod.BetweenWithin;
        bool bwBeside = !bw && !wald && fit.FixedEffects.Any(f => !double.IsNaN(f.DfBetweenWithin));
        sb.Append(wald ? $"\nConfidence limits ({fit.ConfidenceLevel * 100:G4}%, Wald: estimate ± z × Std.Err)\n"
            : $"\nConfidence limits ({fit.ConfidenceLevel * 100:G4}%, t with the DF shown){(bw ? "; Satterthwaite df for reference" : bwBeside ? "; between-within df for reference" : "")}\n");
        t = wald ? new TextTable("Term", "Lower", "Upper") : bw ? new TextTable("Term", "Lower", "Upper", "DF", "Satt. DF")
            : bwBeside ? new TextTable("Term", "Lower", "Upper", "DF", "BW DF") : new TextTable("Term", "Lower", "Upper", "DF");
        foreach (var f in fit.FixedEffects)
        {
            if (wald) t.Add(f.Term, Format.Num(f.Lower, 6), Format.Num(f.Upper, 6));
            else if (bw) t.Add(f.Term, Format.Num(f.Lower, 6), Format.Num(f.Upper, 6), Df(f.Df), Df(f.DfSatterthwaite));
            else if (bwBeside) t.Add(f.Term, Format.Num(f.Lower, 6), Format.Num(f.Upper, 6), Df(f.Df), Df(f.DfBetweenWithin));
            else t.Add(f.Term, Format.Num(f.Lower, 6), Format.Num(f.Upper, 6), Df(f.Df));
        }
        sb.Append(t.Render());
        if (fit.Profile is { } profile)
        {
            sb.Append($"\nProfile-likelihood limits ({profile.Level * 100:G4}%, ML profile as lme4's confint)\n");
            t = new TextTable("Term", "ML est.", "Lower", "Upper");
            foreach (var f in fit.FixedEffects)
                if (profile.For(f) is { } i) t.Add(f.Term, Format.Num(i.Estimate, 6), Format.Num(i.Lower, 6), Format.Num(i.Upper, 6));
            sb.Append(t.Render());
        }

        sb.Append("\nCovariance parameters\n");
        t = new TextTable("Parameter", "Estimate", "Std.Err", "Z Value", "Pr Z");
        foreach (var c in fit.Covariance)
        {
            string name = c.Group == "Residual" ? "Residual" : c.Term2 is null ? $"Var {c.Group}: {c.Term1}" : $"Cov {c.Group}: {c.Term1}, {c.Term2}";
            // A variance at the boundary is 0; the optimiser's 1.5E-22 would read as a number the data support.
            bool atZero = c.IsVariance && c.Group != "Residual" && c.StandardError is null && Math.Abs(c.Estimate) < 1e-8 * fit.ResidualVariance;
            t.Add(name, atZero ? "0" : Format.Num(c.Estimate, 6), c.StandardError is double s ? Format.Num(s, 5) : ".",
                c.Z is double z ? Format.Fixed(z, 2) : ".", c.P is double p ? Format.P(p) : ".");
        }
        sb.Append(t.Render());
        if (!wald && fit.Covariance.Any(c => c.Term2 is null && c.Group != "Residual"))
            sb.Append("(Pr Z: one-sided for variances, two-sided for covariances, as SAS COVTEST)\n");
        foreach (var (g, icc) in fit.Icc) sb.Append($"Intraclass correlation ({g}): {icc:F4}\n");
        if (fit.Profile is { } intervals) sb.Append(ProfileTable(fit, intervals));

        if (wald) sb.Append("(No residual variance: a binomial or Poisson outcome's variance follows from its\nmean. Covariance-parameter SEs are not computed, as glmer.)\n");
        sb.Append(wald ? "\nFit statistics (as glmer: every parameter counted, BIC with the log of N rows)\n" : "\nFit statistics (SAS PROC MIXED's conventions; lme4's below them)\n");
        string ll = fit.Method == EstimationMethod.Reml ? "-2 Res Log Likelihood" : fit.QuadraturePoints > 1 ? "-2 Log Likelihood (quadrature)" : fit.Method == EstimationMethod.Laplace ? "-2 Log Likelihood (Laplace)" : "-2 Log Likelihood";
        t = new TextTable("Statistic", "Value");
        t.Add(ll, Format.Fixed(fit.Fit.Minus2LogLikelihood, 2));
        t.Add("AIC  (smaller is better)", Format.Fixed(fit.Fit.Aic, 2));
        if (!wald) t.Add("AICC (smaller is better)", Format.Fixed(fit.Fit.Aicc, 2));
        t.Add("BIC  (smaller is better)", Format.Fixed(fit.Fit.Bic, 2));
        t.Add("Parameters", fit.Fit.Parameters.ToString(System.Globalization.CultureInfo.InvariantCulture));
        if (!wald)
        {
            t.Add("AIC  as lme4 (all parameters)", Format.Fixed(fit.Fit.AicLme4, 2));
            t.Add("BIC  as lme4 (log of N rows)", Format.Fixed(fit.Fit.BicLme4, 2));
            t.Add("Parameters as lme4", fit.Fit.ParametersLme4.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
        sb.Append(t.Render());

        foreach (var g in fit.Groups)
        {
            sb.Append($"\nReliability of the {g.Group} coefficients (average over {g.GroupNames.Count} groups)\n");
            t = new TextTable("Coefficient", "Reliability");
            var avg = g.AverageReliability;
            for (int i = 0; i < g.Terms.Count; i++) t.Add(g.Terms[i], Format.Fixed(avg[i], 3));
            sb.Append(t.Render());
            if (!groupTables) continue;
            sb.Append(wald ? $"\nConditional modes per {g.Group} (u and its conditional sd, as glmer's ranef and condVar)\n"
                : $"\nEmpirical Bayes estimates per {g.Group}\n(EB coef = fixed part + u; OLS where the group has enough rows)\n");
            for (int i = 0; i < g.Terms.Count; i++)
            {
                sb.Append($"{g.Terms[i]}\n");
                if (wald)
                {
                    t = new TextTable(g.Group, "n", "u (mode)", "Cond. sd");
                    for (int j = 0; j < g.GroupNames.Count; j++)
                        t.Add(g.GroupNames[j], g.RowCounts[j].ToString(System.Globalization.CultureInfo.InvariantCulture),
                            Format.Num(g.RandomEffects[j][i], 5), Format.Num(g.RandomEffectSe[j][i], 4));
                    sb.Append(t.Render());
                    continue;
                }
                t = new TextTable(g.Group, "n", "EB coef", "Std.Err", "u", "OLS", "Reliab.");
                for (int j = 0; j < g.GroupNames.Count; j++)
                    t.Add(g.GroupNames[j], g.RowCounts[j].ToString(System.Globalization.CultureInfo.InvariantCulture),
                        g.Coefficients[j] is { } c ? Format.Num(c[i], 5) : ".",
                        g.CoefficientSe[j] is { } cs ? Format.Num(cs[i], 4) : ".",
                        Format.Num(g.RandomEffects[j][i], 5),
                        g.Ols[j] is { } o ? Format.Num(o[i], 5) : ".",
                        Format.Fixed(g.Reliability[j][i], 3));
                sb.Append(t.Render());
            }
        }
        if (fit.Groups.Count > 0 && !groupTables) sb.Append("(per-group EB and OLS estimates: --groups, or --json)\n");
        return sb.ToString();
    }

    /// <summary>The covariance parameters' profile limits, on the sd and correlation scale as lme4 gives them.</summary>
    private static string ProfileTable(RemlFit fit, ProfileIntervals profile)
    {
        var sb = new StringBuilder($"\nProfile-likelihood limits ({profile.Level * 100:G4}%, ML profile as lme4's confint;\nsd and correlation scale, not variances)\n");
        var t = new TextTable("Parameter", "ML est.", "Lower", "Upper");
        foreach (var c in fit.Covariance)
        {
            if (profile.For(c) is not { } i) continue;
            string name = c.Group == "Residual" ? "Sd Residual" : c.Term2 is null ? $"Sd {c.Group}: {c.Term1}" : $"Corr {c.Group}: {c.Term1}, {c.Term2}";
            // As in the covariance table: an sd at the boundary is 0, not the optimiser's 3E-12.
            bool atZero = c.Group != "Residual" && c.Term2 is null && i.Estimate * i.Estimate < 1e-8 * fit.ResidualVariance;
            t.Add(name, atZero ? "0" : Format.Num(i.Estimate, 6), Format.Num(i.Lower, 6), Format.Num(i.Upper, 6));
        }
        sb.Append(t.Render());
        sb.Append("(Every other parameter re-optimised at each point; a REML fit is refitted by ML\nfor the profile, as lme4 does. --json adds the limits of the variances, the\nsquares of these, to the covariance entries.)\n");
        foreach (var w in profile.Warnings) sb.Append(Format.Bullet(w));
        return sb.ToString();
    }

    /// <summary>Df as printed: a Satterthwaite df that numerically diverges (the variance of β̂ does not depend on the
    /// covariance parameters, e.g. at the boundary) is shown as infinite, as SAS does.</summary>
    private static string Df(double df) => df > 1e6 ? "inf" : Format.Fixed(df, 1);
}
