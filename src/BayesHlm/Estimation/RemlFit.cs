using BayesHlm.Model;
using BayesHlm.Statistics;

namespace BayesHlm.Estimation;

/// <summary>One fixed effect: estimate, standard error, df (both methods), t, p and confidence interval.</summary>
public sealed record FixedEffectEstimate(
    string Term, double Estimate, double StandardError,
    double DfBetweenWithin, double DfSatterthwaite, double Df,
    double T, double P, double Lower, double Upper);

/// <summary>A covariance parameter (SAS COVTEST): a variance (<see cref="Term2"/> null), a covariance, or the
/// residual variance (<see cref="Group"/> "Residual"). SE, Z and p are null at the boundary.</summary>
public sealed record CovarianceEstimate(
    string Group, string? Term1, string? Term2, double Estimate,
    double? StandardError, double? Z, double? P)
{
    /// <summary>True for a variance (the residual's included), false for a covariance.</summary>
    public bool IsVariance => Term2 is null;
}

/// <summary>Fit statistics with the SAS PROC MIXED conventions.</summary>
public sealed record FitStatistics(double Minus2LogLikelihood, double Aic, double Aicc, double Bic, int Parameters)
{
    /// <summary>AIC as lme4 computes it: every parameter counted (fixed effects too, under REML as well), so it differs from
    /// SAS's under REML.</summary>
    public double AicLme4 { get; init; }
    /// <summary>BIC as lme4 computes it: every parameter, and the log of the number of rows (SAS uses the number of subjects).</summary>
    public double BicLme4 { get; init; }
    /// <summary>The parameters lme4 counts: fixed effects, covariance parameters and σ².</summary>
    public int ParametersLme4 { get; init; }
}

/// <summary>Empirical Bayes results for one grouping level: per group, the predicted random effects u_j and their
/// conditional SEs (β held at β̂, as lme4's condVar), the group coefficients β_j = fixed part + u_j with SEs that
/// include the fixed effects' uncertainty, the per-group OLS estimates where the group's rows allow, and the
/// reliabilities λ_j (diagonal of Σ(Σ + V_j)⁻¹).</summary>
public sealed record GroupEffects(
    string Group,
    IReadOnlyList<string> GroupNames,
    IReadOnlyList<string> Terms,
    IReadOnlyList<int> RowCounts,
    double[][] RandomEffects,
    double[][] RandomEffectSe,
    double[]?[] Coefficients,
    double[]?[] CoefficientSe,
    double[]?[] Ols,
    double[]?[] OlsSe,
    double[][] Reliability)
{
    /// <summary>Average reliability of each random coefficient over the groups.</summary>
    public double[] AverageReliability =>
        Enumerable.Range(0, Terms.Count).Select(t => Reliability.Average(r => r[t])).ToArray();
}

