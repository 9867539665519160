namespace BayesHlm.Estimation;

/// <summary>REML (restricted) or ML (full) likelihood.</summary>
public enum EstimationMethod
{
    /// <summary>Restricted likelihood: variance components allow for the fixed effects having been estimated (the
    /// default, as in lme4 and SAS).</summary>
    Reml,
    /// <summary>Full likelihood: variance components biased down, but −2LL comparable between models that differ
    /// in their fixed effects.</summary>
    Ml,
    /// <summary>Maximum likelihood of a binomial or Poisson model by the Laplace approximation (glmer's default).</summary>
    Laplace,
    /// <summary>Maximum likelihood of a binomial or Poisson model by adaptive Gauss–Hermite quadrature (glmer's nAGQ &gt; 1).</summary>
    AdaptiveQuadrature,
}

/// <summary>How the variance components are found.</summary>
public enum EstimationAlgorithm
{
    /// <summary>Newton on the profiled criterion, with EM as a fallback if it fails.</summary>
    Auto,
    /// <summary>Accelerated EM, as the HLM software does it.</summary>
    Em,
    /// <summary>Damped Newton on the profiled criterion (θ = relative Cholesky factors, σ² profiled out).</summary>
    Newton,
}

/// <summary>Denominator degrees of freedom for the fixed-effect t tests.</summary>
public enum DegreesOfFreedomMethod
{
    /// <summary>SAS <c>ddfm=bw</c>: between-group df for effects constant within groups, within-group df otherwise.</summary>
    BetweenWithin,
    /// <summary>Satterthwaite's approximation (as lmerTest and SAS <c>ddfm=satterthwaite</c>).</summary>
    Satterthwaite,
    /// <summary>None: Wald z tests against the normal distribution (binomial and Poisson models, as glmer).</summary>
    Wald,
}

/// <summary>Settings of an EB/ML fit.</summary>
public sealed record RemlOptions
{
    /// <summary>REML (default) or ML.</summary>
    public EstimationMethod Method { get; init; } = EstimationMethod.Reml;
    /// <summary>How the variance components are found; by default Newton, falling back to EM.</summary>
    public EstimationAlgorithm Algorithm { get; init; } = EstimationAlgorithm.Auto;
    /// <summary>Which df the fixed-effect t tests and intervals use; by default between-within.</summary>
    public DegreesOfFreedomMethod DegreesOfFreedom { get; init; } = DegreesOfFreedomMethod.BetweenWithin;
    /// <summary>Coverage of the confidence intervals of fixed effects.</summary>
    public double ConfidenceLevel { get; init; } = 0.95;
    /// <summary>Iteration cap for EM (each SQUAREM cycle counts its EM steps).</summary>
    public int MaxEmIterations { get; init; } = 200_000;

    /// <summary>REML, Newton with EM as fallback, between-within df, 95% intervals.</summary>
    public static RemlOptions Default { get; } = new();

    /// <summary>"reml" or "ml", in any case.</summary>
    public static EstimationMethod ParseMethod(string text) => text.Trim().ToLowerInvariant() switch
    {
        "reml" => EstimationMethod.Reml,
        "ml" => EstimationMethod.Ml,
        _ => throw new ModelSpecificationException($"The method must be reml or ml, not '{text}'."),
    };
}
