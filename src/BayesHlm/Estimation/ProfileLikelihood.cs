using System.Diagnostics;
using BayesHlm.Data;
using BayesHlm.Model;
using BayesHlm.Statistics;
using MathNet.Numerics.Distributions;

namespace BayesHlm.Estimation;

/// <summary>What a profile interval is on: the sd of a random term or of the residual, a correlation of two random
/// terms, or a fixed effect.</summary>
public enum ProfileScale
{
    /// <summary>A standard deviation (of a random term, or σ of the residual).</summary>
    StandardDeviation,
    /// <summary>The correlation of two random terms of one level.</summary>
    Correlation,
    /// <summary>A fixed effect, on its own scale.</summary>
    FixedEffect,
}

/// <summary>
/// One parameter's profile-likelihood interval on lme4's scale (sd, correlation, fixed effect), named as the fit's
/// <see cref="CovarianceEstimate"/> (group and terms; group "Residual" for σ) or <see cref="FixedEffectEstimate"/> (term).
/// A limit is NaN where the profile did not reach the cutoff; an sd's lower limit is 0, a correlation's ±1, where the
/// profile reaches that bound first.
/// </summary>
/// <param name="Group">The grouping level, "Residual" for σ, null for a fixed effect.</param>
/// <param name="Term1">The random term (the first of a correlation's), or the fixed effect; null for σ.</param>
/// <param name="Term2">A correlation's second term; else null.</param>
/// <param name="Scale">What <see cref="Estimate"/> and the limits are.</param>
/// <param name="Estimate">The value at the optimum the profile is about.</param>
/// <param name="Lower">The lower limit.</param>
/// <param name="Upper">The upper limit.</param>
public sealed record ProfileInterval(string? Group, string? Term1, string? Term2, ProfileScale Scale, double Estimate, double Lower, double Upper)
{
    /// <summary>lme4's name of the parameter: <c>sd_(Intercept)|school</c>, <c>cor_x.(Intercept)|school</c> (lme4 writes
    /// the later term first), <c>sigma</c>, or the fixed effect's term.</summary>
    public string Lme4Name => Scale switch
    {
        ProfileScale.FixedEffect => Term1!,
        ProfileScale.Correlation => $"cor_{Term2}.{Term1}|{Group}",
        _ => Group == "Residual" ? "sigma" : $"sd_{Term1}|{Group}",
    };

    /// <summary>The limits as the fit's covariance table states the parameter: an sd's squared (a variance), a
    /// correlation's and a fixed effect's as they are.</summary>
    public (double Lower, double Upper) OnReportedScale =>
        Scale == ProfileScale.StandardDeviation ? (Lower * Lower, Upper * Upper) : (Lower, Upper);
}

/// <summary>Profile-likelihood intervals of a fit, of its ML likelihood (<see cref="ProfileLikelihood.Intervals(SufficientStatistics, RemlFit, double)"/>).</summary>
/// <param name="Level">Their coverage.</param>
/// <param name="Covariance">Per level the sds of its terms, then the correlations of its correlated pairs; then σ.</param>
/// <param name="Fixed">One per fixed effect, in the fit's order.</param>
/// <param name="Seconds">The time the profiles took, the ML refit included.</param>
/// <param name="Warnings">What the user must know (a limit not reached; a profile below the fit's optimum).</param>
public sealed record ProfileIntervals(double Level, IReadOnlyList<ProfileInterval> Covariance,
    IReadOnlyList<ProfileInterval> Fixed, double Seconds, IReadOnlyList<string> Warnings)
{
    /// <summary>The interval of a covariance parameter of the fit: a variance's sd or a covariance's correlation.</summary>
    public ProfileInterval? For(CovarianceEstimate c)
    {
        ArgumentNullException.ThrowIfNull(c);
        return Covariance.FirstOrDefault(i => i.Group == c.Group && i.Term1 == c.Term1 && i.Term2 == c.Term2);
    }

    /// <summary>The interval of a fixed effect of the fit.</summary>
    public ProfileInterval? For(FixedEffectEstimate f)
    {
        ArgumentNullException.ThrowIfNull(f);
        return Fixed.FirstOrDefault(i => i.Term1 == f.Term);
    }
}

/// <summary>
/// Profile-likelihood intervals, as lme4's <c>confint(method = "profile")</c>: for each covariance parameter (on the sd and
/// correlation scale, σ included) and each fixed effect, the values where ζ, the signed square root of the rise of −2 log L
/// with every other parameter re-optimised, stays within ±z, z = Φ⁻¹((1 + level)/2). Unlike Wald intervals they follow
/// the likelihood's shape: a variance near 0 gets [0, a few times its estimate], not a symmetric interval far into the
/// negative or a log-scale one to the thousands. The limits are found by root-finding on ζ, not read off a grid.
/// </summary>
public static class ProfileLikelihood
{
    /// <summary>As <see cref="Intervals(SufficientStatistics, RemlFit, double)"/>, from the data the fit was made on.</summary>
    /// <param name="fit">The fit, by <see cref="Reml.Fit(ModelSpec, DataTable, RemlOptions?)"/>.</param>
    /// <param name="data">Its data.</param>
    /// <param name="level">The intervals' coverage, in (0, 1).</param>
    public static ProfileIntervals Intervals(RemlFit fit, DataTable data, double level = 0.95)
    {
        ArgumentNullException.ThrowIfNull(fit);
        return Intervals(SufficientStatistics.Build(fit.Spec, data), fit, level);
    }

