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

    private ProfiledDeviance[]? _helpers;

    /// <summary>
    /// <paramref name="work"/> on the criterion evaluated at each point (what a derivative needs): in parallel on
    /// separate workspaces when one evaluation is dear (a crossed kernel factorises a dense block), else on this one in
    /// turn. Each point's result depends on the point alone, so the order of the work does not change any value.
    /// </summary>
    public TResult[] ForEach<TResult>(IReadOnlyList<double[]> points, Func<ProfiledDeviance, double[], TResult> work)
    {
        var results = new TResult[points.Count];
        int workers = Math.Min(Math.Min(Environment.ProcessorCount, 4), points.Count);
        if (!Statistics.Crossed || workers < 2)
        {
            for (int i = 0; i < points.Count; i++) results[i] = work(this, points[i]);
            return results;
        }
        if (_helpers is null || _helpers.Length < workers)
            _helpers = Enumerable.Range(0, workers).Select(_ => new ProfiledDeviance(Statistics, Reml)).ToArray();
        var helpers = _helpers;
        Parallel.For(0, workers, w => { for (int i = w; i < points.Count; i += workers) results[i] = work(helpers[w], points[i]); });
        return results;
    }

    /// <summary>The criterion at each θ (<see cref="ForEach"/>).</summary>
    public double[] EvaluateMany(IReadOnlyList<double[]> thetas) => ForEach(thetas, (c, theta) => c.Evaluate(theta));

    /// <summary>The criterion at θ; +∞ where the fixed-effect block is singular.</summary>
    public double Evaluate(ReadOnlySpan<double> theta)
    {
        Map.ToLambdas(theta, _lambdas);
        return Evaluate(_lambdas);
    }

    /// <summary>The criterion at relative covariance factors Λ_k given whole (lower-triangular q_k×q_k, row-major), not
    /// through θ's free entries; +∞ where the fixed-effect block is singular.</summary>
    public double Evaluate(IReadOnlyList<double[]> lambdas)
    {
        if (!Factorization.Update(lambdas)) return double.PositiveInfinity;
        // Known level-1 variances: the C_j are weighted by them, so σ² = 1 is not profiled but fixed.
        return Statistics.KnownResidualVariance ? Factorization.Deviance(Reml, 1) : Factorization.ProfiledDeviance(Reml);
    }
}
