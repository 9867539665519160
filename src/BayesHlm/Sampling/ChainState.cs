using BayesHlm.Statistics;
using BayesHlm.Statistics.Linalg;

namespace BayesHlm.Sampling;

/// <summary>
/// Where one chain is: every sampled quantity, which the steps read and overwrite in turn. β is in the statistics'
/// coordinates (the intercept shifted with y, MATH.md §2); Σ_k and u_k are per grouping level, q×q and groups × q
/// row-major; the fixed-effect prior is here because the linear hyperprior's step rewrites it every sweep.
/// </summary>
internal sealed class ChainState
{
    public ChainState(SufficientStatistics s, ResolvedPriors priors, double sigma2, IReadOnlyList<double[]> sigma)
    {
        Beta = new double[s.P];
        U = s.Levels.Select(l => new double[l.Grouping.Count * l.Size]).ToArray();
        Sigma2 = sigma2;
        Sigma = sigma.Select(x => (double[])x.Clone()).ToArray();
        Hyperparameters = s.Levels.Select((l, k) => new double[priors.Levels[k].Hyperparameters(l.Grouping.Name).Count]).ToArray();
        for (int k = 0; k < s.Levels.Count; k++) priors.Levels[k].StartHyperparameters(Hyperparameters[k]);
        FixedPrior = priors.KernelPrior(s);
        Delta = new double[priors.Hierarchy?.Predictors ?? 0];
    }

    /// <summary>β, in the statistics' coordinates.</summary>
    public double[] Beta { get; }

    /// <summary>Per level, every group's random effects (groups × q).</summary>
    public double[][] U { get; }

    /// <summary>σ² (1 when the level-1 variances are known).</summary>
    public double Sigma2 { get; set; }

    /// <summary>Per level, Σ_k (q×q).</summary>
    public double[][] Sigma { get; }

    /// <summary>Per level, the parameters of its prior that are sampled too (the random gamma rate b).</summary>
    public double[][] Hyperparameters { get; }

    /// <summary>The Gaussian prior of β in the kernel's coordinates.</summary>
    public FixedEffectPrior FixedPrior { get; }

    /// <summary>δ of the linear hyperprior (empty without one).</summary>
    public double[] Delta { get; }

    /// <summary>ω² of the linear hyperprior.</summary>
    public double Omega2 { get; set; }

    /// <summary>Every value, for a checkpoint (the fixed-effect prior too: the hyperprior's step rewrites it).</summary>
    public void Save(CheckpointWriter into)
    {
        into.Write(Beta);
        foreach (var u in U) into.Write(u);
        into.Write(Sigma2);
        foreach (var s in Sigma) into.Write(s);
        foreach (var h in Hyperparameters) into.Write(h);
        into.Write(FixedPrior.Precision);
        into.Write(FixedPrior.PrecisionTimesMean);
        into.Write(Delta);
        into.Write(Omega2);
    }

    /// <summary>Reads back what <see cref="Save"/> wrote, into this state's arrays (which have the model's sizes).</summary>
    public void Restore(CheckpointReader from)
    {
        from.ReadInto(Beta);
        foreach (var u in U) from.ReadInto(u);
        Sigma2 = from.ReadDouble();
        foreach (var s in Sigma) from.ReadInto(s);
        foreach (var h in Hyperparameters) from.ReadInto(h);
        from.ReadInto(FixedPrior.Precision);
        from.ReadInto(FixedPrior.PrecisionTimesMean);
        from.ReadInto(Delta);
        Omega2 = from.ReadDouble();
    }
}

/// <summary>
/// One move of the blocked Gibbs sampler: an exact conditional draw or a Metropolis–Hastings move that leaves the
/// posterior invariant, updating its block of <see cref="ChainState"/> given the rest (in the spirit of BlackJAX's
/// step functions). Built once per chain (its init), it keeps its own buffers and adaptation state; a step allocates
/// nothing. Adaptive proposals tune themselves only while <c>adapting</c> (warm-up), so the kept chain is Markov.
/// </summary>
internal interface IChainStep
{
    /// <summary>One update of the step's block.</summary>
    void Update(ChainState state, Random rng, bool adapting);

    /// <summary>Share of Metropolis–Hastings proposals accepted so far; NaN for an exact draw.</summary>
    double AcceptanceRate { get; }

    /// <summary>Writes what later sweeps depend on besides <see cref="ChainState"/> — an adaptive proposal's scale, shape and
    /// counts — for a checkpoint. An exact draw keeps only buffers, rewritten every sweep: nothing to write. A step
    /// that keeps state across sweeps must write all of it, or a resumed chain would not continue draw for draw.</summary>
    void SaveState(CheckpointWriter into) { }

    /// <summary>Reads back what <see cref="SaveState"/> wrote.</summary>
    void RestoreState(CheckpointReader from) { }
}
