using BayesHlm.Statistics;
using BayesHlm.Statistics.Linalg;

namespace BayesHlm.Estimation;

/// <summary>
/// EM for the variance components, as the HLM software does it (Dempster, Rubin and Tsutakawa 1981;
/// Raudenbush and Bryk ch. 14): the E-step takes posterior moments of the random effects from the kernel
/// (with β integrated out for REML, held at its GLS value for ML), the M-step sets σ² = E‖e‖²/N and
/// Σ_k = mean of E[u uᵀ] over the groups of level k. Accelerated by SQUAREM (Varadhan and Roland 2008),
/// falling back to the plain step whenever the extrapolation would lower the likelihood.
/// </summary>
internal sealed class EmAlgorithm
{
    private readonly SufficientStatistics _s;
    private readonly ProfiledDeviance _criterion;
    private readonly bool _reml;
    private readonly int[] _q;
    private readonly CovarianceLayout _layout;

    public EmAlgorithm(SufficientStatistics s, bool reml)
    {
        _s = s;
        _reml = reml;
        _criterion = new ProfiledDeviance(s, reml);
        _q = s.Levels.Select(l => l.Size).ToArray();
        _layout = new CovarianceLayout(s.Levels);
    }

    /// <summary>EM's result; <paramref name="Crawled"/> when it stopped near the boundary because the likelihood no longer
    /// moved, not because the estimates did (they may still be 1e-5 from the optimum there).</summary>
    public sealed record Result(double Sigma2, double[][] Sigma, int Iterations, bool Converged, bool Crawled = false);

    public Result Run(double sigma2, double[][] sigma, int maxIterations = 100_000, double tolerance = 1e-12)
    {
        var x = Pack(sigma2, sigma);
        int iter = 0;
        bool converged = false, crawled = false;
        double dev = Deviance(x);
        while (iter < maxIterations)
        {
            var x1 = Step(x); iter++;
            var x2 = Step(x1); iter++;
            var r = new double[x.Length];
            var v = new double[x.Length];
            double rr = 0, vv = 0;
            for (int i = 0; i < x.Length; i++)
            {
                r[i] = x1[i] - x[i];
                v[i] = x2[i] - x1[i] - r[i];
                rr += r[i] * r[i]; vv += v[i] * v[i];
            }
            double[] next = x2;
            double nextDev = Deviance(x2);
            if (vv > 0)
            {
                double alpha = -Math.Sqrt(rr / vv);
                if (alpha < -1)
                {
                    var xs = new double[x.Length];
                    for (int i = 0; i < x.Length; i++) xs[i] = x[i] - 2 * alpha * r[i] + alpha * alpha * v[i];
                    if (IsValid(xs))
                    {
                        var xs1 = Step(xs); iter++;
                        double d1 = Deviance(xs1);
                        if (d1 <= nextDev) { next = xs1; nextDev = d1; }
                    }
                }
            }
            double change = 0;
            for (int i = 0; i < x.Length; i++) change = Math.Max(change, Math.Abs(next[i] - x[i]) / Math.Max(Math.Abs(x[i]), 1e-3 * Math.Abs(x[0])));
            x = next;
            if (change < tolerance) { converged = true; break; }
            // Towards a variance of zero EM slows to a crawl (sublinear) while the likelihood no longer moves:
            // stop there, at the boundary, rather than run to the iteration cap.
            if (NearBoundary(x) && dev - nextDev < 1e-11 * Math.Abs(nextDev)) { converged = crawled = true; break; }
            dev = nextDev;
        }
        var (s2, sig) = Unpack(x);
        return new Result(s2, sig, iter, converged, crawled);
    }

