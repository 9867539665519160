using BayesHlm.Estimation;
using BayesHlm.Statistics;

namespace BayesHlm.Sampling;

/// <summary>
/// Where the chains start: σ² and each level's Σ_k. Usually the EB/ML estimates (<see cref="FromFit"/>), from which
/// each chain starts at its own dispersed point so that R̂ means something; values the user gives
/// (<see cref="WithGiven"/>) replace estimates, and then every chain starts exactly there.
/// </summary>
/// <param name="ResidualVariance">σ² (1 when the level-1 variances are known).</param>
/// <param name="Covariances">Σ_k per level, q×q row-major.</param>
/// <param name="Disperse">Spread each chain's start randomly around these values.</param>
public sealed record StartValues(double ResidualVariance, IReadOnlyList<double[]> Covariances, bool Disperse)
{
    /// <summary>The EB/ML estimates as a start, a variance at the boundary moved a little inside (a singular Σ_k
    /// would start the chain nowhere), dispersed per chain.</summary>
    public static StartValues FromFit(RemlFit fit, SufficientStatistics statistics)
    {
        ArgumentNullException.ThrowIfNull(fit);
        ArgumentNullException.ThrowIfNull(statistics);
        var sigma = new CovarianceLayout(statistics.Levels).FromFit(fit);
        for (int k = 0; k < sigma.Length; k++)
        {
            var m = sigma[k];
            int q = statistics.Levels[k].Size;
            for (int i = 0; i < q; i++) m[i * q + i] = Math.Max(m[i * q + i], 1e-2 * fit.ResidualVariance);
            if (!Statistics.Linalg.Dense.CholeskyInPlace((double[])m.Clone(), q))
                for (int i = 0; i < q; i++) for (int j = 0; j < q; j++) if (i != j) m[i * q + j] = 0;
        }
        return new StartValues(statistics.KnownResidualVariance ? 1 : fit.ResidualVariance, sigma, Disperse: true);
    }

    /// <summary>These values with the variance parameters named in <paramref name="given"/> (<c>sigma2</c>,
    /// <c>tau2[g:term]</c>, <c>cov[g:a,b]</c>) replaced, checked to be a valid start; every chain starts there.</summary>
    public StartValues WithGiven(IReadOnlyDictionary<string, double> given, SufficientStatistics statistics)
    {
        ArgumentNullException.ThrowIfNull(given);
        ArgumentNullException.ThrowIfNull(statistics);
        var layout = new CovarianceLayout(statistics.Levels);
        var known = layout.Parameters.ToDictionary(e => e.Name, e => (CovarianceEntry?)e);
        if (!statistics.KnownResidualVariance) known = new[] { new KeyValuePair<string, CovarianceEntry?>(ParameterNames.ResidualVariance, null) }.Concat(known).ToDictionary();
        foreach (var name in given.Keys)
            if (!known.ContainsKey(name))
            {
                string closest = Data.Closest.Name(name, known.Keys);
                throw new ModelSpecificationException($"Initial value for '{name}': the model has no such variance parameter.{(closest.Length > 0 ? $" Did you mean '{closest}'?" : "")} It has {string.Join(", ", known.Keys)}.");
            }
        double sigma2 = ResidualVariance;
        var sigma = Covariances.Select(m => (double[])m.Clone()).ToArray();
        foreach (var (name, value) in given)
        {
            var entry = known[name];
            if ((entry is null || entry.Value.IsVariance) && !(value > 0)) throw new ModelSpecificationException($"Initial value for '{name}' must be a positive variance, not {value}.");
            if (entry is { } e) layout.Set(sigma, e, value);
            else sigma2 = value;
        }
        for (int k = 0; k < sigma.Length; k++)
            if (!Statistics.Linalg.Dense.CholeskyInPlace((double[])sigma[k].Clone(), statistics.Levels[k].Size))
                throw new ModelSpecificationException($"The initial covariance matrix of '{statistics.Levels[k].Grouping.Name}' is not positive definite: make the covariances smaller.");
        return new StartValues(sigma2, sigma, Disperse: false);
    }

    /// <summary>One chain's start: these values, or, when <see cref="Disperse"/>, σ² times e^(0.3z) and each Σ_k times
    /// its own e^(0.5z) (a common factor per level keeps it positive definite).</summary>
    internal (double Sigma2, double[][] Sigma) ForChain(Random rng, bool knownResidual)
    {
        double sigma2 = ResidualVariance;
        var sigma = Covariances.Select(m => (double[])m.Clone()).ToArray();
        if (!Disperse) return (sigma2, sigma);
        if (!knownResidual) sigma2 *= Math.Exp(0.3 * rng.NextStandardNormal());
        foreach (var m in sigma)
        {
            double scale = Math.Exp(0.5 * rng.NextStandardNormal());
            for (int i = 0; i < m.Length; i++) m[i] *= scale;
        }
        return (sigma2, sigma);
    }
}
