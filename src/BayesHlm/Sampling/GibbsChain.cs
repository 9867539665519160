using BayesHlm.Estimation;
using BayesHlm.Statistics;
using BayesHlm.Statistics.Linalg;
using MathNet.Numerics.Distributions;
using MathNet.Numerics.LinearAlgebra;

namespace BayesHlm.Sampling;

/// <summary>
/// One chain of the blocked Gibbs sampler (MATH.md §5, steps 1–3): (β, u) jointly given θ through the kernel,
/// then σ² given (β, u) from the residual sum of squares of the C_j, then each Σ_k given its u's — all
/// conjugate, so every step is an exact draw. The state is private; <see cref="Current"/> copies it out.
/// </summary>
internal sealed class GibbsChain
{
    private readonly SufficientStatistics _s;
    private readonly ResolvedPriors _priors;
    private readonly Random _rng;
    private readonly NestedFactorization _kernel;
    private readonly double[][] _lambdas;
    private readonly FixedEffectPrior _fixedPrior;
    private readonly double[] _beta;
    private readonly double[][] _u;
    private readonly double[][] _sigma;
    private readonly double[] _chain;
    private readonly double[] _rate; // the random gamma rate b of a level with a third-level hyperprior
    private double _sigma2;

    public GibbsChain(SufficientStatistics s, ResolvedPriors priors, Random rng, double sigma2, IReadOnlyList<double[]> sigma, bool ancillaryStep = true)
    {
        _s = s;
        _priors = priors;
        _rng = rng;
        _kernel = new NestedFactorization(s);
        _lambdas = new ThetaMap(s.Levels).NewLambdas(); // Λ_k is set from Σ_k every sweep (SetLambdas)
        int p = s.P;
        _fixedPrior = priors.KernelPrior(s);
        if (priors.Hierarchy is { } h)
        {
            _delta = new double[h.Predictors];
            for (int i = 0; i < h.Predictors; i++) _delta[i] = h.DeltaMean;
            _omega2 = h.OmegaVariance ?? 1;
            SetHierarchyPrior();
        }
        _beta = new double[p];
        _u = s.Levels.Select(l => new double[l.Grouping.Count * l.Size]).ToArray();
        _sigma = sigma.Select(x => (double[])x.Clone()).ToArray();
        _sigma2 = sigma2;
        _chain = new double[s.M];
        _rate = priors.Levels.Select(l => l is LevelPrior.GammaPrecisionWithRandomRate h ? h.RateShape / h.RateRate : double.NaN).ToArray();
        _levelWalks = s.Levels.Select(_ => new RandomWalk()).ToArray();
        _inverseWishart = s.Levels.Select((l, k) => priors.Levels[k] is LevelPrior.InverseWishart ? new InverseWishartDraw(l.Size) : null).ToArray();
        _scatter = s.Levels.Select(l => new double[l.Size * l.Size]).ToArray();
        (_totalXX, _totalXy, _totalYy) = FixedTotals(s);
        _covarianceWalks = s.Levels.Select((l, k) => priors.Levels[k] is LevelPrior.SdCorrelation ? new CovarianceWalk(l, priors.Levels[k]) : null).ToArray();
        _ancillary = s.Levels.Select((_, k) => ancillaryStep && AncillaryScaleStep.AppliesTo(s, k, priors.Levels[k]) ? new AncillaryScaleStep(s, k, priors.Levels[k]) : null).ToArray();
    }

    private readonly AncillaryScaleStep?[] _ancillary;
    private const int WalkProposals = 5;
    private readonly RandomWalk _residualWalk = new();
    private readonly RandomWalk[] _levelWalks;
    private readonly CovarianceWalk?[] _covarianceWalks;
    private readonly InverseWishartDraw?[] _inverseWishart;
    private readonly double[][] _scatter;
    private readonly double[] _totalXX, _totalXy;
    private readonly double _totalYy;
    private readonly double[] _delta = [];
    private double _omega2;

    /// <summary>True during warm-up: adaptive proposals may tune themselves; false after, so the chain is Markov.</summary>
    public bool Adapting { get; set; }

    /// <summary>Acceptance rate of the ancillary Metropolis–Hastings move, or NaN when the model has none.</summary>
    public double AncillaryAcceptance => _ancillary.FirstOrDefault(a => a is not null)?.AcceptanceRate ?? double.NaN;

