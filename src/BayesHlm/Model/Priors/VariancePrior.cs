using System.Text.Json;
using BayesHlm.Sampling;
using BayesHlm.Statistics;

namespace BayesHlm.Model;

/// <summary>
/// A prior on a variance or a covariance matrix. Each kind is one file under Model/Priors that owns all of it: its
/// JSON form, where it may stand, its sampler step and its log density; <see cref="PriorKinds"/> registers it.
/// </summary>
public abstract partial record VariancePrior
{
    /// <summary>How the kind is named in JSON, where it may stand, and its reader.</summary>
    internal abstract PriorKind Kind { get; }

    /// <summary>Where this prior may stand (a kind's places, narrowed by its parameters).</summary>
    internal virtual PriorPlaces Places => Kind.Places;

    /// <summary>Writes the fields after <c>"dist"</c>.</summary>
    internal abstract void WriteFields(Utf8JsonWriter w);

    internal void Write(Utf8JsonWriter w)
    {
        w.WriteStartObject();
        w.WriteString("dist", Kind.Dist);
        WriteFields(w);
        w.WriteEndObject();
    }

    /// <summary>The prior as its JSON object, on one line.</summary>
    internal string ToJson()
    {
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream)) Write(w);
        return System.Text.Encoding.UTF8.GetString(stream.ToArray());
    }

    /// <summary>Refuses parameters that do not fit level <paramref name="k"/> (a matrix of the wrong size, say), with
    /// a message naming the factor and its effects. The place (one effect, independent, correlated) is checked before.</summary>
    internal virtual void CheckFits(CovarianceLayout layout, int k) { }

    /// <summary>The Gibbs or Metropolis–Hastings step that draws Σ_k given the level's random effects.</summary>
    internal virtual IChainStep LevelStep(SufficientStatistics s, CovarianceLayout layout, int k) =>
        throw new InvalidOperationException($"{Kind.Dist} is not a prior of a grouping level.");

    /// <summary>The step that draws σ² given β and u.</summary>
    internal virtual IChainStep ResidualStep(SufficientStatistics s, ResidualSumOfSquares ssr) =>
        throw new InvalidOperationException($"{Kind.Dist} is not a prior of the residual.");

    /// <summary>False when the prior has no density of Σ_k to evaluate: no ancillary move then.</summary>
    internal virtual bool HasCovarianceDensity => true;

    /// <summary>log p(Σ) up to a constant at Σ = LLᵀ (L lower triangular q×q with a positive diagonal; correlated
    /// when <paramref name="unstructured"/>, else diagonal). <paramref name="work"/> is q×q scratch.</summary>
    internal virtual double LogCovarianceDensity(ReadOnlySpan<double> l, int q, bool unstructured, double[] work) =>
        throw new InvalidOperationException($"{Kind.Dist} has no density of Σ.");

    /// <summary>log p(Σ | the prior's own sampled parameters) up to a constant: a move of Σ that holds them fixed
    /// (the ancillary move) is exact against this density. Without such parameters, <see cref="LogCovarianceDensity(ReadOnlySpan{double}, int, bool, double[])"/>.</summary>
    internal virtual double LogCovarianceDensity(ReadOnlySpan<double> l, int q, bool unstructured, double[] work, ReadOnlySpan<double> hyperparameters) =>
        LogCovarianceDensity(l, q, unstructured, work);

    /// <summary>The <paramref name="p"/> quantile of the prior of variance <paramref name="a"/> (of <paramref name="q"/>)
    /// — the prior's marginal on τ_a², to tell a reader when it, not the data, decides the posterior; NaN when not written.</summary>
    internal virtual double VarianceQuantile(int a, int q, double p) => double.NaN;

    /// <summary>The quantile of τ² = 1/λ for λ ~ Gamma(shape, rate).</summary>
    private protected static double InverseGammaQuantile(double shape, double rate, double p) =>
        1 / MathNet.Numerics.Distributions.Gamma.InvCDF(shape, rate, 1 - p);

    /// <summary>Names of the prior's own sampled parameters on level <paramref name="group"/> (the random gamma rate).</summary>
    internal virtual IReadOnlyList<string> Hyperparameters(string group) => [];

    /// <summary>Starting values of <see cref="Hyperparameters"/>.</summary>
    internal virtual void StartHyperparameters(Span<double> values) { }

    /// <summary>Σ_j u_j² of a level with one random effect: its scalar steps share it.</summary>
    private protected static double SumOfSquares(double[] u)
    {
        double ss = 0;
        foreach (double v in u) ss += v * v;
        return ss;
    }
}

/// <summary>Where a prior may stand.</summary>
[Flags]
internal enum PriorPlaces
{
    None = 0,
    /// <summary>On σ², the level-1 variance.</summary>
    Residual = 1,
    /// <summary>On the variance of a level with one random effect.</summary>
    OneEffect = 2,
    /// <summary>On a diagonal Σ_k (uncorrelated effects, <c>||</c>).</summary>
    IndependentEffects = 4,
    /// <summary>On an unstructured Σ_k.</summary>
    CorrelatedEffects = 8,
    /// <summary>On ω², the variance of the linear hyperprior on fixed effects.</summary>
    HierarchyVariance = 16,
}

/// <summary>A prior kind as the JSON vocabulary knows it.</summary>
/// <param name="Dist">The <c>"dist"</c> name.</param>
/// <param name="Fields">Its object's other keys; any other key is refused (a typo would otherwise be ignored).</param>
/// <param name="Places">Where it may stand.</param>
/// <param name="Read">Reads its object; the string says where, for messages.</param>
internal sealed record PriorKind(string Dist, string[] Fields, PriorPlaces Places, Func<JsonElement, string, VariancePrior> Read);