    /// <summary>
    /// The intervals of a gaussian REML or ML fit. Like lme4, which refits a REML fit by ML before profiling it
    /// (<c>devfun2</c> calls <c>refitML</c>), the profile is of the ML likelihood: a REML fit's are centred on its ML refit.
    /// </summary>
    /// <param name="statistics">The fit's model on its data (<see cref="SufficientStatistics.Build"/>).</param>
    /// <param name="fit">The fit, by <see cref="Reml.Fit(SufficientStatistics, RemlOptions?)"/>.</param>
    /// <param name="level">The intervals' coverage, in (0, 1).</param>
    /// <exception cref="ModelSpecificationException">A binomial or Poisson fit (the Laplace deviance is not profiled).</exception>
    public static ProfileIntervals Intervals(SufficientStatistics statistics, RemlFit fit, double level = 0.95)
    {
        ArgumentNullException.ThrowIfNull(statistics);
        ArgumentNullException.ThrowIfNull(fit);
        if (fit.Family != Family.Gaussian)
            throw new ModelSpecificationException(
                $"Profile-likelihood intervals are computed for gaussian REML and ML fits only, not for this {fit.Family.Name()} model's Laplace or quadrature likelihood: " +
                "drop --ci profile and read the Wald intervals, or fit the model with 'bayeshlm fit' for posterior intervals.");
        if (!(level > 0 && level < 1)) throw new ModelSpecificationException($"The confidence level must be between 0 and 1 (0.95 for 95%), not {level}.");
        var clock = Stopwatch.StartNew();
        if (fit.Method != EstimationMethod.Ml) fit = Reml.Fit(statistics, new RemlOptions { Method = EstimationMethod.Ml });
        var s = statistics.ForReml();
        var layout = new CovarianceLayout(s.Levels);
        var criterion = new ProfiledDeviance(s, reml: false);
        var start = Reml.KernelTheta(s, layout.FromFit(fit), fit.ResidualVariance)
            ?? throw new InvalidOperationException("The fit's covariance matrices are not positive semi-definite.");
        // A start 1e-6 from the optimum would shift D̂ by ~1e-12 — harmless — but an EM fit may stop farther out.
        var theta = NewtonMinimizer.Minimize(x => criterion.Evaluate(x), start).X;
        var origin = new ProfileOrigin(criterion, theta);
        double z = Normal.InvCDF(0, 1, (1 + level) / 2);

        var parameters = new List<(ProfiledParameter Parameter, ProfileInterval Name)>();
        ProfileInterval Named(string? group, string? t1, string? t2, ProfileScale scale) => new(group, t1, t2, scale, double.NaN, double.NaN, double.NaN);
        for (int k = 0; k < s.Levels.Count; k++)
        {
            var randomLevel = s.Levels[k];
            foreach (var e in layout.ParametersOf(k))
                parameters.Add(e.IsVariance
                    ? (new RandomSdProfile(origin, k, e.Row), Named(randomLevel.Grouping.Name, randomLevel.TermNames[e.Row], null, ProfileScale.StandardDeviation))
                    : (new CorrelationProfile(origin, k, e.Row, e.Col), Named(randomLevel.Grouping.Name, randomLevel.TermNames[e.Row], randomLevel.TermNames[e.Col], ProfileScale.Correlation)));
        }
        if (!s.KnownResidualVariance) parameters.Add((new ResidualSdProfile(origin), Named("Residual", null, null, ProfileScale.StandardDeviation)));
        for (int j = 0; j < s.P; j++) parameters.Add((new FixedEffectProfile(origin, j), Named(null, s.FixedNames[j], null, ProfileScale.FixedEffect)));

        var results = new ProfileInterval[parameters.Count];
        var improvements = new double[parameters.Count];
        void Profile(int i, ProfiledDeviance workspace)
        {
            var (parameter, name) = parameters[i];
            double estimate = parameter.Estimate;
            if (double.IsNaN(estimate)) { results[i] = name; return; } // a correlation of a term without variance
            var search = new ProfileSearch(parameter, workspace, origin.Deviance, z);
            results[i] = name with { Estimate = estimate, Lower = search.Limit(-1), Upper = search.Limit(+1) };
            improvements[i] = search.Improvement;
        }
        // Parameters are profiled independently, each on its own workspace; a crossed kernel, whose evaluations are dear,
        // instead spreads each derivative's points over workspaces of its own (ProfiledDeviance.ForEach).
        if (s.Crossed) for (int i = 0; i < parameters.Count; i++) Profile(i, criterion);
        else
            Parallel.For(0, parameters.Count, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount },
                () => new ProfiledDeviance(s, reml: false), (i, _, workspace) => { Profile(i, workspace); return workspace; }, _ => { });

        var warnings = new List<string>();
        var notReached = results.Where(r => double.IsNaN(r.Lower) || double.IsNaN(r.Upper)).Select(r => r.Lme4Name).ToList();
        if (notReached.Count > 0)
            warnings.Add($"The profile of {string.Join(", ", notReached)} did not reach the cutoff on one side (or could not be computed): that limit is missing, as lme4 reports NA.");
        double improvement = improvements.Max();
        if (improvement > 1e-6 * Math.Max(1, Math.Abs(origin.Deviance)))
            warnings.Add($"Profiling found a deviance {improvement:G3} below the fit's: the fit had not reached the maximum likelihood, and the intervals are about a point that is not the optimum. Refit (e.g. --algorithm newton) and compare.");
        int nCov = parameters.Count - s.P;
        return new ProfileIntervals(level, results.Take(nCov).ToArray(), results.Skip(nCov).ToArray(), clock.Elapsed.TotalSeconds, warnings);
    }
}