    /// <summary>One sweep: (β, u) | θ; σ² | β, u; Σ_k | u_k.</summary>
    // Hot: compiled optimised on first call, not after a slow first tier (a run lasts seconds).
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public void Step()
    {
        SetLambdas();
        if (!_kernel.Update(_lambdas, _fixedPrior, _sigma2))
            throw new InvalidOperationException("The fixed-effect block is singular; the prior on the fixed effects should make it positive definite.");
        _kernel.Draw(Math.Sqrt(_sigma2), _rng, _beta, _u);
        if (_priors.KnownResidual) { }
        else if (_priors.ResidualSd is { } sdPrior)
        {
            // log σ given (β, u): −N log σ − SSR/2σ² + log p(σ) + log σ (the log scale's Jacobian).
            double n = _s.N, ssr = ResidualSumOfSquares();
            // Several proposals per sweep: given SSR each costs O(1), and one alone mixes slowly.
            double logSd = 0.5 * Math.Log(_sigma2);
            for (int move = 0; move < WalkProposals; move++)
                logSd = _residualWalk.Step(logSd, x => -n * x - ssr / (2 * Math.Exp(2 * x)) + sdPrior.LogDensity(Math.Exp(x)) + x, _rng, Adapting);
            _sigma2 = Math.Exp(2 * logSd);
        }
        else _sigma2 = 1 / Gamma.Sample(_rng, _priors.ResidualShape + _s.N / 2.0, _priors.ResidualRate + ResidualSumOfSquares() / 2);
        for (int k = 0; k < _s.Levels.Count; k++) DrawCovariance(k);
        if (_priors.Hierarchy is not null) DrawHierarchy();
        for (int k = 0; k < _ancillary.Length; k++) _ancillary[k]?.Step(_beta, _sigma2, _sigma[k], _u, _rng, Adapting);
    }

    /// <summary>Λ_k = chol(Σ_k/σ²) (lower triangular; a zero pivot gives a zero column), in place, without allocating.</summary>
    private void SetLambdas()
    {
        for (int k = 0; k < _s.Levels.Count; k++)
        {
            var lam = _lambdas[k];
            int q = _s.Levels[k].Size;
            for (int i = 0; i < lam.Length; i++) lam[i] = _sigma[k][i] / _sigma2;
            if (!Dense.SemiDefiniteCholeskyInPlace(lam, q)) throw new InvalidOperationException("A covariance draw is not positive semi-definite.");
            for (int r = 0; r < q; r++) for (int c = r + 1; c < q; c++) lam[r * q + c] = 0;
        }
    }

    /// <summary>δ | γ, ω² (normal) and ω² | γ, δ (inverse gamma), then the prior of the hierarchy's γ for the next sweep.</summary>
    private void DrawHierarchy()
    {
        var h = _priors.Hierarchy!;
        int n = h.Terms.Length, k = h.Predictors;
        var gamma = new double[n];
        for (int t = 0; t < n; t++) gamma[t] = _beta[h.Terms[t]] + (h.Terms[t] == _s.InterceptIndex ? _s.OutcomeShift : 0);
        // δ | γ, ω²: precision I/v + WᵀW/ω², precision × mean m/v + Wᵀγ/ω².
        var precision = new double[k * k];
        var b = new double[k];
        for (int a = 0; a < k; a++)
        {
            precision[a * k + a] = 1 / h.DeltaVariance;
            b[a] = h.DeltaMean / h.DeltaVariance;
            for (int t = 0; t < n; t++) b[a] += h.Design[t * k + a] * gamma[t] / _omega2;
            for (int c = 0; c < k; c++)
                for (int t = 0; t < n; t++) precision[a * k + c] += h.Design[t * k + a] * h.Design[t * k + c] / _omega2;
        }
        if (!Dense.CholeskyInPlace(precision, k)) throw new InvalidOperationException("The hyperprior's δ precision is not positive definite.");
        Dense.ForwardSolve(precision, k, b, 0, 1);
        for (int a = 0; a < k; a++) b[a] += _rng.NextStandardNormal();
        Dense.BackSolve(precision, k, b, 0, 1);
        Array.Copy(b, _delta, k);
        if (h.OmegaVariance is null)
        {
            double ss = 0;
            for (int t = 0; t < n; t++)
            {
                double r = gamma[t];
                for (int a = 0; a < k; a++) r -= h.Design[t * k + a] * _delta[a];
                ss += r * r;
            }
            _omega2 = 1 / Gamma.Sample(_rng, h.OmegaShape + n / 2.0, h.OmegaRate + ss / 2);
        }
        SetHierarchyPrior();
    }

