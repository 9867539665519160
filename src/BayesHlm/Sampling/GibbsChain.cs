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
    private readonly ConjugatePriors _priors;
    private readonly Random _rng;
    private readonly NestedFactorization _kernel;
    private readonly ThetaMap _map;
    private readonly double[][] _lambdas;
    private readonly FixedEffectPrior _fixedPrior;
    private readonly double[] _beta;
    private readonly double[][] _u;
    private readonly double[][] _sigma;
    private readonly double[] _chain;
    private readonly double[] _rate; // the random gamma rate b of a level with a third-level hyperprior
    private double _sigma2;

    public GibbsChain(SufficientStatistics s, ConjugatePriors priors, Random rng, double sigma2, IReadOnlyList<double[]> sigma, bool ancillaryStep = true)
    {
        _s = s;
        _priors = priors;
        _rng = rng;
        _kernel = new NestedFactorization(s);
        _map = new ThetaMap(s.Levels);
        _lambdas = _map.NewLambdas();
        int p = s.P;
        var precision = new double[p * p];
        var precisionMean = new double[p];
        for (int i = 0; i < p; i++)
        {
            precision[i * p + i] = 1 / priors.FixedVariance;
            // The C_j hold y − shift: the intercept's prior mean moves with it.
            double mean = priors.FixedMean - (i == s.InterceptIndex ? s.OutcomeShift : 0);
            precisionMean[i] = mean / priors.FixedVariance;
        }
        _fixedPrior = new FixedEffectPrior(precision, precisionMean);
        _beta = new double[p];
        _u = s.Levels.Select(l => new double[l.Grouping.Count * l.Size]).ToArray();
        _sigma = sigma.Select(x => (double[])x.Clone()).ToArray();
        _sigma2 = sigma2;
        _chain = new double[s.M];
        _rate = priors.Levels.Select(l => l is LevelPrior.GammaPrecisionWithRandomRate h ? h.RateShape / h.RateRate : double.NaN).ToArray();
        _levelWalks = s.Levels.Select(_ => new RandomWalk()).ToArray();
        if (ancillaryStep && s.Levels.Count == 1 && AncillaryScaleStep.AppliesTo(s, priors.Levels[0]))
            _ancillary = new AncillaryScaleStep(s, priors.Levels[0]);
    }

    private readonly AncillaryScaleStep? _ancillary;
    private readonly RandomWalk _residualWalk = new();
    private readonly RandomWalk[] _levelWalks;

    /// <summary>True during warm-up: adaptive proposals may tune themselves; false after, so the chain is Markov.</summary>
    public bool Adapting { get; set; }

    /// <summary>Acceptance rate of the ancillary Metropolis–Hastings move, or NaN when the model has none.</summary>
    public double AncillaryAcceptance => _ancillary?.AcceptanceRate ?? double.NaN;

    /// <summary>One sweep: (β, u) | θ; σ² | β, u; Σ_k | u_k.</summary>
    public void Step()
    {
        var theta = _map.FromCovariances(_sigma, _sigma2) ?? throw new InvalidOperationException("A covariance draw is not positive semi-definite.");
        _map.ToLambdas(theta, _lambdas);
        if (!_kernel.Update(_lambdas, _fixedPrior, _sigma2))
            throw new InvalidOperationException("The fixed-effect block is singular; the prior on the fixed effects should make it positive definite.");
        _kernel.Draw(Math.Sqrt(_sigma2), _rng, _beta, _u);
        if (_priors.KnownResidual) { }
        else if (_priors.ResidualSd is { } sdPrior)
        {
            // log σ given (β, u): −N log σ − SSR/2σ² + log p(σ) + log σ (the log scale's Jacobian).
            double n = _s.N, ssr = ResidualSumOfSquares();
            double logSd = _residualWalk.Step(0.5 * Math.Log(_sigma2),
                x => -n * x - ssr / (2 * Math.Exp(2 * x)) + sdPrior.LogDensity(Math.Exp(x)) + x, _rng, Adapting);
            _sigma2 = Math.Exp(2 * logSd);
        }
        else _sigma2 = 1 / Gamma.Sample(_rng, _priors.ResidualShape + _s.N / 2.0, _priors.ResidualRate + ResidualSumOfSquares() / 2);
        for (int k = 0; k < _s.Levels.Count; k++) DrawCovariance(k);
        _ancillary?.Step(_beta, _sigma2, _sigma[0], _u[0], _rng, Adapting);
    }

    /// <summary>Σ ‖y − Xβ − Σ Z_k u_k‖² from each innermost group's C_j (MATH.md §2).</summary>
    private double ResidualSumOfSquares()
    {
        int m = _s.M, w = m - 1, yi = _s.YIndex, leafLevel = _s.Levels.Count - 1;
        double ssr = 0;
        for (int leaf = 0; leaf < _s.LeafCount; leaf++)
        {
            _kernel.ChainMean(leafLevel, leaf, _beta, _u, _chain);
            var c = _s.Leaf(leaf);
            double e = c[yi * m + yi];
            for (int a = 0; a < w; a++)
            {
                double row = -2 * c[a * m + yi];
                for (int b = 0; b < w; b++) row += c[a * m + b] * _chain[b];
                e += row * _chain[a];
            }
            ssr += e;
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
                double logTau = _levelWalks[k].Step(0.5 * Math.Log(_sigma[k][0]),
                    x => -groups * x - ss / (2 * Math.Exp(2 * x)) + sdPrior.Sd.LogDensity(Math.Exp(x)) + x, _rng, Adapting);
                _sigma[k][0] = Math.Exp(2 * logTau);
                break;
            }
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
                var scale = Matrix<double>.Build.Dense(q, q, (a, b) => iw.Scale[a * q + b]);
                for (int j = 0; j < groups; j++)
                    for (int a = 0; a < q; a++)
                        for (int b = 0; b < q; b++) scale[a, b] += u[j * q + a] * u[j * q + b];
                var draw = InverseWishart.Sample(_rng, iw.Df + groups, scale);
                for (int a = 0; a < q; a++)
                    for (int b = 0; b < q; b++) _sigma[k][a * q + b] = draw[a, b];
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
        for (int k = 0; k < _s.Levels.Count; k++)
        {
            int q = _s.Levels[k].Size, groups = Math.Min(groupEffects, _s.Levels[k].Grouping.Count);
            for (int j = 0; j < groups; j++)
                for (int a = 0; a < q; a++) into.Add(_u[k][j * q + a]);
        }
    }

    /// <summary>Names of <see cref="Current"/>'s values, in order.</summary>
    public static List<string> Names(SufficientStatistics s, ConjugatePriors priors, int groupEffects)
    {
        var names = new List<string>(s.FixedNames);
        if (!priors.KnownResidual) names.Add("sigma2");
        for (int k = 0; k < s.Levels.Count; k++)
        {
            var level = s.Levels[k];
            string g = level.Grouping.Name;
            for (int a = 0; a < level.Size; a++) names.Add($"tau2[{g}:{level.TermNames[a]}]");
            for (int a = 0; a < level.Size; a++)
                for (int b = a + 1; b < level.Size; b++)
                    if (level.Free[b, a]) names.Add($"cov[{g}:{level.TermNames[a]},{level.TermNames[b]}]");
            if (priors.Levels[k] is LevelPrior.GammaPrecisionWithRandomRate) names.Add($"b[{g}]");
        }
        foreach (var level in s.Levels)
            for (int j = 0; j < Math.Min(groupEffects, level.Grouping.Count); j++)
                foreach (var term in level.TermNames) names.Add($"u[{level.Grouping.Name}={level.Grouping.LevelNames[j]}:{term}]");
        return names;
    }
}
