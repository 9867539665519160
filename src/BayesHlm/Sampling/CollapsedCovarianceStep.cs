using BayesHlm.Model;
using BayesHlm.Statistics;
using BayesHlm.Statistics.Linalg;

namespace BayesHlm.Sampling;

/// <summary>
/// Σ_k of one level moved with (β, u) integrated out (MATH.md §4–5, step 5): an adaptive random walk on Σ_k's Cholesky
/// coordinates whose target is the marginal likelihood of the data given θ — −½(log|ΛᵀZᵀZΛ + I| + log|L_X|² +
/// pwrss/σ²) from one factorisation of the kernel — times the prior of Σ_k. It runs just before the joint draw of
/// (β, u) given θ, so the two together draw (Σ_k, β, u) from their conditional given σ² (a partially collapsed Gibbs
/// step). Unlike the moves given u, it does not slow down where Σ_k's posterior reaches towards a singular matrix (a
/// small slope variance with a non-conjugate prior: the funnel). Each proposal costs one factorisation, O(J·q³).
/// </summary>
internal sealed class CollapsedCovarianceStep : IChainStep
{
    private const int ProposalsPerSweep = 16;
    private readonly GaussianKernel _kernel;
    private readonly VariancePrior _prior;
    private readonly int _level, _q;
    private readonly CholeskyCoordinates _coords;
    private readonly AdaptiveProposal _walk;
    private readonly double[][] _lambdas;
    private readonly double[] _l, _phi, _proposal, _sigma;
    private readonly int[] _qs;
    private readonly Func<double[], double> _logTarget;
    private ChainState _state = null!;

    public CollapsedCovarianceStep(SufficientStatistics s, CovarianceLayout layout, int level, VariancePrior prior)
    {
        _kernel = GaussianKernel.For(s);
        _prior = prior;
        _level = level;
        _q = s.Levels[level].Size;
        _coords = new CholeskyCoordinates(layout, level);
        _walk = new AdaptiveProposal(_coords.Count, 0.1);
        _lambdas = layout.NewMatrices();
        _qs = s.Levels.Select(l => l.Size).ToArray();
        _l = new double[_q * _q];
        _sigma = new double[_q * _q];
        _phi = new double[_coords.Count];
        _proposal = new double[_coords.Count];
        _logTarget = LogTarget;
    }

    /// <summary>Where the move pays: a nested linear model whose level has a prior without a conjugate step (the
    /// default LKJ with half-t sds, or a prior on an sd), and Σ unstructured or diagonal.</summary>
    public static bool AppliesTo(SufficientStatistics s, CovarianceLayout layout, int level, VariancePrior prior) =>
        !s.Crossed && s.Spec.Family == Family.Gaussian && prior is VariancePrior.LkjHalfT or VariancePrior.SdPrior
        && (layout.IsDiagonal(level) || layout.IsUnstructured(level));

    public double AcceptanceRate => _walk.AcceptanceRate;

    public void SaveState(CheckpointWriter into) => _walk.SaveState(into);

    public void RestoreState(CheckpointReader from) => _walk.RestoreState(from);

    public void Update(ChainState state, Random rng, bool adapting)
    {
        _state = state;
        var sigma = state.Sigma[_level];
        Array.Copy(sigma, _l, _q * _q);
        if (!Dense.CholeskyInPlace(_l, _q)) return;
        _coords.FromL(_l, _phi);
        double current = LogTarget(_phi);
        if (!double.IsFinite(current)) return;
        if (!_walk.Walk(_phi, _proposal, current, _logTarget, ProposalsPerSweep, rng, adapting)) return;
        _coords.ToL(_phi, _l);
        _coords.ToSigma(_l, sigma);
    }

    /// <summary>log p(y | θ) (β and u integrated out, σ² and the other levels' Σ as they are) + log p(Σ_k) + log |∂Σ/∂φ|.</summary>
    private double LogTarget(double[] phi)
    {
        var state = _state;
        double sigma2 = state.Sigma2;
        _coords.ToL(phi, _l);
        _coords.ToSigma(_l, _sigma);
        for (int k = 0; k < _lambdas.Length; k++)
        {
            var lam = _lambdas[k];
            int q = _qs[k];
            var from = k == _level ? _sigma : state.Sigma[k];
            for (int i = 0; i < lam.Length; i++) lam[i] = from[i] / sigma2;
            if (!Dense.SemiDefiniteCholeskyInPlace(lam, q)) return double.NegativeInfinity;
            for (int r = 0; r < q; r++) for (int c = r + 1; c < q; c++) lam[r * q + c] = 0;
        }
        if (!_kernel.Update(_lambdas, state.FixedPrior, sigma2)) return double.NegativeInfinity;
        double logLik = -0.5 * (_kernel.LogDetZ + _kernel.LogDetX + _kernel.Pwrss / sigma2);
        return logLik + _coords.LogPrior(_prior, _l, state.Hyperparameters[_level]) + _coords.LogJacobian(_l);
    }
}
