using BayesHlm.Data;
using BayesHlm.Diagnostics;
using BayesHlm.Model;
using BayesHlm.Sampling;
using BayesHlm.Statistics;
using MathNet.Numerics.Distributions;

namespace BayesHlm.Tests.Sampling;

/// <summary>
/// Each sampler step on its own. A variance step must leave its conditional posterior invariant: with the random
/// effects (or the residual sum of squares) held fixed, its draws of τ must follow p(τ | u) ∝ τ^−J e^(−S/2τ²) p(τ),
/// whose quantiles are computed here by quadrature from the prior densities of MathNet.Numerics (not from the
/// code's own densities). The Metropolis–Hastings engines every non-conjugate step uses are checked to take every
/// proposal when the target is flat (forced acceptance) and to stop adapting after warm-up.
/// </summary>
public class StepTests
{
    private static readonly double[] Effects = [1.2, -0.5, 2.0, -1.4, 0.3, 0.8];

    /// <summary>Each prior kind that may stand on one random effect, with its density of τ written independently.</summary>
    public static TheoryData<string, string> LevelPriors() => new()
    {
        { """{"dist":"gamma_precision","shape":2,"rate":3}""", "gamma 2 3" },
        { """{"dist":"gamma_precision","shape":2,"rate":{"dist":"gamma","shape":3,"rate":2}}""", "gammarate 2 3 2" },
        { """{"dist":"inv_gamma_variance","shape":2,"scale":3}""", "gamma 2 3" },
        { """{"dist":"half_cauchy_sd","scale":1.5}""", "cauchy 1.5" },
        { """{"dist":"half_t_sd","df":3,"scale":1}""", "t 3 1" },
        { """{"dist":"uniform_sd","upper":4}""", "uniform 4" },
        { """{"dist":"log_normal_sd","meanlog":0.2,"sdlog":0.5}""", "lognormal 0.2 0.5" },
        { """{"dist":"inv_wishart","df":3,"scale":[[2]]}""", "invwishart 3 2" },
        { """{"dist":"independent_gamma_precision","shape":2,"rate":3}""", "gamma 2 3" },
        { """{"dist":"lkj_half_t","eta":2,"df":3,"scales":[1]}""", "t 3 1" },
    };

    [Theory]
    [MemberData(nameof(LevelPriors))]
    public void LevelStep_LeavesTheConditionalOfTauGivenUInvariant(string priorJson, string density)
    {
        var g = Enumerable.Range(0, 2 * Effects.Length).Select(i => (double)(i / 2)).ToArray();
        var y = g.Select((j, i) => j + 0.1 * (i % 2)).ToArray();
        var stats = SufficientStatistics.Build(ModelSpec.FromFormula("y ~ 1 + (1 | g)"), DataTable.FromColumns([("g", g), ("y", y)]));
        var priors = ResolvedPriors.Resolve(PriorSpec.FromJson($$"""{"group:g":{{priorJson}}}"""), stats);
        var step = priors.Levels[0].LevelStep(stats, priors.Layout, 0);
        var state = new ChainState(stats, priors, 1, [[1.0]]);
        var draws = Run(step, state, s => { Effects.CopyTo(s.U[0], 0); }, s => Math.Sqrt(s.Sigma[0][0]), 3);
        double sumOfSquares = Effects.Sum(u => u * u);
        AssertFollows(draws, tau => -Effects.Length * Math.Log(tau) - sumOfSquares / (2 * tau * tau) + LogPriorOfTau(density, tau), priorJson);
    }

    public static TheoryData<string, string> ResidualPriors() => new()
    {
        { """{"dist":"gamma_precision","shape":2,"rate":3}""", "gamma 2 3" },
        { """{"dist":"half_t_sd","df":3,"scale":1}""", "t 3 1" },
        { """{"dist":"uniform_sd","upper":4}""", "uniform 4" },
        { """{"dist":"log_normal_sd","meanlog":0.2,"sdlog":0.5}""", "lognormal 0.2 0.5" },
    };

