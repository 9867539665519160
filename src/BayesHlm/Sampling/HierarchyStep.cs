using BayesHlm.Statistics;
using BayesHlm.Statistics.Linalg;
using MathNet.Numerics.Distributions;

namespace BayesHlm.Sampling;

/// <summary>
/// The Lindley–Smith third level on fixed effects, γ_t ~ N(W_t δ, ω²): δ | γ, ω² (normal), then ω² | γ, δ (inverse
/// gamma) unless ω² is fixed, then the prior of the hierarchy's γ for the next sweep's location draw. All conjugate.
/// </summary>
internal sealed class HierarchyStep : IChainStep
{
    private readonly HierarchyPrior _h;
    private readonly int _p;
    private readonly DesignCoordinates _coordinates;
    private readonly double[] _basePrecision, _basePrecisionMean; // the other terms' prior, in the user's coordinates
    private readonly double[] _beta, _gamma, _precision, _b;

    public HierarchyStep(SufficientStatistics s, ResolvedPriors priors, HierarchyPrior h)
    {
        _h = h;
        _p = s.P;
        _coordinates = s.Coordinates;
        _basePrecision = priors.FixedPrecision;
        _basePrecisionMean = priors.FixedPrecisionTimesMean;
        _beta = new double[s.P];
        _gamma = new double[h.Terms.Length];
        _precision = new double[h.Predictors * h.Predictors];
        _b = new double[h.Predictors];
    }

    public double AcceptanceRate => double.NaN;

    /// <summary>δ at its prior mean, ω² at its fixed value or 1, and the prior of γ set from them.</summary>
    public void Start(ChainState state)
    {
        for (int i = 0; i < _h.Predictors; i++) state.Delta[i] = _h.DeltaMean;
        state.Omega2 = _h.OmegaVariance ?? 1;
        SetPrior(state);
    }

    public void Update(ChainState state, Random rng, bool adapting)
    {
        var h = _h;
        int n = h.Terms.Length, k = h.Predictors;
        var gamma = _gamma;
        double omega2 = state.Omega2;
        state.Beta.CopyTo(_beta);
        _coordinates.ToUser(_beta);
        for (int t = 0; t < n; t++) gamma[t] = _beta[h.Terms[t]];
        // δ | γ, ω²: precision I/v + WᵀW/ω², precision × mean m/v + Wᵀγ/ω².
        var precision = _precision;
        var b = _b;
        Array.Clear(precision);
        for (int a = 0; a < k; a++)
        {
            precision[a * k + a] = 1 / h.DeltaVariance;
            b[a] = h.DeltaMean / h.DeltaVariance;
            for (int t = 0; t < n; t++) b[a] += h.Design[t * k + a] * gamma[t] / omega2;
            for (int c = 0; c < k; c++)
                for (int t = 0; t < n; t++) precision[a * k + c] += h.Design[t * k + a] * h.Design[t * k + c] / omega2;
        }
        if (!Dense.CholeskyInPlace(precision, k)) throw new InvalidOperationException("The hyperprior's δ precision is not positive definite.");
        Dense.ForwardSolve(precision, k, b, 0, 1);
        for (int a = 0; a < k; a++) b[a] += rng.NextStandardNormal();
        Dense.BackSolve(precision, k, b, 0, 1);
        Array.Copy(b, state.Delta, k);
        if (h.OmegaVariance is null)
        {
            double ss = 0;
            for (int t = 0; t < n; t++)
            {
                double r = gamma[t];
                for (int a = 0; a < k; a++) r -= h.Design[t * k + a] * state.Delta[a];
                ss += r * r;
            }
            state.Omega2 = 1 / Gamma.Sample(rng, h.OmegaShape + n / 2.0, h.OmegaRate + ss / 2);
        }
        SetPrior(state);
    }

    /// <summary>γ_t ~ N(W_t δ, ω²) beside the other terms' priors, then into the kernel's coordinates.</summary>
    private void SetPrior(ChainState state)
    {
        var h = _h;
        int k = h.Predictors;
        var precision = state.FixedPrior.Precision;
        var precisionMean = state.FixedPrior.PrecisionTimesMean;
        _basePrecision.CopyTo(precision, 0);
        _basePrecisionMean.CopyTo(precisionMean, 0);
        for (int t = 0; t < h.Terms.Length; t++)
        {
            int i = h.Terms[t];
            double mean = 0;
            for (int a = 0; a < k; a++) mean += h.Design[t * k + a] * state.Delta[a];
            precision[i * _p + i] = 1 / state.Omega2;
            precisionMean[i] = mean / state.Omega2;
        }
        _coordinates.ToKernelPrior(precision, precisionMean);
    }
}
