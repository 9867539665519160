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
        Factorization = new NestedFactorization(statistics);
        _lambdas = Map.NewLambdas();
    }

    public SufficientStatistics Statistics { get; }
    public bool Reml { get; }
    public ThetaMap Map { get; }
    public NestedFactorization Factorization { get; }
    public int Evaluations { get; private set; }

    /// <summary>The criterion at θ; +∞ where the fixed-effect block is singular.</summary>
    public double Evaluate(ReadOnlySpan<double> theta)
    {
        Evaluations++;
        Map.ToLambdas(theta, _lambdas);
        if (!Factorization.Update(_lambdas)) return double.PositiveInfinity;
        return Factorization.ProfiledDeviance(Reml);
    }
}
