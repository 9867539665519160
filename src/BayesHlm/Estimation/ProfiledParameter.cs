using BayesHlm.Statistics;

namespace BayesHlm.Estimation;

/// <summary>The optimum a profile starts from: the criterion's minimiser θ̂ with what the parameters' estimates are
/// read from.</summary>
internal sealed class ProfileOrigin
{
    public ProfileOrigin(ProfiledDeviance criterion, double[] theta)
    {
        Statistics = criterion.Statistics;
        Reml = criterion.Reml;
        Theta = theta;
        Deviance = criterion.Evaluate(theta);
        Sigma2 = criterion.Sigma2;
        var f = criterion.Factorization;
        Beta = f.FixedEffects();
        Statistics.Coordinates.ToUser(Beta);
        FixedCovariance = f.FixedCovarianceUnscaled();
        Statistics.Coordinates.ToUserCovariance(FixedCovariance);
        RelativeCovariances = criterion.Map.ToCovariances(theta, 1);
        for (int k = 0; k < RelativeCovariances.Length; k++) Statistics.Coordinates.RandomCovarianceToUser(k, RelativeCovariances[k]);
    }

    /// <summary>The root mean square of a random term's column (1 for an intercept): σ̂ divided by it is an sd of the
    /// term's units, a scale for a first step where the term's own sd is 0.</summary>
    public double Spread(int level, int term)
    {
        var total = Statistics.Total();
        int m = Statistics.M, z = Statistics.ZOffset[level] + term;
        double rms = Math.Sqrt(total[z * m + z] / Statistics.N);
        return rms > 0 && double.IsFinite(rms) ? rms : 1;
    }

    public SufficientStatistics Statistics { get; }
    public bool Reml { get; }
    public double[] Theta { get; }
    /// <summary>The criterion's minimum: ζ² is the rise above it.</summary>
    public double Deviance { get; }
    /// <summary>σ̂², 1 when the level-1 variances are known.</summary>
    public double Sigma2 { get; }
    /// <summary>β̂ in the user's coordinates.</summary>
    public double[] Beta { get; }
    /// <summary>Cov(β̂)/σ² in the user's coordinates (p×p).</summary>
    public double[] FixedCovariance { get; }
    /// <summary>Σ_k/σ² per level in the user's coordinates.</summary>
    public double[][] RelativeCovariances { get; }
}

/// <summary>
/// One parameter to profile: the criterion as a function of the parameter's value and of nuisance coordinates that
/// range freely over everything else (the other covariance parameters, and σ where it is not profiled out), so that
/// an unconstrained minimiser gives the profile at each value.
/// </summary>
internal abstract class ProfiledParameter
{
    protected ProfiledParameter(ProfileOrigin origin) => Origin = origin;

    protected ProfileOrigin Origin { get; }

    /// <summary>The value at the origin.</summary>
    public abstract double Estimate { get; }

    /// <summary>The smallest value the parameter can take.</summary>
    public virtual double Lowest => double.NegativeInfinity;

    /// <summary>The largest value the parameter can take.</summary>
    public virtual double Highest => double.PositiveInfinity;

    /// <summary>True when the parameter can take the values <see cref="Lowest"/> and <see cref="Highest"/> themselves,
    /// false when it only approaches them.</summary>
    public virtual bool ReachesBounds => true;

    /// <summary>A first step from the estimate, about a standard error: the search scales its steps from the profile's
    /// slope after it.</summary>
    public abstract double Step { get; }

    /// <summary>The nuisance coordinates at the origin.</summary>
    public abstract double[] Start();

    /// <summary>The criterion at the parameter's <paramref name="value"/> and the nuisance coordinates, on
    /// <paramref name="workspace"/> (+∞ where it is not defined).</summary>
    public abstract double Deviance(ProfiledDeviance workspace, double value, double[] nuisance);

    /// <summary>A start for <paramref name="to"/> from the optimum found at <paramref name="from"/>.</summary>
    public virtual double[] Continue(double[] nuisance, double from, double to) => nuisance;

    /// <summary>The profile at <see cref="Lowest"/> where the nuisance coordinates do not reach it (an sd of 0: the term
    /// has no variance and no covariance); null where <see cref="Deviance"/> is defined there.</summary>
    public virtual double? ProfileAtLowest(ProfiledDeviance workspace) => null;

    /// <summary>Minimises <paramref name="f"/> over its nuisance coordinates from <paramref name="start"/>: (minimiser, minimum).</summary>
    protected internal static (double[] X, double Value) Minimize(ProfiledDeviance workspace, Func<ProfiledDeviance, double[], double> f, double[] start)
    {
        // The plain Newton steps end about 1e-6 from the optimum, a change of the criterion near 1e-12: far below what ζ needs.
        // A crossed kernel's evaluations are dear: its cross derivatives reuse the diagonal's points, as the fit's do.
        var result = NewtonMinimizer.Minimize(x => f(workspace, x), start, polish: false,
            batch: points => workspace.ForEach(points, f), fewerPoints: workspace.Statistics.Crossed);
        return (result.X, f(workspace, result.X));
    }
}

