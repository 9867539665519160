using BayesHlm.Data;
using BayesHlm.Model;
using MathNet.Numerics;

namespace BayesHlm.Estimation;

/// <summary>
/// The test of one model against the one before it in a <see cref="ModelComparison"/> when it adds exactly one variance:
/// under the null that variance is 0, on the boundary of its parameter space, where the likelihood-ratio statistic is not
/// χ²(Df) but the 50:50 mixture of χ²(Df − 1) and χ²(Df) (Self &amp; Liang 1987; Stram &amp; Lee 1994 for a random slope
/// added with its covariances). With more than one new variance the mixture's weights depend on the model, and only
/// the note that the χ² p-value is conservative is given.
/// </summary>
/// <param name="Variances">The variances tested, as "term on group".</param>
/// <param name="MixtureP">The mixture's p-value; null when more than one variance is tested.</param>
public sealed record BoundaryTest(IReadOnlyList<string> Variances, double? MixtureP);

/// <summary>One row of a <see cref="ModelComparison"/>: a model's fit and, from the second row on, its test against the
/// row before (lme4's <c>anova</c> columns).</summary>
/// <param name="Number">The model's place in the order it was given (1 for the first).</param>
/// <param name="Fit">Its fit, by ML unless the comparison is of REML fits.</param>
/// <param name="Parameters">npar: fixed effects, covariance parameters and σ, as lme4 counts them.</param>
/// <param name="ChiSquare">2 (log L − log L of the row before), at least 0 as lme4 gives it; null on the first row.</param>
/// <param name="Df">The difference in npar from the row before; null on the first row.</param>
/// <param name="P">P(χ²(Df) ≥ ChiSquare); null on the first row and where Df is 0.</param>
/// <param name="Boundary">The test of variances on the boundary, when this model adds any to the one before and
/// contains it.</param>
/// <param name="NotNested">Why the model before is not a special case of this one, when it is not.</param>
public sealed record ComparedModel(int Number, RemlFit Fit, int Parameters, double? ChiSquare, int? Df, double? P, BoundaryTest? Boundary, string? NotNested)
{
    /// <summary>−2 log L.</summary>
    public double Deviance => Fit.Fit.Minus2LogLikelihood;
    /// <summary>log L.</summary>
    public double LogLikelihood => -Deviance / 2;
    /// <summary>AIC as lme4: −2 log L + 2 npar.</summary>
    public double Aic => Deviance + 2 * Parameters;
    /// <summary>BIC as lme4: −2 log L + npar log N.</summary>
    public double Bic => Deviance + Parameters * Math.Log(Fit.Observations);
}

/// <summary>Likelihood-ratio tests of a series of models of one outcome on the same rows, as lme4's <c>anova</c>.</summary>
/// <param name="Models">The models, by increasing npar (in the given order where npar ties).</param>
/// <param name="Method">The likelihood compared: ML (REML fits refitted, lme4's default), or REML.</param>
/// <param name="Observations">The rows every model was fitted to.</param>
public sealed record ModelComparison(IReadOnlyList<ComparedModel> Models, EstimationMethod Method, int Observations);

/// <summary>
/// Compares nested models by their likelihoods, as lme4's <c>anova(m1, m2, …)</c>: each model fitted by ML (lme4 refits
/// REML fits by ML unless <c>refit = FALSE</c>, since REML likelihoods of models with different fixed effects are of
/// different data), ordered by number of parameters, each tested against the one before by χ² = twice the gain in
/// log-likelihood on the gain in parameters. A variance whose null value 0 is on the boundary is tested against the
/// χ² mixture as well (<see cref="BoundaryTest"/>).
/// </summary>
public static class LikelihoodRatioTest
{
    /// <summary>Fits and compares the models.</summary>
    /// <param name="models">Two or more gaussian models of the same outcome.</param>
    /// <param name="data">The data every model is fitted to.</param>
    /// <param name="method">ML (the default, as lme4), or REML, allowed only when every model has the same fixed effects.</param>
    /// <exception cref="ModelSpecificationException">Fewer than two models, a binomial or Poisson model, different
    /// outcomes, REML with different fixed effects, or models fitted to different numbers of rows.</exception>
    public static ModelComparison Compare(IReadOnlyList<ModelSpec> models, DataTable data, EstimationMethod method = EstimationMethod.Ml)
    {
        ArgumentNullException.ThrowIfNull(models);
        ArgumentNullException.ThrowIfNull(data);
        if (models.Count < 2) throw new ModelSpecificationException("A likelihood-ratio comparison needs at least two models (give --formula twice or more, or two model files).");
        if (method is not (EstimationMethod.Ml or EstimationMethod.Reml)) throw new ArgumentException("The likelihood compared is ML or REML.", nameof(method));
        if (models.FirstOrDefault(m => m.Family != Family.Gaussian) is { } glmm)
            throw new ModelSpecificationException($"Likelihood-ratio comparisons are of gaussian REML/ML fits; '{glmm.ToFormula()}' is a {glmm.Family.Name()} model. Compare binomial and Poisson models by their Laplace −2 log L from 'bayeshlm reml' instead.");
        if (models.Select(m => m.Outcome.FormulaText).Distinct().Skip(1).Any())
            throw new ModelSpecificationException($"The models must be of one outcome to be compared, not of {string.Join(", ", models.Select(m => m.Outcome.FormulaText).Distinct().Select(o => $"'{o}'"))}.");
        var fits = models.Select(m => Reml.Fit(m, data, new RemlOptions { Method = method })).ToList();
        CheckSameRows(fits);
        if (method == EstimationMethod.Reml) CheckSameFixedEffects(fits);

        // lme4 orders by npar with R's stable order(): ties keep the order given.
        var order = Enumerable.Range(0, fits.Count).OrderBy(i => fits[i].Fit.ParametersLme4).ToList();
        var rows = new List<ComparedModel>();
        for (int r = 0; r < order.Count; r++)
        {
            var fit = fits[order[r]];
            int npar = fit.Fit.ParametersLme4;
            if (r == 0) { rows.Add(new ComparedModel(order[r] + 1, fit, npar, null, null, null, null, null)); continue; }
            var before = rows[^1];
            double chiSquare = Math.Max(0, before.Deviance - fit.Fit.Minus2LogLikelihood);
            int df = npar - before.Parameters;
            double? p = df > 0 ? ChiSquareP(chiSquare, df) : null;
            var added = AddedVariances(before.Fit, fit);
            string? notNested = NotNested(before, fit);
            // The mixture is the null distribution of a nested test; between models that are not nested there is none.
            var boundary = added.Count == 0 || df == 0 || notNested is not null ? null : new BoundaryTest(added, added.Count == 1 ? MixtureP(chiSquare, df) : null);
            rows.Add(new ComparedModel(order[r] + 1, fit, npar, chiSquare, df, p, boundary, notNested));
        }
        return new ModelComparison(rows, method, fits[0].Observations);
    }