    /// <summary>γ_t ~ N(W_t δ, ω²) into the kernel's fixed-effect prior (in the shifted coordinates).</summary>
    private void SetHierarchyPrior()
    {
        var h = _priors.Hierarchy!;
        int p = _s.P, k = h.Predictors;
        for (int t = 0; t < h.Terms.Length; t++)
        {
            int i = h.Terms[t];
            double mean = -(i == _s.InterceptIndex ? _s.OutcomeShift : 0);
            for (int a = 0; a < k; a++) mean += h.Design[t * k + a] * _delta[a];
            _fixedPrior.Precision[i * p + i] = 1 / _omega2;
            _fixedPrior.PrecisionTimesMean[i] = mean / _omega2;
        }
    }

    /// <summary>Σ_j of the C_j's X and y blocks, once: the β-only part of the residual sum of squares does not vary by group.</summary>
    private static (double[] XX, double[] Xy, double Yy) FixedTotals(SufficientStatistics s)
    {
        var total = s.Total();
        int p = s.P, m = s.M, yi = s.YIndex;
        var xx = new double[p * p];
        var xy = new double[p];
        for (int a = 0; a < p; a++)
        {
            xy[a] = total[a * m + yi];
            for (int b = 0; b < p; b++) xx[a * p + b] = total[a * m + b];
        }
        return (xx, xy, total[yi * m + yi]);
    }

    /// <summary>Σ ‖y − Xβ − Σ Z_k u_k‖² from the C_j (MATH.md §2): the β-only terms from the totals, then per innermost
    /// group only the terms with its u's — O(p·q + q²) per group instead of O((p + q)²).</summary>
    // Hot: compiled optimised on first call, not after a slow first tier (a run lasts seconds).
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private double ResidualSumOfSquares()
    {
        int p = _s.P, m = _s.M, w = m - 1, yi = _s.YIndex, leafLevel = _s.Levels.Count - 1;
        double ssr = _totalYy;
        for (int a = 0; a < p; a++)
        {
            double row = -2 * _totalXy[a];
            for (int b = 0; b < p; b++) row += _totalXX[a * p + b] * _beta[b];
            ssr += row * _beta[a];
        }
        if (leafLevel < 0) return Math.Max(ssr, 0);
        Array.Copy(_beta, _chain, p);
        for (int leaf = 0; leaf < _s.LeafCount; leaf++)
        {
            // The chain's u's (β is already in place): one level's own, or every level's along the nesting.
            if (leafLevel == 0) Array.Copy(_u[0], leaf * (w - p), _chain, p, w - p);
            else _kernel.PathValues(leafLevel, leaf, _beta, _u, _chain);
            var c = _s.Leaf(leaf);
            // u·(2 C_ZX β + C_ZZ u − 2 c_Zy)
            for (int a = p; a < w; a++)
            {
                double ua = _chain[a];
                if (ua == 0) continue;
                var rowA = c.Slice(a * m, m);
                double g = -2 * rowA[yi];
                for (int b = 0; b < p; b++) g += 2 * rowA[b] * _beta[b];
                for (int b = p; b < w; b++) g += rowA[b] * _chain[b];
                ssr += ua * g;
            }
        }
        return Math.Max(ssr, 0);
    }

