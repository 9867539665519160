using BayesHlm.Estimation;
using BayesHlm.Statistics;

namespace BayesHlm.Prediction;

/// <summary>The linear predictor of rows from an EB/ML fit, as lme4's <c>predict</c>: conditional (β̂ and each row's
/// groups' predicted effects û; zero for a group the fit has not seen, lme4's <c>allow.new.levels</c>) and marginal
/// (β̂ alone, <c>re.form = NA</c>). On the link scale.</summary>
/// <param name="Conditional">x_iβ̂ + Σ_k z_ik û (+ offset).</param>
/// <param name="Marginal">x_iβ̂ (+ offset).</param>
/// <param name="NewGroup">Per level, per row: the group is not one of the fit's.</param>
internal sealed record FittedValues(double[] Conditional, double[] Marginal, bool[][] NewGroup)
{
    /// <summary>The predictors of <paramref name="design"/>'s rows under <paramref name="fit"/>.</summary>
    public static FittedValues For(RemlFit fit, Design design)
    {
        ArgumentNullException.ThrowIfNull(fit);
        ArgumentNullException.ThrowIfNull(design);
        var rows = new GlmmRows(design, design.Levels);
        int n = rows.N;
        // β̂ in the design's centred coordinates: X_user β = X̃ (Lβ).
        var beta = design.FixedNames.Select(name => fit.FixedEffects.Single(f => f.Term == name).Estimate).ToArray();
        new UnitTriangularMap(design.FixedExpansion).MultiplyL(beta);
        var marginal = new double[n];
        rows.FixedPart(beta, marginal);
        var conditional = (double[])marginal.Clone();
        var groups = design.Levels.Select(l => fit.Groups.Single(g => g.Group == l.Grouping.Name)).ToArray();
        var known = NewRows.KnownGroups(design, groups.Select(g => g.GroupNames).ToArray(), allNew: false);
        for (int k = 0; k < groups.Length; k++)
        {
            // The fit's terms in its own order; the design's random columns as written, in theirs.
            var terms = design.Levels[k].TermNames.Select(t => groups[k].Terms.ToList().IndexOf(t)).ToArray();
            if (terms.Any(t => t < 0)) throw new InvalidOperationException($"The fit has no effect of every random term of '{design.Levels[k].Grouping.Name}'.");
            var z = rows.Z[k];
            for (int i = 0; i < n; i++)
            {
                int j = known[k][i];
                if (j < 0) continue;
                for (int a = 0; a < terms.Length; a++) conditional[i] += z[a][i] * groups[k].RandomEffects[j][terms[a]];
            }
        }
        return new FittedValues(conditional, marginal, known.Select(k => k.Select(j => j < 0).ToArray()).ToArray());
    }
}
