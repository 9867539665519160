using BayesHlm.Statistics;
using BayesHlm.Statistics.Linalg;

namespace BayesHlm.Sampling;

/// <summary>(β, u) | θ, σ² jointly, an exact draw through the Gaussian kernel (MATH.md §5 step 1): Λ_k = chol(Σ_k/σ²),
/// factorise, then draw from the root down; for large crossed designs a factor-by-factor sweep (<see cref="FactorwiseLocationDraw"/>).</summary>
internal sealed class LocationStep : IChainStep
{
    private readonly GaussianKernel? _kernel;
    private readonly FactorwiseLocationDraw? _factorwise;
    private readonly double[][] _lambdas;
    private readonly int[] _q;

    /// <param name="s">The statistics the location effects are drawn from.</param>
    /// <param name="layout">The covariance parameters' layout.</param>
    /// <param name="factorwise">Crossed factors drawn factor by factor whatever the design's size.</param>
    public LocationStep(SufficientStatistics s, CovarianceLayout layout, bool factorwise = false)
    {
        // Crossed factors whose dense block is large: factor by factor, not one dense factorisation per sweep.
        if (s.Crossed && (factorwise || CrossedFactorization.DenseRandomEffects(s) > CrossedFactorization.ExactDrawUpTo)) _factorwise = new FactorwiseLocationDraw(s);
        else _kernel = GaussianKernel.For(s);
        _lambdas = layout.NewMatrices();
        _q = s.Levels.Select(l => l.Size).ToArray();
    }

    public double AcceptanceRate => double.NaN;

    public void Update(ChainState state, Random rng, bool adapting)
    {
        SetLambdas(state);
        if (_factorwise is not null)
        {
            _factorwise.Draw(_lambdas, state.FixedPrior, state.Sigma2, rng, state.Beta, state.U);
            return;
        }
        if (!_kernel!.Update(_lambdas, state.FixedPrior, state.Sigma2))
            throw new InvalidOperationException("The fixed-effect block is singular; the prior on the fixed effects should make it positive definite.");
        _kernel.Draw(Math.Sqrt(state.Sigma2), rng, state.Beta, state.U);
    }

    /// <summary>Λ_k = chol(Σ_k/σ²) (lower triangular; a zero pivot gives a zero column), in place.</summary>
    private void SetLambdas(ChainState state)
    {
        for (int k = 0; k < _lambdas.Length; k++)
        {
            var lam = _lambdas[k];
            int q = _q[k];
            for (int i = 0; i < lam.Length; i++) lam[i] = state.Sigma[k][i] / state.Sigma2;
            if (!Dense.SemiDefiniteCholeskyInPlace(lam, q)) throw new InvalidOperationException("A covariance draw is not positive semi-definite.");
            for (int r = 0; r < q; r++) for (int c = r + 1; c < q; c++) lam[r * q + c] = 0;
        }
    }
}