    private void DrawCovariance(int k)
    {
        var level = _s.Levels[k];
        int q = level.Size, groups = level.Grouping.Count;
        var u = _u[k];
        switch (_priors.Levels[k])
        {
            case LevelPrior.GammaPrecision g when q == 1:
            {
                double ss = 0;
                foreach (double v in u) ss += v * v;
                _sigma[k][0] = 1 / Gamma.Sample(_rng, g.Shape + groups / 2.0, g.Rate + ss / 2);
                break;
            }
            case LevelPrior.GammaPrecisionWithRandomRate h when q == 1:
            {
                double ss = 0;
                foreach (double v in u) ss += v * v;
                double precision = Gamma.Sample(_rng, h.Shape + groups / 2.0, _rate[k] + ss / 2);
                _sigma[k][0] = 1 / precision;
                // b | τ²: Gamma(c + a, d + 1/τ²).
                _rate[k] = Gamma.Sample(_rng, h.RateShape + h.Shape, h.RateRate + precision);
                break;
            }
            case LevelSdPrior sdPrior when q == 1:
            {
                // log τ given u: −J log τ − Σu²/2τ² + log p(τ) + log τ.
                double ss = 0;
                foreach (double v in u) ss += v * v;
                double logTau = 0.5 * Math.Log(_sigma[k][0]);
                for (int move = 0; move < WalkProposals; move++)
                    logTau = _levelWalks[k].Step(logTau, x => -groups * x - ss / (2 * Math.Exp(2 * x)) + sdPrior.Sd.LogDensity(Math.Exp(x)) + x, _rng, Adapting);
                _sigma[k][0] = Math.Exp(2 * logTau);
                break;
            }
            case LevelPrior.SdCorrelation:
                _covarianceWalks[k]!.Step(_sigma[k], u, _rng, Adapting);
                break;
            case LevelPrior.IndependentGammaPrecision g:
                for (int a = 0; a < q; a++)
                {
                    double ss = 0;
                    for (int j = 0; j < groups; j++) ss += u[j * q + a] * u[j * q + a];
                    _sigma[k][a * q + a] = 1 / Gamma.Sample(_rng, g.Shape + groups / 2.0, g.Rate + ss / 2);
                }
                break;
            case LevelPrior.InverseWishart iw:
            {
                var scale = _scatter[k];
                Array.Copy(iw.Scale, scale, q * q);
                Dense.AddScatter(u, q, scale);
                _inverseWishart[k]!.Sample(_rng, iw.Df + groups, scale, _sigma[k]);
                break;
            }
            default:
                throw new InvalidOperationException($"The prior for '{level.Grouping.Name}' does not fit its {q} random effects.");
        }
    }

    /// <summary>The current state as named parameters (names as ARCHITECTURE.md): fixed effects, sigma2,
    /// tau2/cov per level, and the random effects of the first <paramref name="groupEffects"/> groups per level.</summary>
    public void Current(List<double> into, int groupEffects)
    {
        into.Clear();
        var beta = (double[])_beta.Clone();
        _s.Unshift(beta);
        into.AddRange(beta);
        if (!_priors.KnownResidual) into.Add(_sigma2);
        for (int k = 0; k < _s.Levels.Count; k++)
        {
            int q = _s.Levels[k].Size;
            for (int a = 0; a < q; a++) into.Add(_sigma[k][a * q + a]);
            for (int a = 0; a < q; a++)
                for (int b = a + 1; b < q; b++)
                    if (_s.Levels[k].Free[b, a]) into.Add(_sigma[k][a * q + b]);
            if (!double.IsNaN(_rate[k])) into.Add(_rate[k]);
        }
        if (_priors.Hierarchy is { } h)
        {
            into.AddRange(_delta);
            if (h.OmegaVariance is null) into.Add(_omega2);
        }
        for (int k = 0; k < _s.Levels.Count; k++)
        {
            int q = _s.Levels[k].Size, groups = Math.Min(groupEffects, _s.Levels[k].Grouping.Count);
            for (int j = 0; j < groups; j++)
                for (int a = 0; a < q; a++) into.Add(_u[k][j * q + a]);
        }
    }

    /// <summary>Names of <see cref="Current"/>'s values, in order.</summary>
    public static List<string> Names(SufficientStatistics s, ResolvedPriors priors, int groupEffects)
    {
        var names = new List<string>(s.FixedNames);
        if (!priors.KnownResidual) names.Add(ParameterNames.ResidualVariance);
        for (int k = 0; k < s.Levels.Count; k++)
        {
            var level = s.Levels[k];
            string g = level.Grouping.Name;
            for (int a = 0; a < level.Size; a++) names.Add(ParameterNames.Variance(g, level.TermNames[a]));
            for (int a = 0; a < level.Size; a++)
                for (int b = a + 1; b < level.Size; b++)
                    if (level.Free[b, a]) names.Add(ParameterNames.Covariance(g, level.TermNames[a], level.TermNames[b]));
            if (priors.Levels[k] is LevelPrior.GammaPrecisionWithRandomRate) names.Add(ParameterNames.HyperpriorRate(g));
        }
        if (priors.Hierarchy is { } h)
        {
            names.AddRange(h.PredictorNames.Select(n => $"delta[{n}]"));
            if (h.OmegaVariance is null) names.Add("omega2");
        }
        foreach (var level in s.Levels)
            for (int j = 0; j < Math.Min(groupEffects, level.Grouping.Count); j++)
                foreach (var term in level.TermNames) names.Add(ParameterNames.GroupEffect(level.Grouping.Name, level.Grouping.LevelNames[j], term));
        return names;
    }
}
