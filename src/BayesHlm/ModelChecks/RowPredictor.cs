using BayesHlm.Model;
using BayesHlm.Statistics;

namespace BayesHlm.ModelChecks;

/// <summary>
/// The linear predictor of every row for one saved draw at a time — η_i = x_iβ + Σ_k z_ik u_k (+ offset), on the
/// outcome's own scale — and what the rows' level-1 distribution needs besides: y, weights, trials. What the
/// pointwise log-likelihoods and the predictive checks share. Thread-safe: each thread works in its own
/// <see cref="Workspace"/>.
/// </summary>
internal sealed class RowPredictor
{
    private readonly SufficientStatistics _s;
    private readonly GlmmRows _rows;
    private readonly DrawReader _reader;
    private readonly ulong _seed;
    private readonly double _shift;

    /// <param name="s">The statistics as the sampler works (random columns as written).</param>
    /// <param name="design">The model's rows.</param>
    /// <param name="reader">The run's draws.</param>
    /// <param name="seed">Seed of the group effects drawn afresh when the run did not save them.</param>
    public RowPredictor(SufficientStatistics s, Design design, DrawReader reader, ulong seed)
    {
        _s = s;
        _rows = new GlmmRows(design, s.Levels);
        _reader = reader;
        _seed = seed;
        Weights = design.Weights;
        // The design's y is as read; β̃ has the intercept moved by ȳ: add it back to η.
        _shift = s.Coordinates.InterceptIndex >= 0 ? s.Coordinates.OutcomeShift : 0;
    }

    public SufficientStatistics Statistics => _s;
    public GlmmRows Rows => _rows;
    public int N => _rows.N;
    public int Draws => _reader.Count;
    public int[] ChainOfDraw => _reader.ChainOfDraw;
    public Family Family => _rows.Family;
    public double[] Y => _rows.Y;
    public double[] Trials => _rows.Trials;
    /// <summary>The run did not save its group effects: they are drawn afresh per draw from their exact conditional.</summary>
    public bool DrawsGroupEffects => !_reader.SavedGroupEffects;

    /// <summary>Precision weights (1/v_i of known variances), or null.</summary>
    public double[]? Weights { get; }

    /// <summary>Refuses, naming <paramref name="what"/>, a model whose group effects are neither saved nor drawable.</summary>
    public void RequireGroupEffects(string what)
    {
        if (!_reader.SavedGroupEffects && !_reader.CanRedrawGroupEffects)
            throw new ModelSpecificationException(_reader.NeedsGroupEffects($"{what} of a " +
                (_s.Crossed ? "model with crossed factors" : $"{Families.Name(_s.Spec.Family)} model")));
    }

    public Workspace NewWorkspace() => new(this);

    /// <summary>Draw <paramref name="d"/>: its parameters and group effects into <paramref name="w"/>, η into w.Eta;
    /// returns σ² (1 when it is known or the family has none).</summary>
    public double Predict(int d, Workspace w)
    {
        double sigma2 = Parameters(d, w);
        _rows.FixedPart(w.Beta, w.Eta);
        _rows.AddRandomPart(w.U, w.Eta);
        if (_shift != 0) for (int i = 0; i < w.Eta.Length; i++) w.Eta[i] += _shift;
        return sigma2;
    }

    /// <summary>Draw <paramref name="d"/>'s β (statistics' coordinates), Σ_k and group effects into <paramref name="w"/>,
    /// without η; returns σ².</summary>
    public double Parameters(int d, Workspace w)
    {
        double sigma2 = _reader.Read(d, w.Beta, w.Sigma);
        w.Effects.Fill(d, w.Beta, sigma2, w.Sigma, w.U);
        return sigma2;
    }

    /// <summary>What η adds to x_iβ̃ + Σ z u: the outcome's shift of a linear model's intercept (0 otherwise).</summary>
    public double Shift => _shift;

    /// <summary>One thread's buffers.</summary>
    internal sealed class Workspace(RowPredictor owner)
    {
        public readonly double[] Beta = new double[owner._s.P];
        public readonly double[][] Sigma = owner._s.Levels.Select(l => new double[l.Size * l.Size]).ToArray();
        public readonly double[][] U = owner._s.Levels.Select(l => new double[l.Grouping.Count * l.Size]).ToArray();
        public readonly double[] Eta = new double[owner._rows.N];
        public readonly GroupEffectSource Effects = new(owner._s, owner._reader, owner._seed);
    }
}
