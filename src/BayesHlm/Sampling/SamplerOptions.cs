namespace BayesHlm.Sampling;

/// <summary>Settings of a Bayesian fit.</summary>
public sealed record SamplerOptions
{
    /// <summary>Number of chains, run in parallel.</summary>
    public int Chains { get; init; } = 4;
    /// <summary>Iterations per chain, warm-up included (as rstan counts them).</summary>
    public int Iterations { get; init; } = 2000;
    /// <summary>Warm-up iterations per chain: adaptive proposals tune themselves; not kept.</summary>
    public int Warmup { get; init; } = 1000;
    /// <summary>Keep every Thin-th draw after warm-up.</summary>
    public int Thin { get; init; } = 1;
    /// <summary>The seed all chains' random streams derive from.</summary>
    public ulong Seed { get; init; } = 1;
    /// <summary>Save the random effects of every group (many parameters).</summary>
    public bool SaveGroupEffects { get; init; }
    /// <summary>At most this many chains at once (default: all). Results do not depend on it.</summary>
    public int? MaxParallelism { get; init; }
    /// <summary>Initial values of the variance parameters by name (<c>sigma2</c>, <c>tau2[g:term]</c>, <c>cov[g:a,b]</c>),
    /// used by every chain instead of the dispersed REML starts. Parameters left out start at their REML estimates.</summary>
    public IReadOnlyDictionary<string, double>? Initial { get; init; }

    /// <summary>Sample the priors alone, through the same model with the data left out (a prior predictive run): what
    /// the priors, defaults included, imply before any data are seen.</summary>
    public bool PriorOnly { get; init; }

    /// <summary>Crossed factors' location effects drawn factor by factor even where one joint draw per sweep is cheap (the
    /// sweep large designs use; tests run it on small ones).</summary>
    internal bool FactorwiseLocation { get; init; }

    /// <summary>Refuses settings that cannot run, with a message saying what to change.</summary>
    public void Validate()
    {
        if (Chains < 1) throw new ModelSpecificationException($"Chains must be at least 1, not {Chains}.");
        if (Warmup < 0 || Iterations <= Warmup) throw new ModelSpecificationException($"Iterations ({Iterations}) must exceed warm-up ({Warmup}): iterations count warm-up too.");
        if (Thin < 1) throw new ModelSpecificationException($"Thin must be at least 1, not {Thin}.");
        if ((Iterations - Warmup) / Thin < 4) throw new ModelSpecificationException($"Only {(Iterations - Warmup) / Thin} kept draws per chain: diagnostics need at least 4. Raise the iterations or lower thin.");
    }
}
