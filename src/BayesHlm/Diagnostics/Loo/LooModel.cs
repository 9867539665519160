namespace BayesHlm.Diagnostics.Loo;

/// <summary>What is reported of one model's pointwise log-likelihood: its PSIS-LOO and its WAIC.</summary>
/// <param name="Name">The model's name, for tables and comparisons.</param>
/// <param name="Loo">PSIS-LOO, with r_eff from the chains.</param>
/// <param name="Waic">WAIC.</param>
public sealed record LooModel(string Name, LooResult Loo, Waic Waic)
{
    /// <summary>PSIS-LOO and WAIC of <paramref name="logLikelihood"/>.</summary>
    /// <param name="name">The model's name.</param>
    /// <param name="logLikelihood">Its pointwise log-likelihood.</param>
    public static LooModel Compute(string name, PointwiseLogLikelihood logLikelihood) =>
        new(name, PsisLoo.Compute(logLikelihood), Waic.Compute(logLikelihood));
}
