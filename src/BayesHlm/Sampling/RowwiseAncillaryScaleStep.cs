using BayesHlm.Estimation.Glmm;
using BayesHlm.Model;
using BayesHlm.Statistics;
using BayesHlm.Statistics.Linalg;

namespace BayesHlm.Sampling;

/// <summary>
/// The ancillary step of MATH.md §5 for a model without a Gaussian working likelihood (Poisson): hold η_j = L⁻¹u_j
/// fixed for level k's groups (Σ_k = LLᵀ) and move L by random-walk Metropolis–Hastings on φ = (log l_ii, l_ij), the
/// likelihood read from the rows. Given η the linear predictor of row i is rest_i + Σ_(r,c) l_rc z_ir η_c, so each
/// proposal costs one pass over the rows (an exponential each) and nothing is allocated. Without it Σ moves only
/// given u, which mixes slowly when the data say little about each group (interweaving, Yu and Meng 2011).
/// </summary>
internal sealed class RowwiseAncillaryScaleStep : IChainStep
{
    private const int ProposalsPerSweep = 4;
    private readonly GlmmRows _rows;
    private readonly Family _family;
    private readonly VariancePrior _prior;
    private readonly int _level, _q;
    private readonly CholeskyCoordinates _coords;
    private readonly AdaptiveProposal _walk;
    private readonly (int Row, int Col)[] _pairs; // entries of L that may be non-zero
    private readonly double[] _rest;              // η_i without level k's part
    private readonly double[] _basis;             // row-major N × pairs: z_ir η_c of row i's group
    private readonly double[] _eta, _l, _phi, _proposal;
    private readonly Func<double[], double> _logTarget;
    private double[] _hyperparameters = []; // the prior's sampled parameters during this sweep's move, held fixed by it

    public RowwiseAncillaryScaleStep(SufficientStatistics s, CovarianceLayout layout, int level, VariancePrior prior)
    {
        _rows = s.Rows ?? throw new ArgumentException("A rowwise ancillary step needs the statistics' rows.", nameof(s));
        _family = s.Spec.Family;
        _prior = prior;
        _level = level;
        _q = s.Levels[level].Size;
        _coords = new CholeskyCoordinates(layout, level);
        _walk = new AdaptiveProposal(_coords.Count, 0.1);
        bool full = layout.IsUnstructured(level);
        _pairs = Enumerable.Range(0, _q).SelectMany(r => Enumerable.Range(0, r + 1).Where(c => full || c == r).Select(c => (r, c))).ToArray();
        _rest = new double[_rows.N];
        _basis = new double[_rows.N * _pairs.Length];
        _eta = new double[s.Levels[level].Grouping.Count * _q];
        _l = new double[_q * _q];
        _phi = new double[_coords.Count];
        _proposal = new double[_coords.Count];
        _logTarget = LogTarget;
    }

    public double AcceptanceRate => _walk.AcceptanceRate;

    public void SaveState(CheckpointWriter into) => _walk.SaveState(into);

    public void RestoreState(CheckpointReader from) => _walk.RestoreState(from);

    // Hot: compiled optimised on first call, not after a slow first tier (a run lasts seconds).
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public void Update(ChainState state, Random rng, bool adapting)
    {
        int q = _q, n = _rows.N, pairs = _pairs.Length;
        _hyperparameters = state.Hyperparameters[_level];
        var sigma = state.Sigma[_level];
        var u = state.U[_level];
        var l = _l;
        Array.Copy(sigma, l, q * q);
        if (!Dense.CholeskyInPlace(l, q)) return;
        for (int j = 0; j < _eta.Length / q; j++)
        {
            u.AsSpan(j * q, q).CopyTo(_eta.AsSpan(j * q, q));
            Dense.ForwardSolve(l, q, _eta.AsSpan(j * q, q), 0, 1);
        }
        _rows.FixedPart(state.Beta, _rest);
        _rows.AddRandomPart(state.U, _rest);
        var group = _rows.GroupOfRow[_level];
        var z = _rows.Z[_level];
        for (int i = 0; i < n; i++)
        {
            int g = group[i];
            double own = 0;
            for (int r = 0; r < q; r++) own += z[r][i] * u[g * q + r];
            _rest[i] -= own;
            for (int p = 0; p < pairs; p++)
            {
                var (r, c) = _pairs[p];
                _basis[i * pairs + p] = z[r][i] * _eta[g * q + c];
            }
        }
        _coords.FromL(l, _phi);
        if (!_walk.Walk(_phi, _proposal, LogTarget(_phi), _logTarget, ProposalsPerSweep, rng, adapting)) return;
        _coords.ToL(_phi, l);
        for (int j = 0; j < _eta.Length / q; j++)
            for (int r = 0; r < q; r++)
            {
                double v = 0;
                for (int t = 0; t <= r; t++) v += l[r * q + t] * _eta[j * q + t];
                u[j * q + r] = v;
            }
        _coords.ToSigma(l, sigma);
    }

    /// <summary>log p(L | η, β, the other levels' u, y) on the φ scale: the rows' log-likelihood + log prior(Σ = LLᵀ) + log Jacobian.</summary>
    private double LogTarget(double[] phi)
    {
        var l = _l;
        _coords.ToL(phi, l);
        int pairs = _pairs.Length, q = _q;
        Span<double> entries = stackalloc double[pairs];
        for (int p = 0; p < pairs; p++) entries[p] = l[_pairs[p].Row * q + _pairs[p].Col];
        var y = _rows.Y;
        var trials = _rows.Trials;
        double logLik = 0;
        for (int i = 0; i < _rest.Length; i++)
        {
            double eta = _rest[i];
            var b = _basis.AsSpan(i * pairs, pairs);
            for (int p = 0; p < pairs; p++) eta += entries[p] * b[p];
            logLik += LevelOne.LogKernel(_family, y[i], trials[i], eta);
        }
        return logLik + _coords.LogPrior(_prior, l, _hyperparameters) + _coords.LogJacobian(l);
    }
}
