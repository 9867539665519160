using BayesHlm.Model;
using BayesHlm.Statistics;
using BayesHlm.Statistics.Linalg;

namespace BayesHlm.Estimation.Glmm;

/// <summary>
/// The marginal likelihood of a binomial or Poisson multilevel model at (θ, β), approximated as glmer does: the random
/// effects' conditional mode by penalised iteratively reweighted least squares (PIRLS), each step one Gaussian kernel
/// solve of the working model (weights Var(y|η), working response Zu + (y − μ)/Var) with β held fixed; then the Laplace
/// approximation −2 log L ≈ −2 Σ log p(y | η̂) + ‖b̂‖² + log|ΛᵀZᵀWZΛ + I|, or, for one scalar random effect, adaptive
/// Gauss–Hermite quadrature per group around the mode. Unlike the Gaussian kernel this reads the rows on every
/// iteration: the weights change with η. One instance is a workspace (the last mode is the next evaluation's start).
/// </summary>
internal sealed class GlmmLikelihood
{
    private readonly GlmmRows _rows;
    private readonly Family _family;
    private readonly int _n, _k;
    private readonly double[] _y, _trials, _constant;
    private readonly GlmmRows.WorkingModel _working; // [Z | working response] with the weights: the kernel's input
    private readonly double[] _response, _weight, _eta, _fixedPart, _mu;
    private readonly SufficientStatistics _ws;
    private readonly GaussianKernel _kernel;
    private readonly double[][] _lambdas;
    private readonly double[][] _u, _trial;
    private readonly int[][] _rowsOfGroup;   // for quadrature: level 0's rows by group
    private readonly double _constantSum;
    private double _penalisedAtMode;         // −2 Σ log p(y | η̂) (without constants) + ‖b̂‖² at the last mode

    /// <param name="statistics">The model's statistics (as the sampler holds them: random columns as written).</param>
    /// <param name="rows">Its rows.</param>
    public GlmmLikelihood(SufficientStatistics statistics, GlmmRows rows)
    {
        Statistics = statistics;
        _rows = rows;
        _family = rows.Family;
        _n = rows.N;
        _k = statistics.Levels.Count;
        Map = new ThetaMap(statistics.Levels);
        _y = rows.Y;
        _trials = rows.Trials;
        _constant = Enumerable.Range(0, _n).Select(i => LevelOne.Constant(_family, _y[i], _trials[i])).ToArray();
        _constantSum = _constant.Sum();
        _eta = new double[_n];
        _fixedPart = new double[_n];
        _mu = new double[_n];
        _working = rows.Working(statistics.Spec, statistics.Frame, withFixed: false);
        _response = _working.Response;
        _weight = _working.Weight;
        _ws = _working.Statistics;
        _kernel = GaussianKernel.For(_ws);
        _lambdas = Map.NewLambdas();
        _u = statistics.Levels.Select(l => new double[l.Grouping.Count * l.Size]).ToArray();
        _trial = statistics.Levels.Select(l => new double[l.Grouping.Count * l.Size]).ToArray();
        _rowsOfGroup = _k == 0 ? [] : rows.RowsOfGroup(0);
    }

    /// <summary>Another workspace for the same model (for evaluations in parallel).</summary>
    public GlmmLikelihood NewWorkspace() => new(Statistics, _rows);

    /// <summary>Sets the modes the next evaluation starts from (a copy of another workspace's <see cref="Modes"/>).</summary>
    public void StartFrom(double[][] modes)
    {
        for (int k = 0; k < _k; k++) Array.Copy(modes[k], _u[k], _u[k].Length);
    }

    /// <summary>The statistics the likelihood belongs to (names, levels, coordinates).</summary>
    public SufficientStatistics Statistics { get; }

    /// <summary>θ: the entries of each level's relative Cholesky factor Λ_k (Σ_k = Λ_kΛ_kᵀ: σ² is 1).</summary>
    public ThetaMap Map { get; }

    /// <summary>The conditional modes of the last evaluation, per level (groups × q).</summary>
    public double[][] Modes => _u;

