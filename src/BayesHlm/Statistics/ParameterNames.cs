namespace BayesHlm.Statistics;

/// <summary>The names of the sampled parameters (ARCHITECTURE.md), the same in draws, summaries, plots and JSON:
/// one place writes them, so every reader looks them up the way the sampler wrote them.</summary>
public static class ParameterNames
{
    /// <summary>The residual variance.</summary>
    public const string ResidualVariance = "sigma2";

    /// <summary><c>tau2[school:(Intercept)]</c>: the variance of a random effect.</summary>
    public static string Variance(string group, string term) => $"tau2[{group}:{term}]";

    /// <summary><c>cov[school:(Intercept),center(ses, school)]</c>: the covariance of two random effects.</summary>
    public static string Covariance(string group, string term1, string term2) => $"cov[{group}:{term1},{term2}]";

    /// <summary><c>b[school]</c>: the random rate of a third-level gamma hyperprior.</summary>
    public static string HyperpriorRate(string group) => $"b[{group}]";

    /// <summary><c>u[school=1224:(Intercept)]</c>: one group's random deviation.</summary>
    public static string GroupEffect(string group, string level, string term) => $"u[{group}={level}:{term}]";
}