    /// <summary>P(χ²(<paramref name="df"/>) ≥ <paramref name="statistic"/>).</summary>
    public static double ChiSquareP(double statistic, int df)
    {
        if (df < 1) throw new ArgumentOutOfRangeException(nameof(df), df, "χ² needs at least 1 degree of freedom.");
        // The upper regularized gamma directly: 1 − CDF cancels to 0 for the small p-values of large statistics.
        return statistic <= 0 ? 1 : SpecialFunctions.GammaUpperRegularized(df / 2.0, statistic / 2);
    }

    /// <summary>The p-value of <paramref name="statistic"/> against the 50:50 mixture of χ²(df − 1) and χ²(df), χ²(0)
    /// being the point mass at 0.</summary>
    public static double MixtureP(double statistic, int df)
    {
        double lower = df == 1 ? (statistic <= 0 ? 1 : 0) : ChiSquareP(statistic, df - 1);
        return 0.5 * lower + 0.5 * ChiSquareP(statistic, df);
    }

    private static void CheckSameRows(IReadOnlyList<RemlFit> fits)
    {
        if (fits.All(f => f.Observations == fits[0].Observations)) return;
        string Rows(RemlFit f, int i)
        {
            var dropped = f.Frame.MissingByColumn.Where(m => m.Value > 0).Select(m => m.Key).ToList();
            return $"model {i + 1} uses {f.Observations} rows" + (dropped.Count > 0 ? $" (missing values in {string.Join(", ", dropped.Select(d => $"'{d}'"))})" : "");
        }
        throw new ModelSpecificationException(
            $"The models were fitted to different rows: {string.Join(", ", fits.Select(Rows))}. Likelihoods of different data cannot be compared " +
            "(lme4: 'models were not all fitted to the same size of dataset'). Remove the rows with a missing value in any column the models read, and compare again.");
    }

    private static void CheckSameFixedEffects(IReadOnlyList<RemlFit> fits)
    {
        var first = FixedTerms(fits[0]);
        for (int i = 1; i < fits.Count; i++)
        {
            var differ = FixedTerms(fits[i]);
            differ.SymmetricExceptWith(first);
            if (differ.Count > 0)
                throw new ModelSpecificationException(
                    $"REML likelihoods can be compared only between models with the same fixed effects, and models 1 and {i + 1} differ in theirs " +
                    $"({string.Join(", ", differ)}): the restricted likelihood is of different data then. Leave out --reml to refit by ML, as lme4's anova does.");
        }
    }

    /// <summary>Fixed-effect names with an interaction's variables in one order (a:b is b:a).</summary>
    private static HashSet<string> FixedTerms(RemlFit fit) => fit.FixedEffects.Select(f => string.Join(":", f.Term.Split(':').Order(StringComparer.Ordinal))).ToHashSet();

    private static HashSet<(string, string?, string?)> CovarianceTerms(RemlFit fit) => fit.Covariance.Select(c => (c.Group, c.Term1, c.Term2)).ToHashSet();

    /// <summary>The random-term variances of <paramref name="larger"/> that <paramref name="smaller"/> does not have.</summary>
    private static List<string> AddedVariances(RemlFit smaller, RemlFit larger)
    {
        var have = CovarianceTerms(smaller);
        return larger.Covariance.Where(c => c.IsVariance && c.Group != "Residual" && !have.Contains((c.Group, c.Term1, c.Term2)))
            .Select(c => $"{c.Term1} on {c.Group}").ToList();
    }

    /// <summary>Null when every parameter of <paramref name="smaller"/> is one of <paramref name="larger"/>'s, else what is missing.</summary>
    private static string? NotNested(ComparedModel smaller, RemlFit larger)
    {
        var missing = FixedTerms(smaller.Fit).Except(FixedTerms(larger))
            .Concat(CovarianceTerms(smaller.Fit).Except(CovarianceTerms(larger)).Select(c => c.Item1 == "Residual" ? "the residual variance"
                : c.Item3 is null ? $"the variance of {c.Item2} on {c.Item1}" : $"the covariance of {c.Item2} and {c.Item3} on {c.Item1}"))
            .ToList();
        return missing.Count == 0 ? null : string.Join(", ", missing);
    }
}