/// <summary>σ, the residual sd: every θ free, the criterion at σ² = value².</summary>
internal sealed class ResidualSdProfile(ProfileOrigin origin) : ProfiledParameter(origin)
{
    public override double Estimate => Math.Sqrt(Origin.Sigma2);
    public override double Lowest => 0;
    public override bool ReachesBounds => false; // σ = 0 would be an exact fit
    public override double Step => Estimate / Math.Sqrt(2.0 * Origin.Statistics.N);
    public override double[] Start() => (double[])Origin.Theta.Clone();

    public override double Deviance(ProfiledDeviance workspace, double value, double[] nuisance) =>
        double.IsFinite(workspace.Evaluate(nuisance)) ? workspace.Factorization.Deviance(workspace.Reml, value * value) : double.PositiveInfinity;
}

/// <summary>
/// A fixed effect β_j held at a value, as lme4 profiles it: the model with x_j·β_j as an offset and the other columns.
/// Given θ, that model's β̂ and pwrss follow from the full one's: its pwrss is larger by (β_j − β̂_j)²/V_jj (V = Cov(β̂)/σ²),
/// and its log|L_X|² (REML) is log|L_X|² + log V_jj, the fixed block without row and column j — so no refit of the
/// statistics, only θ free.
/// </summary>
internal sealed class FixedEffectProfile(ProfileOrigin origin, int column) : ProfiledParameter(origin)
{
    private readonly int _p = origin.Statistics.P;

    public override double Estimate => Origin.Beta[column];
    public override double Step => Math.Sqrt(Origin.Sigma2 * Origin.FixedCovariance[column * _p + column]);
    public override double[] Start() => (double[])Origin.Theta.Clone();

    public override double Deviance(ProfiledDeviance workspace, double value, double[] nuisance)
    {
        if (!double.IsFinite(workspace.Evaluate(nuisance))) return double.PositiveInfinity;
        var f = workspace.Factorization;
        var s = workspace.Statistics;
        var beta = f.FixedEffects();
        s.Coordinates.ToUser(beta);
        var v = f.FixedCovarianceUnscaled();
        s.Coordinates.ToUserCovariance(v);
        double vjj = v[column * _p + column], gap = value - beta[column];
        double pwrss = f.Pwrss + gap * gap / vjj, logDetX = f.LogDetX + Math.Log(vjj);
        return s.KnownResidualVariance ? f.Deviance(workspace.Reml, 1, pwrss, _p - 1, logDetX) : f.ProfiledDeviance(workspace.Reml, pwrss, _p - 1, logDetX);
    }
}

/// <summary>A covariance parameter of one level: its nuisance coordinates are the other levels' θ entries, then this
/// level's through a <see cref="PermutedFactor"/> with the parameter's terms first.</summary>
internal abstract class LevelParameter : ProfiledParameter
{
    private readonly int[] _others; // θ entries of the other levels

    protected LevelParameter(ProfileOrigin origin, int level, params int[] terms) : base(origin)
    {
        Level = level;
        Map = new ThetaMap(origin.Statistics.Levels);
        _others = Enumerable.Range(0, Map.Count).Where(i => Map.Entry(i).Level != level).ToArray();
        Factor = new PermutedFactor(origin.Statistics, level, terms);
        var start = Factor.FromUser(origin.RelativeCovariances[level]) ?? throw new InvalidOperationException("The estimated covariance matrix is not positive semi-definite.");
        StartFactor = start;
    }

    protected int Level { get; }
    protected ThetaMap Map { get; }
    protected PermutedFactor Factor { get; }
    /// <summary>Λ′ at the origin.</summary>
    protected double[] StartFactor { get; }
    protected int Others => _others.Length;

    /// <summary>The other levels' θ entries at the origin.</summary>
    protected IEnumerable<double> OthersAtOrigin => _others.Select(i => Origin.Theta[i]);

    /// <summary>Λ_k of every level: the others' from the first <see cref="Others"/> nuisance coordinates, this level's from
    /// Λ′; null when rounding makes this level's Σ_k indefinite.</summary>
    protected double[][]? Lambdas(double[] nuisance, double[] permuted)
    {
        var theta = new double[Map.Count];
        for (int i = 0; i < _others.Length; i++) theta[_others[i]] = nuisance[i];
        var lambdas = Map.NewLambdas();
        Map.ToLambdas(theta, lambdas);
        return Factor.ToKernel(permuted, lambdas[Level]) ? lambdas : null;
    }

    /// <summary>Λ′ with the entries of <paramref name="entries"/> read from the nuisance coordinates after the others'.</summary>
    protected double[] Permuted(double[] nuisance, int offset, IReadOnlyList<(int Row, int Col)> entries)
    {
        int q = Factor.Size;
        var l = new double[q * q];
        for (int i = 0; i < entries.Count; i++) l[entries[i].Row * q + entries[i].Col] = nuisance[offset + i];
        return l;
    }
}