    [Theory]
    [MemberData(nameof(ResidualPriors))]
    public void ResidualStep_LeavesTheConditionalOfSigmaGivenBetaInvariant(string priorJson, string density)
    {
        double[] y = [0.3, -1.1, 2.4, 0.9, -0.2, 1.6, 0.5, -0.8];
        double beta = 0.4;
        var stats = SufficientStatistics.Build(ModelSpec.FromFormula("y ~ 1"), DataTable.FromColumns([("y", y)]));
        var priors = ResolvedPriors.Resolve(PriorSpec.FromJson($$"""{"residual":{{priorJson}}}"""), stats);
        var step = priors.Residual!.ResidualStep(stats, new ResidualSumOfSquares(stats));
        var state = new ChainState(stats, priors, 1, []);
        // β in the statistics' coordinates, where y is shifted by its mean.
        var draws = Run(step, state, s => s.Beta[0] = beta - stats.OutcomeShift, s => Math.Sqrt(s.Sigma2), 5);
        double ssr = y.Sum(v => (v - beta) * (v - beta));
        AssertFollows(draws, sd => -y.Length * Math.Log(sd) - ssr / (2 * sd * sd) + LogPriorOfTau(density, sd), priorJson);
    }

    [Fact]
    public void LogNormalSd_ReadsWritesAndStandsWhereAnSdPriorMay()
    {
        var spec = PriorSpec.FromJson("""{"residual":{"dist":"log_normal_sd","meanlog":1.5,"sdlog":0.4},"group:school":{"dist":"log_normal_sd","meanlog":0,"sdlog":1}}""");
        Assert.Equal(new VariancePrior.LogNormalSd(1.5, 0.4), spec.Residual);
        Assert.Equal(spec.ToJson(), PriorSpec.FromJson(spec.ToJson()).ToJson());
        var e = Assert.Throws<ModelSpecificationException>(() => PriorSpec.FromJson("""{"fixed_hierarchy":{"terms":["x"],"design":[[1]],"delta":{"dist":"normal","mean":0,"variance":1},"omega":{"dist":"log_normal_sd","meanlog":0,"sdlog":1}}}"""));
        Assert.Contains("Use gamma_precision, inv_gamma_variance or fixed", e.Message);
        Assert.Throws<ModelSpecificationException>(() => PriorSpec.FromJson("""{"residual":{"dist":"log_normal_sd","meanlog":0,"sdlog":0}}"""));
    }

    [Fact]
    public void RandomWalk_ForcedAcceptance_TakesEveryProposal_AndItsSizeIsFrozenAfterWarmup()
    {
        var walk = new RandomWalk();
        var rng = new Random(7);
        var flat = new FlatTarget();
        double x = 0;
        // Warm-up: always accepted, so the Robbins–Monro size grows from its start.
        for (int t = 0; t < 500; t++) x = walk.Step(x, flat, rng, adapt: true);
        var twin = new Random(7);
        for (int t = 0; t < 500; t++) { twin.NextStandardNormal(); twin.NextDouble(); }
        double size = double.NaN;
        for (int t = 0; t < 2000; t++)
        {
            double before = x;
            x = walk.Step(x, flat, rng, adapt: false);
            double z = twin.NextStandardNormal();
            twin.NextDouble();
            double ratio = (x - before) / z;  // the proposal's size: the same at every frozen step
            if (t == 0) size = ratio;
            Assert.Equal(1, ratio / size, 9);
        }
        Assert.True(size > 0.2 * 1.5, $"the size should have grown in warm-up from 0.2, not {size}");
        Assert.Equal(1.0, walk.AcceptanceRate, 3);
    }

    [Fact]
    public void AdaptiveProposal_LearnsItsShapeInWarmup_AndIsFrozenAfter()
    {
        var proposal = new AdaptiveProposal(2, 0.1);
        var rng = new Random(3);
        double[] state = [0, 0], next = new double[2];
        // Warm-up: accept every proposal of a strongly correlated walk; the shape follows the visited states.
        for (int t = 0; t < 2000; t++)
        {
            double z = rng.NextStandardNormal();
            state[0] = z;
            state[1] = 2 * z + 0.1 * rng.NextStandardNormal();
            proposal.Record(accepted: true, state, adapt: true);
        }
        (double, double) Propose(int seed)
        {
            proposal.Propose([0, 0], next, new Random(seed));
            return (next[0], next[1]);
        }
        var first = Propose(11);
        // The learnt shape makes the proposal's two coordinates nearly proportional (slope 2).
        var many = Enumerable.Range(0, 200).Select(s => Propose(100 + s)).ToArray();
        double correlation = MathNet.Numerics.Statistics.Correlation.Pearson(many.Select(p => p.Item1), many.Select(p => p.Item2));
        Assert.True(correlation > 0.95, $"proposal correlation {correlation}");
        for (int t = 0; t < 5000; t++) proposal.Record(accepted: t % 2 == 0, [rng.NextDouble(), rng.NextDouble()], adapt: false);
        Assert.Equal(first, Propose(11));
    }

