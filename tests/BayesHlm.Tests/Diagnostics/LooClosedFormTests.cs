using BayesHlm.Diagnostics.Loo;

namespace BayesHlm.Tests.Diagnostics;

/// <summary>
/// PSIS-LOO pieces checked against what is known without loo: k̂ of exact generalized Pareto samples, the GPD
/// quantile, WAIC from its definition, the shape of smoothed weights, r_eff of iid and AR(1) draws, loo_compare
/// by hand.
/// </summary>
/// <remarks>
/// Bands, from 100 seeds (GPD) and 200 seeds (r_eff) of the same generators: k̂ by PSIS of 100,000 GPD draws
/// (M = 949 smoothed) has sd 0.024–0.057 for k from −0.25 to 0.9, so ±0.2 is 3.5–8 sd, yet excludes confusing
/// the weights with their logarithms (k̂ near 0) or a GPD of the wrong sign; a direct fit to 5,000 exceedances has
/// sd 0.011–0.024 in k̂ and 1.7–2.8 % in σ̂: ±0.08 and ±10 % are above 3.3 sd. r_eff / ((1 − φ)/(1 + φ)) has mean
/// 0.98–0.99 and sd 0.04 for iid 4 × 1,000 and AR(1) φ = 0.5 4 × 5,000: ±20 % is about 5 sd and excludes treating
/// correlated draws as independent (a factor 3 at φ = 0.5).
/// </remarks>
public sealed class LooClosedFormTests
{
    /// <summary>GPD(k, σ) draws by inversion: σ((1 − U)^(−k) − 1)/k.</summary>
    private static double Gpd(Random rng, double k, double sigma) => sigma * (Math.Pow(1 - rng.NextDouble(), -k) - 1) / k;

    [Theory]
    [InlineData(-0.25)]
    [InlineData(0.2)]
    [InlineData(0.5)]
    [InlineData(0.9)]
    public void ParetoK_OfGeneralizedParetoRatios_IsNearTheShape(double k)
    {
        var rng = new Random(20251);
        var logRatios = Enumerable.Range(0, 100_000).Select(_ => Math.Log(Gpd(rng, k, 1))).ToArray();
        double kHat = ParetoSmoothing.Smooth(logRatios, 1.0, new double[logRatios.Length]);
        Assert.InRange(kHat, k - 0.2, k + 0.2);
    }

    [Theory]
    [InlineData(-0.25)]
    [InlineData(0.5)]
    [InlineData(0.9)]
    public void GpdFit_OfExactSample_RecoversShapeAndScale(double k)
    {
        var rng = new Random(7);
        var x = Enumerable.Range(0, 5000).Select(_ => Gpd(rng, k, 2)).Order().ToArray();
        var (kHat, sigma) = GeneralizedPareto.Fit(x);
        Assert.InRange(kHat, k - 0.08, k + 0.08);
        Assert.InRange(sigma, 2 * 0.9, 2 * 1.1);
    }

    [Fact]
    public void GpdQuantile_AsLoosOwnTest()
    {
        // loo's test_gpdfit.R: qgpd(c(0, .25, .5, .75, 1), k = 1, sigma = 1) == c(0, 1/3, 1, 3, Inf); sigma = 0 gives NaN.
        double[] p = [0, 0.25, 0.5, 0.75, 1];
        double[] expected = [0, 1.0 / 3, 1, 3, double.PositiveInfinity];
        for (int i = 0; i < p.Length; i++) Assert.Equal(expected[i], GeneralizedPareto.Quantile(p[i], 1, 1), 1e-14);
        Assert.All(p, q => Assert.True(double.IsNaN(GeneralizedPareto.Quantile(q, 1, 0))));
        // Near k = 0 the quantile tends to the exponential's, −σ log(1 − p): expm1 must keep its digits there.
        Assert.Equal(-2 * Math.Log(1 - 0.3), GeneralizedPareto.Quantile(0.3, 1e-12, 2), 1e-10);
    }