/// <summary>
/// The result of an EB/ML fit: fixed effects, covariance parameters, fit statistics, EB group estimates,
/// ICCs, and what happened on the way (iterations, convergence, warnings). Immutable.
/// </summary>
public sealed record RemlFit
{
    /// <summary>The model that was fitted.</summary>
    public required ModelSpec Spec { get; init; }
    /// <summary>REML or ML: which likelihood the variance components maximise and <see cref="Fit"/> reports.</summary>
    public required EstimationMethod Method { get; init; }
    /// <summary>The algorithm that gave the estimates: <see cref="EstimationAlgorithm.Em"/> also when Newton failed and EM
    /// took over; as requested when there was nothing to optimise (no random part, covariances given).</summary>
    public required EstimationAlgorithm Algorithm { get; init; }
    /// <summary>Rows the fit used (N), after rows with a missing value in a column the model reads were dropped.</summary>
    public required int Observations { get; init; }
    /// <summary>Number of groups per grouping level, outermost first; empty for ordinary least squares.</summary>
    public required IReadOnlyList<(string Group, int Count)> GroupCounts { get; init; }
    /// <summary>What the data stage did: rows read, rows used, missing values per column.</summary>
    public required ModelFrameSummary Frame { get; init; }
    /// <summary>One per column of the fixed-effect design, in its order; t tests and intervals use
    /// <see cref="DegreesOfFreedom"/>.</summary>
    public required IReadOnlyList<FixedEffectEstimate> FixedEffects { get; init; }
    /// <summary>Variances and covariances of the random effects (not SDs or correlations), level by level
    /// outermost first, then the residual variance σ² unless the level-1 variances are known.</summary>
    public required IReadOnlyList<CovarianceEstimate> Covariance { get; init; }
    /// <summary>−2 log-likelihood (REML or ML, as <see cref="Method"/>), AIC, AICc and BIC. Under REML the
    /// likelihood is only comparable between models with the same fixed effects.</summary>
    public required FitStatistics Fit { get; init; }
    /// <summary>Empirical Bayes estimates per grouping level, outermost first; empty for ordinary least squares.</summary>
    public required IReadOnlyList<GroupEffects> Groups { get; init; }
    /// <summary>Intraclass correlation per level, for models whose random part is intercepts only; else empty.</summary>
    public required IReadOnlyList<(string Group, double Icc)> Icc { get; init; }
    /// <summary>σ², the level-1 variance (a variance, not an SD); 1 when the level-1 variances are known,
    /// since the rows are then weighted by 1/v_i.</summary>
    public required double ResidualVariance { get; init; }
    /// <summary>False when the optimiser did not meet its convergence test: the estimates are the last iterate and
    /// <see cref="Warnings"/> says so. True when there was nothing to optimise.</summary>
    public required bool Converged { get; init; }
    /// <summary>Optimiser iterations, Newton's and EM's added when one took over from the other; 0 when
    /// nothing was optimised.</summary>
    public required int Iterations { get; init; }
    /// <summary>A variance component at zero or a covariance matrix of less than full rank.</summary>
    public required bool Singular { get; init; }
    /// <summary>True when the model has no random part: ordinary least squares.</summary>
    public bool IsOrdinaryLeastSquares => Groups.Count == 0;
    /// <summary>What the user must know about the fit (non-convergence, a singular fit, few groups,
    /// df set to 1, no covariance-parameter SEs), each a full sentence.</summary>
    public required IReadOnlyList<string> Warnings { get; init; }
    /// <summary>The fit's own time in seconds: model set-up from the loaded data through the final estimates.</summary>
    public required double Seconds { get; init; }
    /// <summary>Covariance matrix of the fixed effects (p×p, row-major).</summary>
    public required double[] FixedCovariance { get; init; }
    /// <summary>Which df the t tests and intervals use.</summary>
    public required DegreesOfFreedomMethod DegreesOfFreedom { get; init; }
    /// <summary>The outcome's level-1 distribution (gaussian for REML and ML fits).</summary>
    public Family Family { get; init; } = Family.Gaussian;
    /// <summary>Quadrature points per group of a binomial or Poisson fit (1: Laplace), as glmer's nAGQ; 0 for a gaussian fit.</summary>
    public int QuadraturePoints { get; init; }
    /// <summary>"REML", "ML", "Laplace" or "adaptive Gauss-Hermite, N points": how the fit was made, as the output says it.</summary>
    public string MethodName => Method switch
    {
        EstimationMethod.Reml => "REML",
        EstimationMethod.Ml => "ML",
        EstimationMethod.Laplace => "Laplace",
        _ => $"adaptive Gauss-Hermite, {QuadraturePoints} points",
    };
    /// <summary>Coverage of the fixed effects' confidence intervals.</summary>
    public required double ConfidenceLevel { get; init; }
    /// <summary>Profile-likelihood intervals of every covariance parameter and fixed effect, when asked for
    /// (<see cref="ProfileLikelihood"/>); else null.</summary>
    public ProfileIntervals? Profile { get; init; }
}

/// <summary>The fit for one value of a BY column, or why there is none.</summary>
public sealed record ByFit(string Value, RemlFit? Fit, string? Error);

/// <summary>Fits for each value of a BY column (SAS <c>BY</c>).</summary>
/// <param name="Column">The BY column.</param>
/// <param name="Fits">One entry per value, in sorted order.</param>
/// <param name="MissingByValue">Rows left out because their BY value is missing.</param>
public sealed record ByFits(string Column, IReadOnlyList<ByFit> Fits, int MissingByValue);