    /// <summary>A variance below 1e-4 σ², or a correlation matrix close to singular (|ρ| → 1): the fit is
    /// heading for the boundary of the parameter space.</summary>
    private bool NearBoundary(double[] x)
    {
        var (s2, sigma) = Unpack(x);
        for (int k = 0; k < sigma.Length; k++)
        {
            int q = _q[k];
            var corr = new double[q * q];
            for (int i = 0; i < q; i++)
            {
                if (sigma[k][i * q + i] < 1e-4 * s2) return true;
                for (int j = 0; j < q; j++) corr[i * q + j] = sigma[k][i * q + j] / Math.Sqrt(sigma[k][i * q + i] * sigma[k][j * q + j]);
            }
            if (!Dense.CholeskyInPlace(corr, q)) return true;
            for (int i = 0; i < q; i++) if (corr[i * q + i] * corr[i * q + i] < 1e-4) return true;
        }
        return false;
    }

    /// <summary>x = (σ², the free entries of every Σ_k in the layout's θ order): the vector SQUAREM extrapolates.</summary>
    private double[] Pack(double sigma2, double[][] sigma) => [sigma2, .. _layout.Theta.Select(e => _layout.Get(sigma, e))];

    private (double Sigma2, double[][] Sigma) Unpack(double[] x)
    {
        var sigma = _layout.NewMatrices();
        for (int t = 0; t < _layout.Theta.Count; t++) _layout.Set(sigma, _layout.Theta[t], x[t + 1]);
        return (x[0], sigma);
    }

    private bool IsValid(double[] x)
    {
        var (s2, sigma) = Unpack(x);
        if (!(s2 > 0)) return false;
        for (int k = 0; k < sigma.Length; k++)
        {
            var a = (double[])sigma[k].Clone();
            if (!Dense.CholeskyInPlace(a, _q[k])) return false;
        }
        return true;
    }

    private double Deviance(double[] x)
    {
        var (s2, sigma) = Unpack(x);
        var theta = _criterion.Map.FromCovariances(sigma, s2);
        if (theta is null) return double.PositiveInfinity;
        _criterion.Evaluate(theta);
        return _criterion.Factorization.Deviance(_reml, s2);
    }

    /// <summary>One EM step from (σ², Σ).</summary>
    private double[] Step(double[] x)
    {
        var (sigma2, sigma) = Unpack(x);
        var theta = _criterion.Map.FromCovariances(sigma, sigma2)
            ?? throw new InvalidOperationException("EM reached a covariance matrix that is not positive definite.");
        _criterion.Evaluate(theta);
        var f = _criterion.Factorization;
        int m = _s.M, w = m - 1, yi = _s.YIndex, kLeaf = _q.Length - 1;

        // E‖y − Xβ − Σ Z_k u_k‖² from each innermost group's C_j and its chain's posterior mean and covariance.
        double ee = 0;
        var post = f.ComputePosterior(includeFixedUncertainty: _reml, (level, leaf, chain, cov) =>
        {
            if (level != kLeaf) return;
            var c = _s.Leaf(leaf);
            double s = c[yi * m + yi];
            for (int a = 0; a < w; a++)
            {
                s -= 2 * chain[a] * c[a * m + yi];
                double row = 0;
                for (int b = 0; b < w; b++) row += c[a * m + b] * (chain[b] * chain[a] + sigma2 * cov[b * w + a]);
                s += row;
            }
            ee += s;
        });
        var next = new double[_q.Length][];
        for (int k = 0; k < _q.Length; k++)
        {
            int q = _q[k], nodes = _s.Levels[k].Grouping.Count;
            var acc = new double[q * q];
            for (int node = 0; node < nodes; node++)
                for (int i = 0; i < q; i++)
                    for (int j = 0; j < q; j++)
                        acc[i * q + j] += post.Means[k][node * q + i] * post.Means[k][node * q + j]
                                          + sigma2 * post.NodeCovariance[k][node * q * q + i * q + j];
            for (int i = 0; i < q; i++)
                for (int j = 0; j < q; j++)
                    acc[i * q + j] = _s.Levels[k].Free[Math.Max(i, j), Math.Min(i, j)] ? acc[i * q + j] / nodes : 0;
            next[k] = acc;
        }
        return Pack(ee / _s.N, next);
    }

}
