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

/// <summary>Normal prior on every fixed effect, gamma prior on the residual precision, one conjugate prior per level.</summary>
internal sealed record ConjugatePriors(double FixedMean, double FixedVariance, double ResidualShape, double ResidualRate, IReadOnlyList<LevelPrior> Levels);
