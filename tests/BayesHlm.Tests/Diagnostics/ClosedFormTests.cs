using BayesHlm.Diagnostics;

namespace BayesHlm.Tests.Diagnostics;

/// <summary>
/// Diagnostics checked against closed forms rather than against R: the ESS of iid and AR(1) draws, R̂ of
/// mixed and unmixed chains, the warnings, and quantiles / intervals of samples small enough to check by hand.
/// </summary>
/// <remarks>
/// How the tolerances were chosen. The draws come from <see cref="Random"/> with a fixed seed, so every test
/// is deterministic; the bands are set from the sampling distribution of each estimate, measured by running
/// the same generator with seeds 1000…1399 (iid) and 1000…1199 (AR(1)) through <see cref="PosteriorSummary"/>:
///
/// | draws (4 chains)   | target ESS            | ESS / target: mean, sd | MCSE / (sd/√ESS): mean, sd | R̂: mean, max  |
/// |--------------------|-----------------------|------------------------|----------------------------|---------------|
/// | iid, 4 × 1000      | 4000                  | 0.987, 0.039           | 1.007, 0.020               | 1.0003, 1.0022 |
/// | AR(1) φ=0.5, ×5000 | 20000·0.5/1.5 = 6667  | 0.993, 0.039           | 1.004, 0.020               | 1.0004, 1.0017 |
/// | AR(1) φ=0.9, ×5000 | 20000·0.1/1.9 = 1053  | 0.989, 0.084           | 1.009, 0.044               | 1.0037, 1.0111 |
/// | AR(1) φ=0.9, ×1000 | 4000·0.1/1.9 = 211    | 1.015, 0.173           |                            |               |
///
/// Each band is about 3.5–5 sampling sds wide on either side (iid ESS ±15 % ≈ 3.8 sd; iid MCSE ±10 % = 5 sd;
/// φ=0.5 ESS ±20 % = 5 sd, MCSE ±10 % = 5 sd; φ=0.9 ESS ±30 % ≈ 3.6 sd, MCSE ±15 % ≈ 3.4 sd), so a correct
/// implementation passes with any reasonable seed, while each band still excludes the nearest wrong answers:
/// treating correlated draws as independent (ESS = n), forgetting the (1 + φ) factor (ESS = n(1 − φ), +50 % at
/// φ=0.5, +90 % at φ=0.9), or not splitting chains / not pooling them (off by factors of 2 or 4). The
/// counter-example test shows the iid band rejects AR(1) φ=0.9 draws by more than an order of magnitude.
/// R̂ of well-mixed iid chains is within 0.0022 of 1 over 400 seeds (sd 0.0005), far below the 1.01 threshold;
/// one chain shifted by 2 sd gives R̂ ≈ 1.3, far above it. (AR(1) φ=0.9 chains of 5000 reach R̂ 1.011 for some
/// seeds, which is why the "well mixed" test uses iid draws.)
/// </remarks>
public class ClosedFormTests
{
    private const int Chains = 4;

    /// <summary>Box–Muller standard normal from a seeded generator (u1 in (0, 1] so the log is finite).</summary>
    internal static double Normal(Random rng)
    {
        double u1 = 1.0 - rng.NextDouble(), u2 = rng.NextDouble();
        return Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
    }

    /// <summary>Chains of x_t = φ x_{t−1} + e_t, e_t ~ N(0, 1 − φ²), x_0 ~ N(0, 1): stationary with unit variance
    /// from the first draw, so no warm-up is needed. φ = 0 gives iid N(0, 1) draws. Chain-major.</summary>
    internal static double[] Ar1(Random rng, int chains, int iterations, double phi)
    {
        var x = new double[chains * iterations];
        double innovationSd = Math.Sqrt(1 - phi * phi);
        for (int c = 0; c < chains; c++)
        {
            double v = Normal(rng);
            for (int t = 0; t < iterations; t++)
            {
                if (t > 0) v = phi * v + innovationSd * Normal(rng);
                x[c * iterations + t] = v;
            }
        }
        return x;
    }

    private static ParameterSummary SummariseOne(double[] draws, int chains, int iterations, string name = "x") =>
        PosteriorSummary.Summarise(new DrawSet([name], chains, iterations, [draws])).Rows.Single();

    private static void InBand(double expected, double actual, double relative, string what) =>
        Assert.True(Math.Abs(actual / expected - 1) <= relative,
            $"{what}: {actual:F1}, expected {expected:F1} ± {relative:P0} ([{expected * (1 - relative):F1}, {expected * (1 + relative):F1}])");

