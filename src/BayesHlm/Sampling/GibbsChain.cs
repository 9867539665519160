using BayesHlm.Statistics;

namespace BayesHlm.Sampling;

/// <summary>
/// One chain of the blocked Gibbs sampler (MATH.md §5): a <see cref="ChainState"/> and an ordered list of steps, each
/// leaving the posterior invariant. A sweep runs them in turn: (β, u) | θ jointly through the kernel; σ² given (β, u)
/// (exact, or a walk on log σ); each Σ_k given its u's (the step its prior owns: exact for the conjugate priors, a walk
/// otherwise); the linear hyperprior (δ, ω²); then the ancillary move of each level (interweaving, MH).
/// </summary>
internal sealed class GibbsChain
{
    private readonly SufficientStatistics _s;
    private readonly ResolvedPriors _priors;
    private readonly Random _rng;
    private readonly ChainState _state;
    private readonly IChainStep[] _steps;
    private readonly IChainStep?[] _ancillary;

    /// <param name="s">The model on its data.</param>
    /// <param name="priors">The priors, resolved for <paramref name="s"/>.</param>
    /// <param name="rng">The chain's own random stream.</param>
    /// <param name="sigma2">σ² to start from (1 when the level-1 variances are known).</param>
    /// <param name="sigma">Σ_k to start from, one q×q matrix per level.</param>
    /// <param name="factorwise">Crossed factors' location effects drawn factor by factor whatever the design's size.</param>
    public GibbsChain(SufficientStatistics s, ResolvedPriors priors, Random rng, double sigma2, IReadOnlyList<double[]> sigma, bool factorwise = false)
    {
        // The priors are stated on Σ_k as written: the chain works on the random columns as written.
        s = s.ForSampler();
        // A logistic model: the Pólya-Gamma step keeps this chain's own weighted working statistics, which every
        // other step then reads as a Gaussian model's with σ² = 1.
        var polyaGamma = s.Spec.Family is Model.Family.Bernoulli or Model.Family.Binomial ? new PolyaGammaStep(s) : null;
        if (polyaGamma is not null) s = polyaGamma.Statistics;
        _s = s;
        _priors = priors;
        _rng = rng;
        // Known level-1 variances (and a logistic model's working weights) fix σ² at 1: no step would ever move it.
        _state = new ChainState(s, priors, s.KnownResidualVariance ? 1 : sigma2, sigma);
        var layout = priors.Layout;
        var steps = new List<IChainStep>();
        if (polyaGamma is not null) steps.Add(polyaGamma);
        // A Poisson model has no Gaussian working model: its location effects by Laplace-proposal MH steps, and an
        // interweaving move that reads its likelihood from the rows rather than from the statistics.
        bool poisson = s.Spec.Family == Model.Family.Poisson;
        // Σ_k with (β, u) integrated out, where the moves given u mix slowly, then (β, u) given θ: together one draw.
        for (int k = 0; k < s.Levels.Count; k++)
            if (polyaGamma is null && CollapsedCovarianceStep.AppliesTo(s, layout, k, priors.Levels[k]))
                steps.Add(new CollapsedCovarianceStep(s, layout, k, priors.Levels[k]));
        steps.Add(poisson ? new PoissonLocationStep(s) : new LocationStep(s, layout, factorwise));
        if (priors.Residual is { } residual) steps.Add(residual.ResidualStep(s, new ResidualSumOfSquares(s)));
        for (int k = 0; k < s.Levels.Count; k++) steps.Add(priors.Levels[k].LevelStep(s, layout, k));
        if (priors.Hierarchy is { } h)
        {
            var hierarchy = new HierarchyStep(s, priors, h);
            hierarchy.Start(_state);
            steps.Add(hierarchy);
        }
        _ancillary = s.Levels.Select((_, k) => !AncillaryScaleStep.AppliesTo(layout, k, priors.Levels[k]) ? null
            : poisson ? new RowwiseAncillaryScaleStep(s, layout, k, priors.Levels[k])
            : (IChainStep)new AncillaryScaleStep(s, layout, k, priors.Levels[k])).ToArray();
        steps.AddRange(_ancillary.OfType<IChainStep>());
        _steps = steps.ToArray();
    }

    /// <summary>True during warm-up: adaptive proposals may tune themselves; false after, so the chain is Markov.</summary>
    public bool Adapting { get; set; }

    /// <summary>Acceptance rate of the ancillary Metropolis–Hastings move, or NaN when the model has none.</summary>
    public double AncillaryAcceptance => _ancillary.FirstOrDefault(a => a is not null)?.AcceptanceRate ?? double.NaN;

    /// <summary>The chain's state (the steps' tests read and set it).</summary>
    internal ChainState State => _state;

