using BayesHlm.Model;
using BayesHlm.Statistics;
using BayesHlm.Statistics.Linalg;

namespace BayesHlm.Sampling;

/// <summary>
/// Σ_k given its random effects u_k for a prior that is not conjugate (sds with half-t or half-Cauchy priors and
/// LKJ correlations): random-walk Metropolis–Hastings on Σ's Cholesky coordinates φ. The likelihood of the u's
/// depends on them only through S = Σ_j u_j u_jᵀ, so a proposal costs O(q³), nothing that grows with the groups.
/// The proposal's size and shape adapt during warm-up only (<see cref="AdaptiveProposal"/>).
/// </summary>
internal sealed class CovarianceWalk : IChainStep
{
    private const int ProposalsPerSweep = 30;
    private readonly CholeskyCoordinates _coords;
    private readonly VariancePrior _prior;
    private readonly int _k, _q;
    private int _groups;
    private readonly double[] _scatter, _l, _work, _phi, _proposal;
    private readonly AdaptiveProposal _walk;
    private readonly Func<double[], double> _logTarget;

    public CovarianceWalk(CovarianceLayout layout, int k, VariancePrior prior)
    {
        _coords = new CholeskyCoordinates(layout, k);
        _prior = prior;
        _k = k;
        _q = layout.Levels[k].Size;
        _scatter = new double[_q * _q];
        _l = new double[_q * _q];
        _work = new double[_q * _q];
        _phi = new double[_coords.Count];
        _proposal = new double[_coords.Count];
        _logTarget = LogTarget;
        _walk = new AdaptiveProposal(_coords.Count, 0.1);
    }

    public double AcceptanceRate => _walk.AcceptanceRate;

    public void SaveState(CheckpointWriter into) => _walk.SaveState(into);

    public void RestoreState(CheckpointReader from) => _walk.RestoreState(from);

    public void Update(ChainState state, Random rng, bool adapting) => Step(state.Sigma[_k], state.U[_k], rng, adapting);

    /// <summary>Moves Σ (q×q, in place) given the level's u (groups × q).</summary>
    public void Step(double[] sigma, double[] u, Random rng, bool adapt)
    {
        int q = _q;
        _groups = u.Length / q;
        Array.Clear(_scatter);
        Dense.AddScatter(u, q, _scatter);

        Array.Copy(sigma, _l, q * q);
        if (!Dense.CholeskyInPlace(_l, q)) return;
        _coords.FromL(_l, _phi);
        _walk.Walk(_phi, _proposal, LogTarget(_phi), _logTarget, ProposalsPerSweep, rng, adapt);
        _coords.ToL(_phi, _l);
        _coords.ToSigma(_l, sigma);
    }

    /// <summary>−J log|L| − tr(Σ⁻¹S)/2 + log p(Σ) + log Jacobian, on φ.</summary>
    private double LogTarget(double[] phi)
    {
        int q = _q;
        _coords.ToL(phi, _l);
        double logDetL = 0;
        for (int i = 0; i < q; i++) logDetL += Math.Log(_l[i * q + i]);
        // tr(Σ⁻¹S) = ‖L⁻¹ S L⁻ᵀ‖ trace: solve L X = S, then the trace of L⁻¹ Xᵀ.
        Array.Copy(_scatter, _work, q * q);
        for (int c = 0; c < q; c++) Dense.ForwardSolve(_l, q, _work, c, q);
        double trace = 0;
        Span<double> y = stackalloc double[q];
        for (int c = 0; c < q; c++)
        {
            // Column c of (L⁻¹S)ᵀ = row c of L⁻¹S; solve L y = that row and keep y_c.
            for (int r = 0; r < q; r++) y[r] = _work[c * q + r];
            for (int r = 0; r < q; r++)
            {
                double v = y[r];
                for (int t = 0; t < r; t++) v -= _l[r * q + t] * y[t];
                y[r] = v / _l[r * q + r];
            }
            trace += y[c];
        }
        return -_groups * logDetL - trace / 2 + _coords.LogPrior(_prior, _l) + _coords.LogJacobian(_l);
    }
}