    // ---- ESS and MCSE of iid draws -------------------------------------------------------------------

    [Fact]
    public void IidNormal_EssIsNearTheNumberOfDraws_AndMcseIsSdOverRootN()
    {
        const int iterations = 1000, n = Chains * iterations;
        var row = SummariseOne(Ar1(new Random(20240601), Chains, iterations, 0), Chains, iterations);

        InBand(n, row.EssBulk, 0.15, "bulk-ESS");
        InBand(n, row.EssBasic, 0.15, "basic ESS");
        InBand(n, row.EssMean, 0.15, "ESS of the mean");
        InBand(row.Sd / Math.Sqrt(n), row.McseMean, 0.10, "MCSE of the mean");
        // The sd of N(0, 1) draws: its own sampling sd is 1/√(2n) ≈ 1.1 %; ±5 % ≈ 4.5 sd.
        InBand(1, row.Sd, 0.05, "sd");
        Assert.False(row.Constant);
    }

    [Fact]
    public void IidBand_RejectsAutocorrelatedDraws()
    {
        // The same shape and band as above, fed AR(1) φ = 0.9 draws: ESS ≈ 4000·0.1/1.9 ≈ 211, so the iid band
        // [3400, 4600] must not contain it — the iid test discriminates.
        const int iterations = 1000, n = Chains * iterations;
        var row = SummariseOne(Ar1(new Random(20240602), Chains, iterations, 0.9), Chains, iterations);

        Assert.True(row.EssBulk < 0.85 * n && row.EssBasic < 0.85 * n, $"ESS {row.EssBulk:F0} / {row.EssBasic:F0} inside the iid band");
        Assert.True(row.EssBasic < n / 10.0, $"basic ESS {row.EssBasic:F0}: expected about 211");
        Assert.True(row.McseMean > 1.10 * row.Sd / Math.Sqrt(n), "MCSE of the mean inside the iid band");
        InBand(n * 0.1 / 1.9, row.EssBasic, 0.6, "basic ESS of AR(1) φ=0.9, 4 × 1000"); // sd 17 %: ±60 % ≈ 3.5 sd
    }

    // ---- ESS of AR(1) chains -------------------------------------------------------------------------

    [Theory]
    [InlineData(0.5, 0.20, 0.10, 7001)]
    [InlineData(0.9, 0.30, 0.15, 7002)]
    public void Ar1_EssIsNTimesOneMinusPhiOverOnePlusPhi(double phi, double essBand, double mcseBand, int seed)
    {
        const int iterations = 5000, n = Chains * iterations;
        var row = SummariseOne(Ar1(new Random(seed), Chains, iterations, phi), Chains, iterations);
        double ess = n * (1 - phi) / (1 + phi); // integrated autocorrelation time (1 + φ)/(1 − φ)

        InBand(ess, row.EssBasic, essBand, $"basic ESS, φ = {phi}");
        InBand(ess, row.EssBulk, essBand, $"bulk-ESS, φ = {phi}"); // rank normalisation changes nothing for Gaussian draws
        // MCSE of the mean ∝ 1/√ESS: half the relative band (as measured, see the remarks).
        InBand(row.Sd / Math.Sqrt(ess), row.McseMean, mcseBand, $"MCSE of the mean, φ = {phi}");
        // Closer to the right answer than to the nearest wrong formula, n(1 − φ) (which is outside the band).
        Assert.True(Math.Abs(row.EssBasic - ess) < Math.Abs(row.EssBasic - n * (1 - phi)),
            $"basic ESS {row.EssBasic:F0} is as close to n(1 − φ) = {n * (1 - phi):F0} as to n(1 − φ)/(1 + φ) = {ess:F0}");
    }

    // ---- R̂ and warnings ------------------------------------------------------------------------------

    [Fact]
    public void WellMixedChains_RhatBelowThreshold_NoWarnings()
    {
        const int iterations = 1000;
        var table = PosteriorSummary.Summarise(new DrawSet(["x"], Chains, iterations, [Ar1(new Random(31), Chains, iterations, 0)]));
        var row = table.Rows.Single();

        Assert.InRange(row.Rhat, 0.99, PosteriorSummary.RhatThreshold);
        Assert.InRange(row.RhatBasic, 0.99, PosteriorSummary.RhatThreshold);
        Assert.Empty(table.Warnings);
    }

