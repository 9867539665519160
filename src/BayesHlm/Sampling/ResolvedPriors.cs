using BayesHlm.Model;

namespace BayesHlm.Sampling;

/// <summary>The prior on one grouping level's covariance Σ_k.</summary>
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

    /// <summary>Σ = diag(τ) R diag(τ), τ_k with its own sd prior, R ~ LKJ(eta) (ignored when Σ is diagonal).
    /// Not conjugate: Metropolis–Hastings on Σ's Cholesky factor.</summary>
    public sealed record SdCorrelation(SdPrior[] Sds, double Eta) : LevelPrior;
}

/// <summary>A prior on a standard deviation that is not conditionally conjugate: sampled by Metropolis–Hastings
/// on log sd.</summary>
internal abstract record SdPrior
{
    /// <summary>sd ~ half-Cauchy(0, scale).</summary>
    public sealed record HalfCauchy(double Scale) : SdPrior;

    /// <summary>sd ~ half-Student-t(df, 0, scale).</summary>
    public sealed record HalfT(double Df, double Scale) : SdPrior;

    /// <summary>sd ~ Uniform(0, upper).</summary>
    public sealed record Uniform(double Upper) : SdPrior;

    /// <summary>log density of the sd (up to a constant); −∞ outside the support.</summary>
    public double LogDensity(double sd) => this switch
    {
        HalfCauchy h => -Math.Log(1 + sd * sd / (h.Scale * h.Scale)),
        HalfT t => -(t.Df + 1) / 2 * Math.Log(1 + sd * sd / (t.Scale * t.Scale * t.Df)),
        Uniform u => sd > 0 && sd < u.Upper ? 0 : double.NegativeInfinity,
        _ => throw new InvalidOperationException(),
    };

    public static SdPrior? From(VariancePrior p) => p switch
    {
        VariancePrior.HalfCauchySd h => new HalfCauchy(h.Scale),
        VariancePrior.HalfTSd t => new HalfT(t.Df, t.Scale),
        VariancePrior.UniformSd u => new Uniform(u.Upper),
        _ => null,
    };
}

/// <summary>A level's random-effect sd with a non-conjugate prior (one random effect).</summary>
internal sealed record LevelSdPrior(SdPrior Sd) : LevelPrior;

/// <summary>The Lindley–Smith hyperprior in the sampler's terms: fixed effects <see cref="Terms"/> (indices into β) ~
/// N(Wδ, ω²I), δ_k ~ N(DeltaMean, DeltaVariance); ω² fixed (<see cref="OmegaVariance"/>) or 1/ω² ~ Gamma(shape, rate).</summary>
internal sealed record HierarchyPrior(int[] Terms, double[] Design, int Predictors, string[] PredictorNames,
    double DeltaMean, double DeltaVariance, double? OmegaVariance, double OmegaShape, double OmegaRate);

/// <summary>
/// The priors as the sampler uses them, every default filled in: a Gaussian on β (precision matrix and
/// precision × mean, in the outcome's own coordinates), optionally the linear hyperprior on some of β, the residual
/// prior (gamma precision, an sd prior, or none when the level-1 variances are known) and one prior per level.
/// <see cref="Complete"/> is the same, written in the user's vocabulary for run.json.
/// </summary>
internal sealed record ResolvedPriors(
    PriorSpec Complete,
    double[] FixedPrecision,
    double[] FixedPrecisionTimesMean,
    HierarchyPrior? Hierarchy,
    IReadOnlyList<LevelPrior> Levels)
{
    /// <summary>1/σ² ~ Gamma(ResidualShape, ResidualRate) unless <see cref="ResidualSd"/> or <see cref="KnownResidual"/>.</summary>
    public double ResidualShape { get; init; }
    public double ResidualRate { get; init; }

    /// <summary>When set, replaces the residual's gamma precision.</summary>
    public SdPrior? ResidualSd { get; init; }

    /// <summary>The level-1 variances are known (weighted C_j, σ² = 1): no residual step.</summary>
    public bool KnownResidual { get; init; }

    /// <summary>The fixed-effect prior in the kernel's coordinates: the C_j hold y − shift, so the intercept's prior
    /// mean moves with it, P(m − shift·e) = Pm − shift·P e. A fresh copy (a linear hyperprior rewrites its terms).</summary>
    public Statistics.Linalg.FixedEffectPrior KernelPrior(Statistics.SufficientStatistics s)
    {
        int p = s.P;
        var precisionMean = (double[])FixedPrecisionTimesMean.Clone();
        if (s.InterceptIndex >= 0)
            for (int i = 0; i < p; i++) precisionMean[i] -= s.OutcomeShift * FixedPrecision[i * p + s.InterceptIndex];
        return new Statistics.Linalg.FixedEffectPrior((double[])FixedPrecision.Clone(), precisionMean);
    }
}
