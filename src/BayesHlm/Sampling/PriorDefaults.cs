using BayesHlm.Model;
using BayesHlm.Statistics;

namespace BayesHlm.Sampling;

/// <summary>
/// The default priors: proper, weakly informative, and scaled to the data (as rstanarm and brms scale theirs),
/// so that they mean the same whatever units the outcome and predictors are in. With s_y the outcome's sd and
/// s_x a column's sd (README "Default priors"):
/// <list type="bullet">
/// <item>a slope: normal(0, (10·s_y/s_x)²) — ten times the change a one-sd move in x could plausibly make;</item>
/// <item>the intercept: normal(ȳ, (10·s_y)² + Σ x̄²(10·s_y/s_x)²) — the intercept at the predictors' means gets
/// (10·s_y)², widened by what the slopes' priors imply at x = 0;</item>
/// <item>the residual sd: half-t(3, 0, s_y);</item>
/// <item>a random effect's sd: half-t(3, 0, s_y/s_z); a correlated block: those sds with LKJ(1) (uniform) correlations.</item>
/// </list>
/// Moments come from the sufficient statistics (weighted by 1/v_i when the level-1 variances are known). For a logistic
/// or Poisson model s_y is 1 (one unit of log-odds or log-rate) and the intercept's prior is centred at 0.
/// </summary>
internal sealed class PriorDefaults
{
    private const double Width = 10, HalfTDf = 3;
    private readonly SufficientStatistics _s;
    private readonly double[] _mean, _sd; // per column of [X | Z | y], in the outcome's own coordinates
    private readonly double _sdY;

    public PriorDefaults(SufficientStatistics s)
    {
        _s = s;
        var total = s.Total();
        int m = s.M, w = s.InterceptIndex;
        double n = w >= 0 ? total[w * m + w] : s.N;
        _mean = new double[m];
        _sd = new double[m];
        // The moments of the columns as the user wrote them: the C_j hold y and the fixed columns centred
        // (DesignCoordinates), mapped back here.
        var coordinates = s.Coordinates;
        for (int a = 0; a < m; a++)
        {
            double mean = w >= 0 ? coordinates.UserCrossProduct(total, m, w, a) / n : 0;
            double second = coordinates.UserCrossProduct(total, m, a, a) / n;
            _mean[a] = mean;
            _sd[a] = Math.Sqrt(Math.Max(second - mean * mean, 0));
        }
        _mean[m - 1] += s.OutcomeShift;
        _sdY = _sd[m - 1] > 0 ? _sd[m - 1] : 1;
        // A logistic or Poisson model's coefficients are on the link scale, whose unit (a log-odds or log-rate of 1) is
        // the outcome's scale there; the intercept's centre is 0 (even odds, a rate of 1).
        if (s.Spec.Family != Family.Gaussian)
        {
            _sdY = 1;
            _mean[m - 1] = 0;
        }
    }

    /// <summary>The spread of a column: its sd, or for a column constant over the rows (an intercept, or a constant
    /// in a model without intercept) its size, so the prior's scale is always positive.</summary>
    private double Scale(int column)
    {
        double sd = _sd[column];
        if (sd > 1e-12 * (Math.Abs(_mean[column]) + 1)) return sd;
        return Math.Abs(_mean[column]) > 0 ? Math.Abs(_mean[column]) : 1;
    }

    public NormalPrior Fixed(int i)
    {
        if (i != _s.InterceptIndex) return new NormalPrior(0, Round(Square(Width * _sdY / Scale(i))));
        double variance = Square(Width * _sdY);
        for (int j = 0; j < _s.P; j++)
            if (j != i) variance += Square(_mean[j] * Width * _sdY / Scale(j));
        return new NormalPrior(Round(_mean[_s.M - 1]), Round(variance));
    }

    public VariancePrior Residual() => new VariancePrior.HalfTSd(HalfTDf, Round(_sdY));

    public VariancePrior Level(int k)
    {
        var level = _s.Levels[k];
        int q = level.Size, z0 = _s.ZOffset[k];
        var scales = Enumerable.Range(0, q).Select(a => Round(_sdY / Scale(z0 + a))).ToArray();
        return q == 1 ? new VariancePrior.HalfTSd(HalfTDf, scales[0]) : new VariancePrior.LkjHalfT(1, HalfTDf, scales);
    }

    private static double Square(double x) => x * x;

    /// <summary>Four significant digits: the written-out prior reads cleanly and is reproduced exactly from run.json.</summary>
    private static double Round(double x) => double.Parse(x.ToString("G4", System.Globalization.CultureInfo.InvariantCulture), System.Globalization.CultureInfo.InvariantCulture);
}
