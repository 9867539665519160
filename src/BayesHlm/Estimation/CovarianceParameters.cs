using BayesHlm.Statistics;
using BayesHlm.Statistics.Linalg;

namespace BayesHlm.Estimation;

/// <summary>
/// Uncertainty of the covariance parameters and what depends on it. The likelihood is differentiated in
/// lmerTest's parameters v = (θ, σ), valid everywhere (any θ is a valid factor) — σ measured in units of its estimate,
/// so that every coordinate is of order one and the numerical derivatives' steps, and so the SEs, Z values and df, do
/// not change with the units of y — giving the asymptotic
/// covariance A = 2 H⁻¹ (H the Hessian of −2 log L); the covariance parameters users read — the entries of
/// each Σ_k, then σ² — get theirs by the delta method (SAS COVTEST), and each fixed effect its
/// Satterthwaite df, 2 V_k² / (∇V_kᵀ A ∇V_k) with V_k = Var(β̂_k).
/// </summary>
internal sealed class CovarianceParameters
{
    private readonly ProfiledDeviance _criterion;
    private readonly double[] _v;
    private readonly bool _known; // σ² = 1 known: v = θ alone
    private readonly double _sigmaUnit; // σ̂: v's last coordinate is σ/σ̂

    public CovarianceParameters(SufficientStatistics s, bool reml, double[] theta, double sigma2)
    {
        _criterion = new ProfiledDeviance(s, reml);
        _known = s.KnownResidualVariance;
        _sigmaUnit = Math.Sqrt(sigma2);
        _v = _known ? (double[])theta.Clone() : theta.Append(1.0).ToArray();
        _layout = new CovarianceLayout(s.Levels);
    }

    private readonly CovarianceLayout _layout;

    /// <summary>The entries of the Σ_k in output order: per level the variances, then the covariances.</summary>
    public IReadOnlyList<CovarianceEntry> Parameters => _layout.Parameters;

    private ReadOnlySpan<double> Theta(double[] v) => _known ? v : v.AsSpan(0, v.Length - 1);
    private double Sigma2(double[] v) => _known ? 1 : v[^1] * _sigmaUnit * (v[^1] * _sigmaUnit);

    private double[] FixedVariances(double[] v) => FixedVariances(_criterion, v);

    private double[] FixedVariances(ProfiledDeviance criterion, double[] v)
    {
        criterion.Evaluate(Theta(v));
        int p = criterion.Statistics.P;
        var c = criterion.Factorization.FixedCovarianceUnscaled();
        criterion.Statistics.Coordinates.ToUserCovariance(c);
        var result = new double[p];
        for (int i = 0; i < p; i++) result[i] = Sigma2(v) * c[i * p + i];
        return result;
    }

    /// <summary>(Σ_k entries in <see cref="Parameters"/> order, σ²) as a function of v.</summary>
    private double[] UserParameters(double[] v)
    {
        double sigma2 = Sigma2(v);
        var sigma = _criterion.Map.ToCovariances(Theta(v), sigma2);
        for (int k = 0; k < sigma.Length; k++) _criterion.Statistics.Coordinates.RandomCovarianceToUser(k, sigma[k]);
        var result = new double[Parameters.Count + 1];
        for (int i = 0; i < Parameters.Count; i++) result[i] = _layout.Get(sigma, Parameters[i]);
        result[^1] = sigma2;
        return result;
    }

    /// <summary>A = 2 H⁻¹ in v; null when H is not positive definite (a degenerate fit).</summary>
    public double[]? AsymptoticCovarianceOfV()
    {
        int d = _v.Length;
        var h = NumericalDerivatives.Hessian(points => _criterion.ForEach(points, (c, v) =>
        {
            c.Evaluate(Theta(v));
            return c.Factorization.Deviance(c.Reml, Sigma2(v));
        }), _v, fewerPoints: _criterion.Statistics.Crossed);
        var inv = Dense.TryInverse(h, d);
        if (inv is null) return null;
        for (int i = 0; i < inv.Length; i++) inv[i] *= 2;
        return inv;
    }

    /// <summary>Standard errors of the user parameters (Σ entries, then σ²) by the delta method.</summary>
    public double[] StandardErrors(double[] a)
    {
        var j = NumericalDerivatives.Jacobian(UserParameters, _v);
        int d = _v.Length, n = Parameters.Count + 1;
        var se = new double[n];
        for (int k = 0; k < n; k++)
        {
            double s = 0;
            for (int i = 0; i < d; i++)
                for (int l = 0; l < d; l++) s += j[i][k] * a[i * d + l] * j[l][k];
            se[k] = Math.Sqrt(Math.Max(s, 0));
        }
        return se;
    }

    /// <summary>Satterthwaite df of each fixed effect.</summary>
    public double[] SatterthwaiteDf(double[] a)
    {
        var v0 = FixedVariances(_v);
        var g = NumericalDerivatives.Jacobian(points => _criterion.ForEach(points, FixedVariances), _v);
        int d = _v.Length, p = v0.Length;
        var df = new double[p];
        for (int k = 0; k < p; k++)
        {
            double q = 0;
            for (int i = 0; i < d; i++)
                for (int j = 0; j < d; j++) q += g[i][k] * a[i * d + j] * g[j][k];
            df[k] = 2 * v0[k] * v0[k] / q;
        }
        return df;
    }
}
