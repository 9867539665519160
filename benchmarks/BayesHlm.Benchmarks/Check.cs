using BayesHlm.Estimation;

namespace BayesHlm.Benchmarks;

internal static class Check
{
    /// <summary>Refuses to time a fit that does not converge: its timing would mean nothing.</summary>
    public static void Converged(RemlFit fit, string what)
    {
        if (!fit.Converged)
            throw new InvalidOperationException($"The REML fit of {what} did not converge ({fit.Iterations} iterations).");
    }
}