    [Fact]
    public void OneChainShiftedByTwoSd_RhatFarAboveThreshold_AndWarned()
    {
        const int iterations = 1000;
        var rng = new Random(32);
        var shifted = Ar1(rng, Chains, iterations, 0);
        for (int i = 3 * iterations; i < 4 * iterations; i++) shifted[i] += 2; // chain 4 sits 2 sd above the rest
        var wellBehaved = Ar1(rng, Chains, iterations, 0);
        var table = PosteriorSummary.Summarise(new DrawSet(["shifted", "well_behaved"], Chains, iterations, [shifted, wellBehaved]));
        var row = table.Rows[0];

        // Expected about √(1 + var(split-chain means)) = √(1 + 6/7) ≈ 1.36 for raw draws; 1.2 is 190 sd of the
        // well-mixed R̂ above 1 and leaves room for rank normalisation shrinking the shift.
        Assert.True(row.Rhat > 1.2, $"R̂ {row.Rhat:F4}");
        Assert.True(row.RhatBasic > 1.2, $"basic R̂ {row.RhatBasic:F4}");
        Assert.True(table.Rows[1].Rhat < PosteriorSummary.RhatThreshold);

        var rhatWarning = Assert.Single(table.Warnings, w => w.Contains("R̂"));
        Assert.Contains("shifted", rhatWarning);
        Assert.DoesNotContain("well_behaved", rhatWarning);
        Assert.Contains(table.Warnings, w => w.Contains("shifted (chain 4)"));
        Assert.DoesNotContain(table.Warnings, w => w.Contains("(chain 1)") || w.Contains("(chain 2)") || w.Contains("(chain 3)"));
    }

    [Fact]
    public void ParameterConstantInEveryChain_IsFlagged_WithNaNDiagnostics()
    {
        const int iterations = 200;
        var constant = Enumerable.Repeat(3.25, Chains * iterations).ToArray();
        var varying = Ar1(new Random(33), Chains, iterations, 0);
        var table = PosteriorSummary.Summarise(new DrawSet(["fixed_effect", "varying"], Chains, iterations, [constant, varying]));
        var row = table.Rows[0];

        Assert.True(row.Constant);
        Assert.Equal(3.25, row.Mean);
        Assert.Equal(3.25, row.Median);
        Assert.Equal(0, row.Sd);
        Assert.True(double.IsNaN(row.Rhat), $"R̂ {row.Rhat}");
        Assert.True(double.IsNaN(row.RhatBasic), $"basic R̂ {row.RhatBasic}");
        Assert.True(double.IsNaN(row.EssBulk), $"bulk-ESS {row.EssBulk}");
        Assert.True(double.IsNaN(row.EssTail), $"tail-ESS {row.EssTail}");
        Assert.True(double.IsNaN(row.EssBasic), $"basic ESS {row.EssBasic}");
        Assert.False(table.Rows[1].Constant);

        var warning = Assert.Single(table.Warnings, w => w.Contains("Constant"));
        Assert.Contains("fixed_effect", warning);
        Assert.DoesNotContain("varying", warning);
        Assert.DoesNotContain(table.Warnings, w => w.Contains("Stuck")); // constant everywhere is not a stuck chain
    }

    [Fact]
    public void OneChainStuck_GivesStuckWarning()
    {
        const int iterations = 500;
        var x = Ar1(new Random(34), Chains, iterations, 0);
        Array.Fill(x, 0.3, iterations, iterations); // chain 2 never moves
        var table = PosteriorSummary.Summarise(new DrawSet(["sigma"], Chains, iterations, [x]));

        Assert.False(table.Rows[0].Constant);
        var stuck = Assert.Single(table.Warnings, w => w.Contains("Stuck"));
        Assert.Contains("sigma (chain 2)", stuck);
        Assert.DoesNotContain("chain 1", stuck);
        Assert.DoesNotContain(table.Warnings, w => w.Contains("Constant"));
    }

    // ---- quantiles and intervals by hand -------------------------------------------------------------