    [Fact]
    public void TailLength_IsLoosNPareto()
    {
        Assert.Equal(190, ParetoSmoothing.TailLength(4000, 1));     // ⌈3·√4000⌉
        Assert.Equal(347, ParetoSmoothing.TailLength(4000, 0.3));   // ⌈3·√(4000/0.3)⌉
        Assert.Equal(800, ParetoSmoothing.TailLength(4000, 0.01));  // capped at 0.2·S
    }

    [Fact]
    public void SmoothedWeights_ChangeOnlyTheTail_KeepItsOrder_AndStayBelowTheLargestRatio()
    {
        var rng = new Random(3);
        var ratios = Enumerable.Range(0, 2000).Select(_ => 3 * ClosedFormTests.Normal(rng)).ToArray();
        var lw = new double[ratios.Length];
        ParetoSmoothing.Smooth(ratios, 0.5, lw);
        int m = ParetoSmoothing.TailLength(ratios.Length, 0.5);
        var order = Enumerable.Range(0, ratios.Length).OrderBy(i => ratios[i]).ToArray();
        var body = order.Take(ratios.Length - m).ToArray();
        var tail = order.Skip(ratios.Length - m).ToArray();
        Assert.All(body, i => Assert.Equal(ratios[i], lw[i], 1e-12));
        Assert.Contains(tail, i => Math.Abs(lw[i] - ratios[i]) > 1e-6);
        for (int j = 1; j < tail.Length; j++) Assert.True(lw[tail[j]] >= lw[tail[j - 1]]);
        Assert.All(lw, w => Assert.True(w <= ratios.Max() + 1e-12));
        Assert.True(lw[tail[0]] > ratios[body[^1]] - 1e-12, "the smoothed tail starts above the cutoff");
    }

    [Fact]
    public void Waic_IsItsDefinition()
    {
        var ll = PointwiseLogLikelihood.ReadCsv(RepositoryPaths.Reference("loo", "loglik.csv"));
        var waic = Waic.Compute(ll);
        var elpd = new double[ll.Observations];
        double pTotal = 0;
        for (int i = 0; i < ll.Observations; i++)
        {
            var x = ll.Observation(i).ToArray();
            double lpd = Math.Log(x.Average(Math.Exp));
            double mean = x.Average();
            double p = x.Sum(v => (v - mean) * (v - mean)) / (x.Length - 1);
            elpd[i] = lpd - p;
            pTotal += p;
            Assert.Equal(p, waic.PointwisePWaic[i], 1e-9);
        }
        double elpdMean = elpd.Average();
        double se = Math.Sqrt(elpd.Length * elpd.Sum(e => (e - elpdMean) * (e - elpdMean)) / (elpd.Length - 1));
        Assert.Equal(elpd.Sum(), waic.ElpdWaic.Estimate, 1e-8);
        Assert.Equal(se, waic.ElpdWaic.Se, 1e-8);
        Assert.Equal(pTotal, waic.PWaic.Estimate, 1e-8);
        Assert.Equal(-2 * elpd.Sum(), waic.Criterion.Estimate, 1e-8);
        Assert.Equal(2 * se, waic.Criterion.Se, 1e-8);
        Assert.Equal(waic.PointwisePWaic.Count(p => p > 0.4), waic.LargePWaicCount);
    }

    [Theory]
    [InlineData(0.0, 1000)]
    [InlineData(0.5, 5000)]
    public void RelativeEfficiency_OfAr1Draws_IsOneMinusPhiOverOnePlusPhi(double phi, int iterations)
    {
        var draws = ClosedFormTests.Ar1(new Random(1234), 4, iterations, phi);
        double target = (1 - phi) / (1 + phi);
        Assert.InRange(RelativeEfficiency.OfDraws(draws, 4), 0.8 * target, 1.2 * target);
    }