    /// <summary>Warm-up with adaptation, then draws of one quantity with the step frozen; <paramref name="hold"/>
    /// puts back what the step is conditioned on before each update.</summary>
    private static double[] Run(IChainStep step, ChainState state, Action<ChainState> hold, Func<ChainState, double> read, ulong seed)
    {
        var rng = new ChainRandom(seed);
        for (int t = 0; t < 2000; t++) { hold(state); step.Update(state, rng, adapting: true); }
        var draws = new double[40_000];
        for (int t = 0; t < draws.Length; t++) { hold(state); step.Update(state, rng, adapting: false); draws[t] = read(state); }
        return draws;
    }

    /// <summary>The share of draws below the 10%, 50% and 90% quantiles of the target (by quadrature on log τ) is each
    /// within 5 Monte Carlo standard errors of its level.</summary>
    private static void AssertFollows(double[] draws, Func<double, double> logDensity, string what)
    {
        const int n = 200_000;
        double lo = -8, hi = 6, h = (hi - lo) / n;
        var logMass = new double[n];
        for (int i = 0; i < n; i++)
        {
            double x = lo + (i + 0.5) * h;
            logMass[i] = logDensity(Math.Exp(x)) + x; // density of log τ
        }
        double max = logMass.Where(double.IsFinite).Max();
        var cdf = new double[n];
        double total = 0;
        for (int i = 0; i < n; i++) { total += double.IsFinite(logMass[i]) ? Math.Exp(logMass[i] - max) : 0; cdf[i] = total; }
        var summary = PosteriorSummary.Summarise(new DrawSet(["tau"], 4, draws.Length / 4, [draws])).Rows[0];
        Assert.True(summary.EssBulk > 2000, $"{what}: ESS {summary.EssBulk} too small for the check");
        foreach (double p in new[] { 0.1, 0.5, 0.9 })
        {
            int i = Array.FindIndex(cdf, c => c >= p * total);
            double quantile = Math.Exp(lo + (i + 1) * h);
            double share = draws.Count(d => d < quantile) / (double)draws.Length;
            double tolerance = 5 * Math.Sqrt(p * (1 - p) / summary.EssBulk);
            Assert.True(Math.Abs(share - p) < tolerance, $"{what}: {share:F4} of the draws below the target's {p} quantile {quantile:G4} (±{tolerance:F4})");
        }
    }

    /// <summary>log p(τ) for a prior on the sd τ, from MathNet's distributions: "gamma a b" is 1/τ² ~ Gamma(a, rate b);
    /// "gammarate a c d" the same with b ~ Gamma(c, d) integrated out, p(λ) ∝ λ^(a−1) (d + λ)^−(a+c).</summary>
    private static double LogPriorOfTau(string density, double tau)
    {
        var f = density.Split(' ');
        double A(int i) => double.Parse(f[i], System.Globalization.CultureInfo.InvariantCulture);
        double lambda = 1 / (tau * tau), jacobianFromPrecision = Math.Log(2) - 3 * Math.Log(tau);
        return f[0] switch
        {
            "gamma" => Gamma.PDFLn(A(1), A(2), lambda) + jacobianFromPrecision,
            "gammarate" => (A(1) - 1) * Math.Log(lambda) - (A(1) + A(2)) * Math.Log(A(3) + lambda) + jacobianFromPrecision,
            "cauchy" => Cauchy.PDFLn(0, A(1), tau),
            "t" => StudentT.PDFLn(0, A(2), A(1), tau),
            "uniform" => tau < A(1) ? -Math.Log(A(1)) : double.NegativeInfinity,
            "lognormal" => LogNormal.PDFLn(A(1), A(2), tau),
            "invwishart" => InverseGamma.PDFLn(A(1) / 2, A(2) / 2, tau * tau) + Math.Log(2 * tau),
            _ => throw new ArgumentException(density),
        };
    }

    private readonly struct FlatTarget : ILogDensity
    {
        public double At(double x) => 0;
    }
}