    /// <summary>The conditional covariances of the random effects at the last evaluation's mode, per level (groups × q × q):
    /// from the kernel as the mode left it, when first asked (quadrature and the reported sds need them, a Laplace
    /// evaluation does not).</summary>
    public double[][] ModeCovariances => _modeCovariances ??= _kernel.ComputePosterior(includeFixedUncertainty: false).NodeCovariance;
    private double[][]? _modeCovariances;

    /// <summary>The kernel factorised at the last evaluation's mode (reliabilities).</summary>
    public GaussianKernel Kernel => _kernel;

    /// <summary>XᵀWX and Xᵀ(y − μ) at the last evaluation's η: an IRLS step for β (p×p row-major, p).</summary>
    public (double[] XtWX, double[] XtR) FixedNormalEquations()
    {
        int p = _rows.P;
        var x = _rows.X;
        var xtwx = new double[p * p];
        var xtr = new double[p];
        for (int i = 0; i < _n; i++)
        {
            LevelOne.LogKernel(_family, _y[i], _trials[i], _eta[i], out double mu, out double w);
            for (int a = 0; a < p; a++)
            {
                double xa = x[a][i];
                xtr[a] += xa * (_y[i] - mu);
                for (int c = 0; c <= a; c++) xtwx[a * p + c] += w * xa * x[c][i];
            }
        }
        for (int a = 0; a < p; a++) for (int c = 0; c < a; c++) xtwx[c * p + a] = xtwx[a * p + c];
        return (xtwx, xtr);
    }

    /// <summary>−2 log L by the Laplace approximation (<paramref name="quadraturePoints"/> = 1) or adaptive Gauss–Hermite
    /// quadrature with that many points (one scalar random effect). θ then β (in the statistics' coordinates).</summary>
    public double Deviance(ReadOnlySpan<double> theta, ReadOnlySpan<double> beta, int quadraturePoints = 1)
    {
        Map.ToLambdas(theta, _lambdas);
        FixedPart(beta);
        if (!Mode()) return double.PositiveInfinity;
        if (quadraturePoints <= 1) return LaplaceDeviance();
        return QuadratureDeviance(quadraturePoints);
    }

    private void FixedPart(ReadOnlySpan<double> beta) => _rows.FixedPart(beta, _fixedPart);

    private void LinearPredictor(double[][] u)
    {
        Array.Copy(_fixedPart, _eta, _n);
        _rows.AddRandomPart(u, _eta);
    }

    /// <summary>−2 Σ log p(y | η) at the current η (without the constants); the means and weights there too, for the
    /// next working model. One exponential per row.</summary>
    private double MinusTwoLogKernel()
    {
        double sum = 0;
        for (int i = 0; i < _n; i++) sum += LevelOne.LogKernel(_family, _y[i], _trials[i], _eta[i], out _mu[i], out _weight[i]);
        return -2 * sum;
    }

    /// <summary>‖b‖² with u = Λb per group (a zero pivot of Λ takes b's entry as 0: u has none there).</summary>
    private double Penalty(double[][] u)
    {
        double sum = 0;
        Span<double> b = stackalloc double[16];
        for (int k = 0; k < _k; k++)
        {
            int q = _rows.Q[k];
            var lam = _lambdas[k];
            var bk = q <= 16 ? b[..q] : new double[q];
            for (int g = 0; g < u[k].Length / q; g++)
            {
                for (int i = 0; i < q; i++)
                {
                    double s = u[k][g * q + i];
                    for (int j = 0; j < i; j++) s -= lam[i * q + j] * bk[j];
                    double d = lam[i * q + i];
                    bk[i] = Math.Abs(d) > 1e-300 ? s / d : 0;
                    sum += bk[i] * bk[i];
                }
            }
        }
        return sum;
    }

