using BayesHlm.Statistics;
using BayesHlm.Statistics.Linalg;

namespace BayesHlm.Estimation;

/// <summary>
/// The REML or ML criterion as a function of θ alone (σ² and β profiled out), MATH.md §4 — callable
/// on its own, without an optimiser (tests check it at fixed θ). Owns its factorisation workspace.
/// </summary>
internal sealed class ProfiledDeviance
{
    private readonly double[][] _lambdas;

    public ProfiledDeviance(SufficientStatistics statistics, bool reml)
    {
        Statistics = statistics;
        Reml = reml;
        Map = new ThetaMap(statistics.Levels);
        Factorization = GaussianKernel.For(statistics);
        _lambdas = Map.NewLambdas();
    }

    public SufficientStatistics Statistics { get; }
    public bool Reml { get; }
    public ThetaMap Map { get; }
    public GaussianKernel Factorization { get; }

    /// <summary>σ² at the current θ: profiled, or 1 when the level-1 variances are known.</summary>
    public double Sigma2 => Statistics.KnownResidualVariance ? 1 : Factorization.ProfiledSigma2(Reml);

    /// <summary>The criterion at θ; +∞ where the fixed-effect block is singular.</summary>
    public double Evaluate(ReadOnlySpan<double> theta)
    {
        Map.ToLambdas(theta, _lambdas);
        if (!Factorization.Update(_lambdas)) return double.PositiveInfinity;
        // Known level-1 variances: the C_j are weighted by them, so σ² = 1 is not profiled but fixed.
        return Statistics.KnownResidualVariance ? Factorization.Deviance(Reml, 1) : Factorization.ProfiledDeviance(Reml);
    }
}
