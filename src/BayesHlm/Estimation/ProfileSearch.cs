using MathNet.Numerics.RootFinding;

namespace BayesHlm.Estimation;

/// <summary>
/// The limits of one parameter's profile-likelihood interval: where ζ = sign(ψ − ψ̂)·√(D(ψ) − D̂) reaches ±z, D(ψ) being
/// the criterion minimised over everything else. Each side steps out from the estimate, each step aimed by the slope of ζ
/// between the last two points, until ζ passes z; Brent's method then finds the crossing. A side whose parameter reaches
/// its bound first (an sd at 0, a correlation at ±1) with |ζ| still below z ends at the bound, as lme4 reports it.
/// </summary>
internal sealed class ProfileSearch
{
    private const int MaxSteps = 60;
    private const double OutsideZeta = 1e6;
    private readonly ProfiledParameter _parameter;
    private readonly ProfiledDeviance _workspace;
    private readonly double _base, _z, _estimate;
    // Every optimum found, so each new value starts from the nearest one.
    private readonly List<(double Value, double[] Nuisance)> _visited = new();

    public ProfileSearch(ProfiledParameter parameter, ProfiledDeviance workspace, double baseDeviance, double z)
    {
        _parameter = parameter;
        _workspace = workspace;
        _base = baseDeviance;
        _z = z;
        _estimate = parameter.Estimate;
        _visited.Add((_estimate, parameter.Start()));
    }

    /// <summary>The lowest deviance below the origin's that a profile point reached (0 when none did): the fit was not at
    /// the optimum if this is more than rounding.</summary>
    public double Improvement { get; private set; }

    // |ζ| by value: Brent's method starts by evaluating the bracket's ends, already evaluated by the stepping.
    private readonly Dictionary<double, double> _zeta = new();

    /// <summary>|ζ| at a value of the parameter.</summary>
    public double AbsZeta(double value)
    {
        if (_zeta.TryGetValue(value, out double known)) return known;
        double d;
        if (value == _parameter.Lowest && _parameter.ProfileAtLowest(_workspace) is double atLowest) d = atLowest;
        else
        {
            var (x, min) = ProfiledParameter.Minimize(_workspace, (w, n) => _parameter.Deviance(w, value, n), Start(value));
            if (double.IsFinite(min)) _visited.Add((value, x));
            d = min;
        }
        Improvement = Math.Max(Improvement, _base - d);
        // Where the criterion is not defined (NaN, +∞) the point is far outside the interval; a large finite ζ keeps
        // Brent's interpolation working there.
        double zeta = double.IsNaN(d) ? double.PositiveInfinity : Math.Sqrt(Math.Max(d - _base, 0));
        return _zeta[value] = Math.Min(zeta, OutsideZeta);
    }

    /// <summary>A start for the nuisance optimum at <paramref name="value"/>: extrapolated along the line through the optima
    /// at the two nearest values, where that gives a point the criterion is defined at (the optimum moves smoothly with
    /// the value, so Newton then needs a step or two fewer); else from the nearest.</summary>
    private double[] Start(double value)
    {
        var nearest = _visited.OrderBy(v => Math.Abs(v.Value - value)).Take(2).ToList();
        var (from, start) = nearest[0];
        if (nearest.Count == 2 && nearest[1].Value != from)
        {
            double t = (value - from) / (from - nearest[1].Value);
            var line = start.Select((x, i) => x + t * (x - nearest[1].Nuisance[i])).ToArray();
            if (double.IsFinite(_parameter.Deviance(_workspace, value, line))) return line;
        }
        return _parameter.Continue(start, from, value);
    }

    /// <summary>The limit on one side: <paramref name="direction"/> −1 for the lower, +1 for the upper; NaN when ζ did not
    /// reach z in <see cref="MaxSteps"/> steps.</summary>
    public double Limit(int direction)
    {
        double bound = direction < 0 ? _parameter.Lowest : _parameter.Highest;
        if (_estimate == bound) return bound;
        double previous = _estimate, previousZeta = 0;
        double step = _parameter.Step;
        for (int i = 0; i < MaxSteps; i++)
        {
            double value = previous + direction * step;
            // A bound the parameter reaches (an sd's 0, a correlation's ±1) is itself a value to try; one it only approaches
            // (σ's 0) is approached by halves.
            if (direction * (value - bound) >= 0) value = _parameter.ReachesBounds ? bound : (previous + bound) / 2;
            double zeta = AbsZeta(value);
            if (zeta >= _z) return Crossing(previous, value);
            if (value == bound) return bound;
            // ζ is close to linear in the parameter near the estimate: aim a little past z along the last slope; where ζ
            // bends away (or does not rise), at most four times the distance from the estimate.
            double slope = (zeta - previousZeta) / Math.Abs(value - previous);
            double distance = Math.Abs(value - _estimate);
            step = slope > 0 ? Math.Min(1.1 * (_z - zeta) / slope + 1e-3 * distance, 4 * distance) : 2 * Math.Abs(value - previous);
            (previous, previousZeta) = (value, zeta);
        }
        return double.NaN;
    }

    /// <summary>The value between <paramref name="inside"/> (|ζ| below z) and <paramref name="outside"/> where |ζ| = z.</summary>
    private double Crossing(double inside, double outside)
    {
        double lo = Math.Min(inside, outside), hi = Math.Max(inside, outside);
        // A millionth of a standard error: far below the limits' own sampling error, and a step or two of Brent's fewer.
        double accuracy = 1e-6 * _parameter.Step;
        return Brent.TryFindRoot(v => AbsZeta(v) - _z, lo, hi, accuracy, 100, out double root) ? root : double.NaN;
    }
}