    [Fact]
    public void OneToTen_QuantilesAreRType7()
    {
        // 1..10 shuffled over 2 chains of 5. Type 7: Q(p) = x_(1 + 9p) interpolated, i.e. 1 + 9p here:
        // quantile(1:10, c(.05, .25, .5, .75, .95)) = 1.45, 3.25, 5.5, 7.75, 9.55.
        double[] x = [7, 2, 10, 4, 5, 1, 9, 3, 8, 6];
        var table = PosteriorSummary.Summarise(new DrawSet(["x"], 2, 5, [x]),
            new SummaryOptions { Probabilities = [0.25, 0.5, 0.75], IntervalLevel = 0.9 });
        var row = table.Rows.Single();

        Assert.Equal([0.05, 0.25, 0.5, 0.75, 0.95], row.Quantiles.Select(q => q.Probability));
        Assert.Equal(1.45, row.Q5, 1e-12);
        Assert.Equal(3.25, row.Quantile(0.25), 1e-12);
        Assert.Equal(5.5, row.Quantile(0.5), 1e-12);
        Assert.Equal(7.75, row.Quantile(0.75), 1e-12);
        Assert.Equal(9.55, row.Q95, 1e-12);
        Assert.Equal(5.5, row.Median, 1e-12);
        Assert.Equal(5.5, row.Mean, 1e-12);
        Assert.Equal(Math.Sqrt(55.0 / 6), row.Sd, 1e-12);          // var(1:10) = 55/6
        Assert.Equal(1.4826 * 2.5, row.Mad, 1e-12);                 // |x − 5.5| = .5,.5,1.5,…,4.5,4.5: median 2.5
        Assert.Equal(1.45, row.CentralLower, 1e-12);                // the 90 % central interval is [Q5, Q95]
        Assert.Equal(9.55, row.CentralUpper, 1e-12);
        Assert.Equal(1, row.HdiLower);                              // ⌊0.9·10⌋ + 1 = 10 draws: all of them
        Assert.Equal(10, row.HdiUpper);
    }

    [Fact]
    public void SkewedSample_HdiIsTheShortestInterval_CentralIsQuantiles()
    {
        // Sorted: 0 .1 .2 .3 .4 .5 1 2 4 8. At level 0.5 an interval holds ⌊0.5·10⌋ + 1 = 6 draws; the widths of
        // the five candidate windows are .5, .9, 1.8, 3.7, 7.6, so the HDI is [0, 0.5]. The central 50 % interval
        // is [Q25, Q75] = [x_(3.25), x_(7.75)] = [0.2 + .25·0.1, 1 + .75·1] = [0.225, 1.75].
        double[] x = [2, 0.3, 0, 8, 0.5, 0.1, 4, 0.4, 1, 0.2];
        var row = PosteriorSummary.Summarise(new DrawSet(["skewed"], 2, 5, [x]), new SummaryOptions { IntervalLevel = 0.5 }).Rows.Single();

        Assert.Equal(0, row.HdiLower);
        Assert.Equal(0.5, row.HdiUpper);
        Assert.Equal(0.225, row.CentralLower, 1e-12);
        Assert.Equal(1.75, row.CentralUpper, 1e-12);
        Assert.Equal(0.045, row.Q5, 1e-12);   // x_(1.45)
        Assert.Equal(0.45, row.Median, 1e-12);
        Assert.Equal(6.2, row.Q95, 1e-12);    // x_(9.55) = 4 + .55·4
        Assert.True(row.HdiUpper - row.HdiLower < row.CentralUpper - row.CentralLower);
    }

    [Fact]
    public void Hdi_IsNoWiderThanAnyIntervalHoldingAsManyDraws()
    {
        // Brute force over all pairs (i, j) of a skewed sample: no interval [x_(i), x_(j)] holding at least as
        // many draws as the HDI is narrower, and the HDI holds at least the requested share.
        var rng = new Random(35);
        var sorted = Enumerable.Range(0, 301).Select(_ => Math.Exp(Normal(rng))).Order().ToArray();
        foreach (double level in new[] { 0.5, 0.8, 0.9, 0.95 })
        {
            var (lo, hi) = PosteriorSummary.Hdi(sorted, level);
            int inside = sorted.Count(v => v >= lo && v <= hi);
            Assert.True(inside >= level * sorted.Length, $"level {level}: the HDI holds {inside} of {sorted.Length}");
            for (int i = 0; i < sorted.Length; i++)
                for (int j = i + inside - 1; j < sorted.Length; j++)
                    Assert.True(sorted[j] - sorted[i] >= hi - lo, $"level {level}: [{sorted[i]}, {sorted[j]}] is narrower than the HDI [{lo}, {hi}]");
        }
    }
}
