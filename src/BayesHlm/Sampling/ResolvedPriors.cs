using BayesHlm.Model;
using BayesHlm.Statistics;
using BayesHlm.Statistics.Linalg;

namespace BayesHlm.Sampling;

/// <summary>The Lindley–Smith hyperprior in the sampler's terms: fixed effects <see cref="Terms"/> (indices into β) ~
/// N(Wδ, ω²I), δ_k ~ N(DeltaMean, DeltaVariance); ω² fixed (<see cref="OmegaVariance"/>) or 1/ω² ~ Gamma(shape, rate).</summary>
internal sealed record HierarchyPrior(int[] Terms, double[] Design, int Predictors, string[] PredictorNames,
    double DeltaMean, double DeltaVariance, double? OmegaVariance, double OmegaShape, double OmegaRate);

/// <summary>
/// The priors of one model on its data, resolved once: every default filled in, each prior checked against what it
/// is put on, and the Gaussian prior of β built. <see cref="Complete"/> is the same in the user's vocabulary (run.json
/// writes it; passed back as the priors it gives the same run). Made by <see cref="Resolve"/>.
/// </summary>
public sealed class ResolvedPriors
{
    internal ResolvedPriors(SufficientStatistics statistics, PriorSpec complete, double[] fixedPrecision, double[] fixedPrecisionTimesMean,
        HierarchyPrior? hierarchy, IReadOnlyList<VariancePrior> levels, VariancePrior? residual)
    {
        Statistics = statistics;
        Layout = new CovarianceLayout(statistics.Levels);
        Complete = complete;
        FixedPrecision = fixedPrecision;
        FixedPrecisionTimesMean = fixedPrecisionTimesMean;
        Hierarchy = hierarchy;
        Levels = levels;
        Residual = residual;
    }

    /// <summary>Fills in the defaults of <paramref name="spec"/> for the model on its data and checks every prior fits
    /// (term names, each covariance's shape); a mistake is a <see cref="ModelSpecificationException"/> saying what to change.</summary>
    public static ResolvedPriors Resolve(PriorSpec spec, SufficientStatistics statistics) => PriorResolution.Resolve(spec, statistics);

    /// <summary>Every prior as used, in the vocabulary of <see cref="PriorSpec"/>.</summary>
    public PriorSpec Complete { get; }

    /// <summary>The model and data the priors were resolved for.</summary>
    internal SufficientStatistics Statistics { get; }

    /// <summary>The covariance entries of each level.</summary>
    internal CovarianceLayout Layout { get; }

    /// <summary>Precision of β's Gaussian prior (p×p), in the outcome's own coordinates.</summary>
    internal double[] FixedPrecision { get; }

    /// <summary>Precision × mean of β's prior.</summary>
    internal double[] FixedPrecisionTimesMean { get; }

    /// <summary>The linear hyperprior on some of β, if any.</summary>
    internal HierarchyPrior? Hierarchy { get; }

    /// <summary>One prior per grouping level.</summary>
    internal IReadOnlyList<VariancePrior> Levels { get; }

    /// <summary>The prior on σ²; null when the level-1 variances are known (weighted C_j, σ² = 1, no residual step).</summary>
    internal VariancePrior? Residual { get; }

    /// <summary>The fixed-effect prior in the kernel's coordinates (<see cref="DesignCoordinates.ToKernelPrior"/>). A fresh
    /// copy (a linear hyperprior rewrites its terms).</summary>
    internal FixedEffectPrior KernelPrior(SufficientStatistics s)
    {
        var precision = (double[])FixedPrecision.Clone();
        var precisionMean = (double[])FixedPrecisionTimesMean.Clone();
        s.Coordinates.ToKernelPrior(precision, precisionMean);
        return new FixedEffectPrior(precision, precisionMean);
    }
}