/// <summary>
/// The sd of one random term. With the term first, its sd is σ·|Λ′₀₀|: every other entry of Λ′ is free, and Λ′₀₀ too
/// when σ is estimated, σ then being value/|Λ′₀₀| (with known level-1 variances Λ′₀₀ is the value itself). At 0 the term
/// has neither variance nor covariance: there the profile is the fit without it (<see cref="ProfileAtLowest"/>).
/// </summary>
internal sealed class RandomSdProfile : LevelParameter
{
    private readonly IReadOnlyList<(int Row, int Col)> _rest, _withoutTerm;
    private readonly bool _known;

    public RandomSdProfile(ProfileOrigin origin, int level, int term) : base(origin, level, term)
    {
        _known = origin.Statistics.KnownResidualVariance;
        _rest = Factor.Free.Where(e => e != (0, 0)).ToArray();
        _withoutTerm = Factor.Free.Where(e => e.Col > 0).ToArray();
        Estimate = Math.Sqrt(Origin.Sigma2 * StartFactor[0] * StartFactor[0]);
        _natural = Math.Sqrt(origin.Sigma2) / origin.Spread(level, term);
    }

    private readonly double _natural;

    public override double Estimate { get; }
    public override double Lowest => 0;
    // An sd at (or within rounding of) 0, a singular fit, gives no scale of its own: σ̂ in the term's units does.
    public override double Step => Estimate > 1e-3 * _natural ? 0.1 * Estimate : 0.1 * _natural;
    private int A => Others + _rest.Count; // where Λ′₀₀ is, when σ is estimated

    public override double[] Start()
    {
        var start = OthersAtOrigin.Concat(_rest.Select(e => StartFactor[e.Row * Factor.Size + e.Col]));
        return (_known ? start : start.Append(StartFactor[0])).ToArray();
    }

    public override double Deviance(ProfiledDeviance workspace, double value, double[] nuisance)
    {
        var permuted = Permuted(nuisance, Others, _rest);
        double a = _known ? value : nuisance[A];
        permuted[0] = a;
        if (a == 0 || Lambdas(nuisance, permuted) is not { } lambdas || !double.IsFinite(workspace.Evaluate(lambdas))) return double.PositiveInfinity;
        return workspace.Factorization.Deviance(workspace.Reml, _known ? 1 : value * value / (a * a));
    }

    // σ barely moves with one sd: keep it, moving Λ′₀₀ with the value.
    public override double[] Continue(double[] nuisance, double from, double to)
    {
        if (_known) return nuisance;
        var x = (double[])nuisance.Clone();
        x[A] = from > 0 ? x[A] * to / from : to / Math.Sqrt(Origin.Sigma2);
        return x;
    }

    public override double? ProfileAtLowest(ProfiledDeviance workspace)
    {
        var start = OthersAtOrigin.Concat(_withoutTerm.Select(e => StartFactor[e.Row * Factor.Size + e.Col])).ToArray();
        double Without(ProfiledDeviance w, double[] x) =>
            Lambdas(x, Permuted(x, Others, _withoutTerm)) is { } l ? w.Evaluate(l) : double.PositiveInfinity;
        return Minimize(workspace, Without, start).Value;
    }
}

/// <summary>
/// The correlation ρ of two random terms of a level. With them first, Λ′₀₀ = α² and row 1 = β²(ρ, √(1 − ρ²)) give every
/// Σ_k with that correlation (the squares keep the rows' signs, which would otherwise flip ρ), the other rows free and σ
/// profiled out. ±1 are reached (row 1 then on the first column alone).
/// </summary>
internal sealed class CorrelationProfile : LevelParameter
{
    private readonly IReadOnlyList<(int Row, int Col)> _rest;

    public CorrelationProfile(ProfileOrigin origin, int level, int term1, int term2) : base(origin, level, term1, term2)
    {
        _rest = Factor.Free.Where(e => e.Row > 1).ToArray();
        var s = origin.RelativeCovariances[level];
        int q = Factor.Size;
        Estimate = s[term1 * q + term2] / Math.Sqrt(s[term1 * q + term1] * s[term2 * q + term2]);
    }

    public override double Estimate { get; }
    public override double Lowest => -1;
    public override double Highest => 1;
    public override double Step => 0.1 * Math.Max(1 - Math.Abs(Estimate), 0.05);

    public override double[] Start()
    {
        int q = Factor.Size;
        var f = StartFactor;
        double alpha = Math.Sqrt(f[0]), beta = Math.Sqrt(Math.Sqrt(f[q] * f[q] + f[q + 1] * f[q + 1]));
        return OthersAtOrigin.Append(alpha).Append(beta).Concat(_rest.Select(e => f[e.Row * q + e.Col])).ToArray();
    }

    public override double Deviance(ProfiledDeviance workspace, double value, double[] nuisance)
    {
        int q = Factor.Size;
        var permuted = Permuted(nuisance, Others + 2, _rest);
        double alpha = nuisance[Others], beta = nuisance[Others + 1];
        permuted[0] = alpha * alpha;
        permuted[q] = beta * beta * value;
        permuted[q + 1] = beta * beta * Math.Sqrt(Math.Max(0, 1 - value * value));
        return Lambdas(nuisance, permuted) is { } lambdas ? workspace.Evaluate(lambdas) : double.PositiveInfinity;
    }
}