    /// <summary>PIRLS from the last mode to this (θ, β)'s, with step halving; ends with the kernel factorised at the
    /// mode's weights. False if no finite mode is found.</summary>
    private bool Mode()
    {
        _modeCovariances = null;
        LinearPredictor(_u);
        double current = MinusTwoLogKernel() + Penalty(_u);
        _penalisedAtMode = current;
        if (_k == 0) return true;
        if (!double.IsFinite(current))
        {
            foreach (var a in _u) Array.Clear(a);
            LinearPredictor(_u);
            current = MinusTwoLogKernel() + Penalty(_u);
        }
        for (int iteration = 0; iteration < 100; iteration++)
        {
            Factorise();
            var post = _kernel.ComputePosterior(includeFixedUncertainty: false);
            // Step halving along u → u_new until the penalised deviance does not rise.
            double t = 1, next = double.PositiveInfinity;
            for (int halving = 0; halving < 30; halving++)
            {
                for (int k = 0; k < _k; k++)
                    for (int i = 0; i < _u[k].Length; i++) _trial[k][i] = _u[k][i] + t * (post.Means[k][i] - _u[k][i]);
                LinearPredictor(_trial);
                next = MinusTwoLogKernel() + Penalty(_trial);
                if (next <= current + 1e-12 * Math.Abs(current)) break;
                t /= 2;
            }
            if (!(next <= current + 1e-12 * Math.Abs(current))) { LinearPredictor(_u); MinusTwoLogKernel(); break; }
            for (int k = 0; k < _k; k++) Array.Copy(_trial[k], _u[k], _u[k].Length);
            bool done = current - next < 1e-11 * (1 + Math.Abs(next));
            current = next;
            if (done) break;
        }
        if (!double.IsFinite(current)) return false;
        _penalisedAtMode = current;
        // The kernel at the mode's own weights: its log-determinant is the Laplace approximation's.
        Factorise();
        return true;
    }

    /// <summary>Weights and working response at the current η, into the kernel's statistics, factorised.</summary>
    private void Factorise()
    {
        // The means and weights are those MinusTwoLogKernel left at this η.
        for (int i = 0; i < _n; i++)
        {
            double w = _weight[i] = Math.Max(_weight[i], 1e-300);
            _response[i] = _eta[i] - _fixedPart[i] + (_y[i] - _mu[i]) / w;
        }
        _working.Refill();
        if (!_kernel.Update(_lambdas, null, 1)) throw new InvalidOperationException("The random-effect block of the working model is singular.");
    }

    private double LaplaceDeviance() => _penalisedAtMode - 2 * _constantSum + (_k == 0 ? 0 : _kernel.LogDetZ);

    /// <summary>
    /// Σ_j −2 log ∫ p(y_j | u) φ(u; 0, τ²) du per group, each integral by Gauss–Hermite quadrature centred at the mode
    /// û_j and scaled by its conditional sd (adaptive: Liu and Pierce 1994), as glmer's nAGQ. One level, one random effect.
    /// </summary>
    private double QuadratureDeviance(int points)
    {
        var (nodes, weights) = GaussHermite.Rule(points);
        double tau = Math.Abs(_lambdas[0][0]);
        LinearPredictor(_u);
        var u = _u[0];
        var z = _rows.Z[0][0];
        double total = 0;
        var logs = new double[points];
        for (int g = 0; g < _rowsOfGroup.Length; g++)
        {
            var rows = _rowsOfGroup[g];
            double constant = 0;
            foreach (int i in rows) constant += _constant[i];
            if (tau < 1e-300)
            {
                double log = 0;
                foreach (int i in rows) log += LevelOne.LogKernel(_family, _y[i], _trials[i], _eta[i]);
                total += -2 * (log + constant);
                continue;
            }
            double sd = Math.Sqrt(ModeCovariances[0][g]), mode = u[g], max = double.NegativeInfinity;
            for (int t = 0; t < points; t++)
            {
                double at = mode + Math.Sqrt(2) * sd * nodes[t], log = 0;
                foreach (int i in rows) log += LevelOne.LogKernel(_family, _y[i], _trials[i], _eta[i] + z[i] * (at - mode));
                log += -0.5 * at * at / (tau * tau) - 0.5 * Math.Log(2 * Math.PI * tau * tau) + nodes[t] * nodes[t];
                logs[t] = log;
                max = Math.Max(max, log);
            }
            double sum = 0;
            for (int t = 0; t < points; t++) sum += weights[t] * Math.Exp(logs[t] - max);
            total += -2 * (Math.Log(Math.Sqrt(2) * sd * sum) + max + constant);
        }
        return total;
    }
}
