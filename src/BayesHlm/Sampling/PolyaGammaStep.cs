using BayesHlm.Statistics;

namespace BayesHlm.Sampling;

/// <summary>
/// The Pólya-Gamma augmentation of a logistic model (Polson, Scott and Windle 2013): given η_i, ω_i ~ PG(n_i, η_i); given
/// ω, the likelihood in η is Gaussian — pseudo-observation κ_i/ω_i − offset_i with precision ω_i, κ_i = y_i − n_i/2 — so
/// the chain's own working statistics are refilled with those weights and responses (σ² = 1) and the other steps run
/// on them unchanged: the location block drawn jointly by the kernel, the covariance steps and the interweaving move.
/// The one step whose cost grows with the rows (one PG draw and one weighted cross-product per row per sweep).
/// One per chain (the working statistics are the chain's).
/// </summary>
internal sealed class PolyaGammaStep : IChainStep
{
    private readonly GlmmRows _rows;
    private readonly GlmmRows.WorkingModel _working;
    private readonly double[] _eta, _kappa;

    /// <param name="s">The model's statistics as the sampler holds them, with their rows (<see cref="SufficientStatistics.Rows"/>).</param>
    public PolyaGammaStep(SufficientStatistics s)
    {
        _rows = s.Rows ?? throw new ArgumentException("A binomial model's statistics keep its rows.", nameof(s));
        _working = _rows.Working(s.Spec, s.Frame, withFixed: true);
        _eta = new double[_rows.N];
        _kappa = Enumerable.Range(0, _rows.N).Select(i => _rows.Y[i] - _rows.Trials[i] / 2).ToArray();
    }

    /// <summary>The chain's working statistics, refilled by every <see cref="Update"/>.</summary>
    public SufficientStatistics Statistics => _working.Statistics;

    public double AcceptanceRate => double.NaN;

    // Hot: compiled optimised on first call, not after a slow first tier (a run lasts seconds).
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public void Update(ChainState state, Random rng, bool adapting)
    {
        _rows.FixedPart(state.Beta, _eta);
        _rows.AddRandomPart(state.U, _eta);
        var weight = _working.Weight;
        var response = _working.Response;
        var trials = _rows.Trials;
        var offset = _rows.Offset;
        for (int i = 0; i < _eta.Length; i++)
        {
            double omega = PolyaGamma.Next(rng, trials[i], _eta[i]);
            weight[i] = omega;
            response[i] = _kappa[i] / omega - offset[i];
        }
        _working.Refill();
    }
}
