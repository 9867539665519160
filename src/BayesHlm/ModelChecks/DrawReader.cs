using BayesHlm.Diagnostics;
using BayesHlm.Sampling;
using BayesHlm.Statistics;
using BayesHlm.Statistics.Linalg;

namespace BayesHlm.ModelChecks;

/// <summary>
/// The saved draws of a run read back one draw at a time, as the kernel works with them: β in the statistics'
/// coordinates, σ² (1 when the level-1 variances are known), each level's Σ_k and, when asked, every group's u. A run
/// that saved every group's u gives them as sampled; otherwise a Gaussian model with nested factors draws them afresh
/// from their exact conditional given the draw's β and θ (MATH.md §3) — the pair is still a draw from the posterior,
/// since (β, θ) is. Other models need the run's u (<c>--save-group-effects</c>).
/// </summary>
internal sealed class DrawReader
{
    private readonly SufficientStatistics _s;
    private readonly CovarianceLayout _layout;
    private readonly int[] _beta;
    private readonly int _sigma2;
    private readonly (CovarianceEntry Entry, int Column)[] _sigma;
    private readonly int[][]? _u; // per level, groups × q columns of the draws
    private readonly DrawSet _draws;
    private readonly Dictionary<string, int> _columns;

    /// <param name="s">The model's statistics with the random columns as written (the sampler's).</param>
    /// <param name="priors">The run's resolved priors.</param>
    /// <param name="draws">The run's draws.</param>
    public DrawReader(SufficientStatistics s, ResolvedPriors priors, DrawSet draws)
    {
        _s = s;
        _draws = draws;
        _columns = new Dictionary<string, int>(draws.Names.Count);
        for (int i = 0; i < draws.Names.Count; i++) _columns.TryAdd(draws.Names[i], i);
        _layout = priors.Layout;
        _beta = s.FixedNames.Select(Column).ToArray();
        _sigma2 = priors.Residual is null ? -1 : Column(ParameterNames.ResidualVariance);
        _sigma = _layout.Parameters.Select(e => (e, Column(e.Name))).ToArray();
        var u = s.Levels.Select(l => Enumerable.Range(0, l.Grouping.Count)
            .SelectMany(j => l.TermNames.Select(t => _columns.GetValueOrDefault(ParameterNames.GroupEffect(l.Grouping.Name, l.Grouping.GroupNames[j], t), -1))).ToArray()).ToArray();
        if (u.All(level => level.All(i => i >= 0))) _u = u;
        CanRedrawGroupEffects = s.Spec.Family == Model.Family.Gaussian && !s.Crossed;
    }

    private int Column(string name)
    {
        if (!_columns.TryGetValue(name, out int i)) throw new ModelSpecificationException($"The run's draws.csv has no column '{name}': it is not this model's run, or it was edited.");
        return i;
    }

    /// <summary>Number of draws, chains one after another.</summary>
    public int Count => _draws.Chains * _draws.Iterations;

    /// <summary>The chain (0-based) of each draw.</summary>
    public int[] ChainOfDraw => Enumerable.Range(0, Count).Select(d => d / _draws.Iterations).ToArray();

    /// <summary>The run saved every group's random effects.</summary>
    public bool SavedGroupEffects => _u is not null;

    /// <summary>Without saved group effects, they can be drawn from their exact conditional (Gaussian, nested).</summary>
    public bool CanRedrawGroupEffects { get; }

    /// <summary>Draw <paramref name="d"/>'s β (statistics' coordinates), σ² and Σ_k (as written), into the given arrays.</summary>
    public double Read(int d, double[] beta, double[][] sigma)
    {
        ReadUser(d, beta);
        var c = _s.Coordinates;
        if (c.InterceptIndex >= 0) beta[c.InterceptIndex] -= c.OutcomeShift;
        c.Fixed.MultiplyL(beta);
        foreach (var (e, column) in _sigma) _layout.Set(sigma, e, _draws.Draws(column)[d]);
        return _sigma2 < 0 ? 1 : _draws.Draws(_sigma2)[d];
    }

    /// <summary>Draw <paramref name="d"/>'s β as saved: the user's coordinates.</summary>
    public void ReadUser(int d, double[] beta)
    {
        for (int a = 0; a < beta.Length; a++) beta[a] = _draws.Draws(_beta[a])[d];
    }

    /// <summary>Draw <paramref name="d"/>'s saved group effects (as written), per level groups × q.</summary>
    public void ReadGroupEffects(int d, double[][] u)
    {
        if (_u is null) throw new InvalidOperationException("The run did not save its group effects.");
        for (int k = 0; k < u.Length; k++)
            for (int i = 0; i < _u[k].Length; i++) u[k][i] = _draws.Draws(_u[k][i])[d];
    }

    /// <summary>What to say when a model needs saved group effects and the run has none.</summary>
    public string NeedsGroupEffects(string what) =>
        $"{what} needs every group's random effects per draw, and this run did not save them. Run the model again with --save-group-effects.";
}

/// <summary>
/// Group effects for one draw at a time: read from the run when it saved them, else drawn from their exact Gaussian
/// conditional given β and θ (<see cref="NestedFactorization.DrawGivenFixed"/>). One per thread: it owns a kernel
/// workspace; the random stream of draw d is seeded by d alone, so the values do not depend on the threads.
/// </summary>
internal sealed class GroupEffectSource
{
    private readonly DrawReader _reader;
    private readonly NestedFactorization? _kernel;
    private readonly double[][] _lambdas;
    private readonly ulong _seed;

    public GroupEffectSource(SufficientStatistics s, DrawReader reader, ulong seed)
    {
        _reader = reader;
        _seed = seed;
        if (!reader.SavedGroupEffects) _kernel = new NestedFactorization(s);
        _lambdas = s.Levels.Select(l => new double[l.Size * l.Size]).ToArray();
    }

    /// <summary>Fills <paramref name="u"/> for draw <paramref name="d"/>, whose β, σ² and Σ_k were read already.</summary>
    public void Fill(int d, double[] beta, double sigma2, double[][] sigma, double[][] u)
    {
        if (_kernel is null)
        {
            _reader.ReadGroupEffects(d, u);
            return;
        }
        double s = Math.Sqrt(sigma2);
        for (int k = 0; k < sigma.Length; k++)
        {
            var l = _lambdas[k];
            for (int i = 0; i < l.Length; i++) l[i] = sigma[k][i] / sigma2;
            if (!Dense.SemiDefiniteCholeskyInPlace(l, (int)Math.Sqrt(l.Length)))
                throw new InvalidOperationException($"Draw {d + 1}'s covariance matrix is not positive semi-definite.");
        }
        _kernel.Update(_lambdas, null, sigma2);
        _kernel.DrawGivenFixed(s, new ChainRandom(_seed ^ ((ulong)(d + 1) * 0x9E3779B97F4A7C15UL)), beta, u);
    }
}
