namespace BayesHlm.Diagnostics.Loo;

/// <summary>The deviance information criterion as JAGS computes it (Plummer's pD = var(deviance)/2): DIC = mean
/// deviance + pD, the deviance of each draw −2 Σ_i log p(y_i | θ) from the pointwise log-likelihood.</summary>
/// <param name="Value">DIC.</param>
/// <param name="PD">The effective number of parameters, var(deviance)/2.</param>
/// <param name="MeanDeviance">The posterior mean of the deviance.</param>
public sealed record Dic(double Value, double PD, double MeanDeviance)
{
    /// <summary>DIC from a pointwise log-likelihood matrix.</summary>
    public static Dic From(PointwiseLogLikelihood ll)
    {
        ArgumentNullException.ThrowIfNull(ll);
        var deviance = new double[ll.Draws];
        AddDeviance(ll, deviance);
        return FromDeviance(deviance);
    }

    /// <summary>Adds each draw's −2 Σ_i ll_i over <paramref name="ll"/>'s observations into <paramref name="deviance"/>.</summary>
    public static void AddDeviance(PointwiseLogLikelihood ll, double[] deviance)
    {
        ArgumentNullException.ThrowIfNull(ll);
        ArgumentNullException.ThrowIfNull(deviance);
        for (int i = 0; i < ll.Observations; i++)
        {
            var values = ll.Observation(i);
            for (int d = 0; d < deviance.Length; d++) deviance[d] -= 2 * values[d];
        }
    }

    /// <summary>DIC from each draw's deviance.</summary>
    public static Dic FromDeviance(double[] deviance)
    {
        ArgumentNullException.ThrowIfNull(deviance);
        double mean = deviance.Average(), variance = 0;
        foreach (double v in deviance) variance += (v - mean) * (v - mean);
        variance /= Math.Max(1, deviance.Length - 1);
        return new Dic(mean + variance / 2, variance / 2, mean);
    }
}