    /// <summary>Two models of the same 40 observations, the second better on most of them.</summary>
    private static (LooResult A, LooResult B) TwoModels()
    {
        var rng = new Random(11);
        int s = 400, n = 40;
        var a = new double[s * n];
        var b = new double[s * n];
        for (int i = 0; i < n; i++)
            for (int d = 0; d < s; d++)
            {
                double z = ClosedFormTests.Normal(rng);
                a[i * s + d] = -1.5 - 0.3 * i % 7 + 0.4 * z;
                b[i * s + d] = -1.2 - 0.3 * i % 5 + 0.3 * z;
            }
        var chains = Enumerable.Range(0, s).Select(d => d / 100 + 1).ToArray();
        var names = Enumerable.Range(1, n).Select(i => $"y{i}").ToArray();
        return (PsisLoo.Compute(new PointwiseLogLikelihood(a, s, chains, names)), PsisLoo.Compute(new PointwiseLogLikelihood(b, s, chains, names)));
    }

    [Fact]
    public void LooCompare_BestFirst_DiffAndSeFromPairedPointwiseValues()
    {
        var (a, b) = TwoModels();
        var comparison = LooComparison.Compare([("a", a), ("b", b)]);
        Assert.Equal(["b", "a"], comparison.Rows.Select(r => r.Name));
        var diff = Enumerable.Range(0, 40).Select(i => a.PointwiseElpdLoo[i] - b.PointwiseElpdLoo[i]).ToArray();
        double mean = diff.Average();
        double sd = Math.Sqrt(diff.Sum(d => (d - mean) * (d - mean)) / (diff.Length - 1));
        Assert.Equal((0.0, 0.0), (comparison.Rows[0].ElpdDiff, comparison.Rows[0].SeDiff));
        Assert.Equal(diff.Sum(), comparison.Rows[1].ElpdDiff, 1e-10);
        Assert.Equal(Math.Sqrt(40) * sd, comparison.Rows[1].SeDiff, 1e-10);
        Assert.Equal(a.ElpdLoo, comparison.Rows[1].ElpdLoo);
        Assert.True(comparison.Rows[1].ElpdDiff < 0);
    }

    [Fact]
    public void LooCompare_DifferentNumbersOfObservations_IsAnError()
    {
        var (a, _) = TwoModels();
        var ll = PointwiseLogLikelihood.ReadCsv(RepositoryPaths.Reference("loo", "loglik.csv"));
        var e = Assert.Throws<DataException>(() => LooComparison.Compare([("a", a), ("fixture", PsisLoo.Compute(ll))]));
        Assert.Contains("a: 40", e.Message);
        Assert.Contains("fixture: 72", e.Message);
    }

    [Fact]
    public void LogLikelihood_RejectsNonFiniteValuesAndUnequalChains()
    {
        var values = new double[12];
        values[7] = double.NegativeInfinity;
        var e = Assert.Throws<ArgumentException>(() => new PointwiseLogLikelihood(values, 6, [1, 1, 1, 2, 2, 2], ["a", "b"]));
        Assert.Contains("'b' under draw 2", e.Message);
        e = Assert.Throws<ArgumentException>(() => new PointwiseLogLikelihood(new double[12], 6, [1, 1, 2, 2, 2, 2], ["a", "b"]));
        Assert.Contains("equal length", e.Message);
        e = Assert.Throws<ArgumentException>(() => new PointwiseLogLikelihood(new double[12], 6, [1, 2, 1, 2, 1, 2], ["a", "b"]));
        Assert.Contains("chain order", e.Message);
        var oneDrawPerChain = new PointwiseLogLikelihood(new double[12], 6, [1, 2, 3, 4, 5, 6], ["a", "b"]);
        Assert.Contains("at least 2 draws per chain", Assert.Throws<ArgumentException>(() => PsisLoo.Compute(oneDrawPerChain)).Message);
        Assert.Equal(2, PsisLoo.Compute(oneDrawPerChain, [1.0, 1.0]).ParetoK.Count(double.IsPositiveInfinity));
    }
}