    /// <summary>The steps of a sweep, in order, and the stream they draw from: a harness that times each step runs them
    /// itself (<c>benchmarks --sweep-profile</c>), exactly as <see cref="Step"/> does.</summary>
    internal IReadOnlyList<IChainStep> Steps => _steps;

    /// <inheritdoc cref="Steps"/>
    internal Random Random => _rng;

    /// <summary>The chain's whole state as bytes — the random stream, <see cref="ChainState"/>, every step's adaptation —
    /// from which <see cref="Restore"/> continues it exactly as if it had never stopped.</summary>
    public byte[] Save()
    {
        if (_rng is not ChainRandom random) throw new InvalidOperationException("Only a chain drawing from a ChainRandom can be saved.");
        using var bytes = new MemoryStream();
        using (var w = new BinaryWriter(bytes))
        {
            var into = new CheckpointWriter(w);
            random.SaveState(into);
            _state.Save(into);
            foreach (var step in _steps) step.SaveState(into);
        }
        return bytes.ToArray();
    }

    /// <summary>The chain <see cref="Save"/> saved, for the same model and priors.</summary>
    /// <exception cref="InvalidDataException">The bytes are not a saved chain of this model.</exception>
    public static GibbsChain Restore(SufficientStatistics s, ResolvedPriors priors, byte[] saved)
    {
        ArgumentNullException.ThrowIfNull(saved);
        var random = new ChainRandom(0);
        // The start values only size the state: every value is read back below.
        var chain = new GibbsChain(s, priors, random, 1, priors.Layout.NewMatrices());
        try
        {
            using var reader = new BinaryReader(new MemoryStream(saved));
            var from = new CheckpointReader(reader);
            random.RestoreState(from);
            chain._state.Restore(from);
            foreach (var step in chain._steps) step.RestoreState(from);
            if (reader.BaseStream.Position != saved.Length)
                throw new InvalidDataException($"The checkpoint holds {saved.Length - reader.BaseStream.Position} bytes more than this model's chain: it is another model's.");
        }
        catch (EndOfStreamException e)
        {
            throw new InvalidDataException("The checkpoint ends before the chain's state does: it is another model's, or damaged.", e);
        }
        return chain;
    }

    /// <summary>One sweep: every step once, in order.</summary>
    // Hot: compiled optimised on first call, not after a slow first tier (a run lasts seconds).
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public void Step()
    {
        foreach (var step in _steps) step.Update(_state, _rng, Adapting);
    }

    /// <summary>The current state as named parameters, in the order of <see cref="Names"/>: fixed effects, σ², per level
    /// its covariance entries and its prior's own parameters, the hyperprior's δ and ω², and the random effects of the
    /// first <paramref name="groupEffects"/> groups per level.</summary>
    public void Current(Span<double> into, int groupEffects)
    {
        int i = 0;
        int p = _s.P;
        _state.Beta.CopyTo(into);
        _s.Coordinates.ToUser(into[..p]);
        i += p;
        if (_priors.Residual is not null) into[i++] = _state.Sigma2;
        var layout = _priors.Layout;
        for (int k = 0; k < _s.Levels.Count; k++)
        {
            foreach (var e in layout.ParametersOf(k)) into[i++] = layout.Get(_state.Sigma, e);
            foreach (double v in _state.Hyperparameters[k]) into[i++] = v;
        }
        if (_priors.Hierarchy is { } h)
        {
            foreach (double v in _state.Delta) into[i++] = v;
            if (h.OmegaVariance is null) into[i++] = _state.Omega2;
        }
        for (int k = 0; k < _s.Levels.Count; k++)
        {
            int values = Math.Min(groupEffects, _s.Levels[k].Grouping.Count) * _s.Levels[k].Size;
            _state.U[k].AsSpan(0, values).CopyTo(into[i..]);
            i += values;
        }
    }

    /// <summary>Names of <see cref="Current"/>'s values, in order (as ARCHITECTURE.md names them).</summary>
    public static List<string> Names(ResolvedPriors priors, int groupEffects)
    {
        var s = priors.Statistics;
        var names = new List<string>(s.FixedNames);
        if (priors.Residual is not null) names.Add(ParameterNames.ResidualVariance);
        for (int k = 0; k < s.Levels.Count; k++)
        {
            foreach (var e in priors.Layout.ParametersOf(k)) names.Add(e.Name);
            names.AddRange(priors.Levels[k].Hyperparameters(s.Levels[k].Grouping.Name));
        }
        if (priors.Hierarchy is { } h)
        {
            names.AddRange(h.PredictorNames.Select(n => $"delta[{n}]"));
            if (h.OmegaVariance is null) names.Add("omega2");
        }
        foreach (var level in s.Levels)
            for (int j = 0; j < Math.Min(groupEffects, level.Grouping.Count); j++)
                foreach (var term in level.TermNames) names.Add(ParameterNames.GroupEffect(level.Grouping.Name, level.Grouping.GroupNames[j], term));
        return names;
    }
}
