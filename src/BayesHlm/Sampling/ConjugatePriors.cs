namespace BayesHlm.Sampling;

/// <summary>The prior on one grouping level's covariance Σ_k, from the conditionally conjugate family.</summary>
internal abstract record LevelPrior
{
    /// <summary>One random effect: 1/τ² ~ Gamma(shape, rate) (JAGS dgamma(shape, rate)).</summary>
    public sealed record GammaPrecision(double Shape, double Rate) : LevelPrior;

    /// <summary>Σ ~ InvWishart(ν, S), density ∝ |Σ|^−(ν+q+1)/2 exp(−tr(SΣ⁻¹)/2).</summary>
    public sealed record InverseWishart(double Df, double[] Scale) : LevelPrior;

    /// <summary>The third-level gamma parameterisation: 1/τ² ~ Gamma(shape, b) with the rate itself random,
    /// b ~ Gamma(rateShape, rateRate) — conjugate, so b gets a Gibbs step too.</summary>
    public sealed record GammaPrecisionWithRandomRate(double Shape, double RateShape, double RateRate) : LevelPrior;

    /// <summary>Diagonal Σ, each 1/τ_k² ~ Gamma(shape, rate) independently.</summary>
    public sealed record IndependentGammaPrecision(double Shape, double Rate) : LevelPrior;
}

/// <summary>A prior on a standard deviation that is not conditionally conjugate: sampled by Metropolis–Hastings
/// on log sd. Also usable for a single random effect's sd.</summary>
internal abstract record SdPrior
{
    /// <summary>sd ~ half-Cauchy(0, scale).</summary>
    public sealed record HalfCauchy(double Scale) : SdPrior;

    /// <summary>sd ~ Uniform(0, upper).</summary>
    public sealed record Uniform(double Upper) : SdPrior;

    /// <summary>log density of the sd (up to a constant); −∞ outside the support.</summary>
    public double LogDensity(double sd) => this switch
    {
        HalfCauchy h => -Math.Log(1 + sd * sd / (h.Scale * h.Scale)),
        Uniform u => sd > 0 && sd < u.Upper ? 0 : double.NegativeInfinity,
        _ => throw new InvalidOperationException(),
    };
}

/// <summary>A level's random-effect sd with a non-conjugate prior (one random effect).</summary>
internal sealed record LevelSdPrior(SdPrior Sd) : LevelPrior;

/// <summary>Normal prior on every fixed effect; on the residual, a gamma precision (conjugate) or an sd prior
/// (<see cref="ResidualSd"/>, MH); one prior per grouping level.</summary>
internal sealed record ConjugatePriors(double FixedMean, double FixedVariance, double ResidualShape, double ResidualRate, IReadOnlyList<LevelPrior> Levels)
{
    /// <summary>When set, replaces the residual's gamma precision.</summary>
    public SdPrior? ResidualSd { get; init; }

    /// <summary>The level-1 variances are known (weighted C_j, σ² = 1): no residual step.</summary>
    public bool KnownResidual { get; init; }
}
