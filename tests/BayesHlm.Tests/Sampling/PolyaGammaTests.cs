using System.Numerics;
using BayesHlm.Sampling;
using BayesHlm.Statistics;
using MathNet.Numerics;
using MathNet.Numerics.Integration;
using Xunit.Abstractions;

namespace BayesHlm.Tests.Sampling;

/// <summary>
/// PG(b, c) draws against the exact distribution: sample mean and variance against the closed forms on a grid of
/// (b, c) that crosses every branch of the sampler, and Kolmogorov–Smirnov tests against the exact CDF (an alternating
/// series for small b, inversion of the characteristic function for large b). Fixed seeds, so deterministic.
/// </summary>
public class PolyaGammaTests(ITestOutputHelper output)
{
    // 0.3: the gamma sum alone; 7.5: seven exact draws and the gamma sum; 20 and up: the saddle point.
    public static TheoryData<double> Shapes => [0.3, 1, 2, 3, 7.5, 12, 20, 50, 150, 300];

    private static readonly double[] Tilts = [0, 0.01, 0.5, 1, 2.5, 5, 10, 30];

    /// <summary>
    /// Sample mean and variance of 100,000 draws within 4.5 standard errors of the exact ones, for every c of the grid.
    /// The variance's standard error uses the exact fourth cumulant: √((κ₄ + 2κ₂²)/n).
    /// </summary>
    [Theory]
    [MemberData(nameof(Shapes))]
    public void Moments_MatchTheExactMeanAndVariance(double b)
    {
        const int n = 100_000;
        var failures = new List<string>();
        foreach (double c in Tilts)
        {
            var rng = new ChainRandom((ulong)(10 * b) * 100_003 + (ulong)(100 * c) + 17);
            double sum = 0, sumSq = 0, shift = PolyaGammaExact.Mean(b, c);
            for (int i = 0; i < n; i++)
            {
                double d = PolyaGamma.Next(rng, b, c) - shift;
                sum += d;
                sumSq += d * d;
            }
            double mean = shift + sum / n, variance = (sumSq - sum * sum / n) / (n - 1);
            double exactMean = PolyaGammaExact.Mean(b, c), exactVariance = PolyaGammaExact.Variance(b, c);
            double kappa4 = PolyaGammaExact.Cumulant(4, b, c);
            double zMean = (mean - exactMean) / Math.Sqrt(exactVariance / n);
            double zVariance = (variance - exactVariance) / Math.Sqrt((kappa4 + 2 * exactVariance * exactVariance) / n);
            output.WriteLine($"b = {b}, c = {c}: mean {mean:G6} (exact {exactMean:G6}, z = {zMean:F2}), variance {variance:G6} (exact {exactVariance:G6}, z = {zVariance:F2})");
            if (Math.Abs(zMean) > 4.5 || Math.Abs(zVariance) > 4.5)
                failures.Add($"c = {c}: z(mean) = {zMean:F2}, z(variance) = {zVariance:F2}");
        }
        Assert.True(failures.Count == 0, string.Join("; ", failures));
    }

    public static TheoryData<double, double> KsCases => new()
    {
        { 1, 0 },      // Devroye, the inverse-χ² left piece
        { 1, 1.3 },    // z = 0.65 < 1/T, tilted
        { 1, 6 },      // z = 3 > 1/T: the inverse-Gaussian left piece
        { 2, 2.5 },    // the sum of two exact draws
        { 0.4, 1.5 },  // the gamma sum alone
        { 7.5, 2 },    // seven exact draws plus the gamma sum
        { 3.3, 20 },   // the gamma sum with more terms (K = 16)
        { 20, 1 },     // saddle point
        { 150, 5 },    // saddle point, large b
    };

    /// <summary>Kolmogorov–Smirnov against the exact CDF, 20,000 draws: p &gt; 0.001.</summary>
    [Theory]
    [MemberData(nameof(KsCases))]
    public void Draws_FollowTheExactDistribution(double b, double c)
    {
        const int n = 20_000;
        var rng = new ChainRandom((ulong)(100 * b + c) + 5);
        var x = new double[n];
        for (int i = 0; i < n; i++) x[i] = PolyaGamma.Next(rng, b, c);
        Array.Sort(x);
        Func<double, double> cdf = b <= 8 ? v => PolyaGammaExact.CdfSeries(b, c, v) : PolyaGammaExact.CdfByInversion(b, c, x[0], x[^1]);
        double d = 0;
        for (int i = 0; i < n; i++)
        {
            double f = cdf(x[i]);
            d = Math.Max(d, Math.Max(f - (double)i / n, (i + 1.0) / n - f));
        }
        double p = KolmogorovP(d, n);
        output.WriteLine($"PG({b}, {c}): D = {d:G4}, p = {p:G4}");
        Assert.True(p > 0.001, $"PG({b}, {c}): Kolmogorov–Smirnov D = {d}, p = {p}");
    }

    /// <summary>The series reference integrates to the known mean: E ω = ∫₀^∞ (1 − F(x)) dx (Simpson, 20,000 steps).</summary>
    [Theory]
    [InlineData(1, 0)]
    [InlineData(1, 2.5)]
    [InlineData(0.4, 1.5)]
    [InlineData(3, 1)]
    [InlineData(7.5, 10)]
    public void SeriesCdf_HasTheKnownMean(double b, double c)
    {
        double mean = PolyaGammaExact.Mean(b, c), upper = mean + 40 * Math.Sqrt(PolyaGammaExact.Variance(b, c));
        const int steps = 20_000;
        double h = upper / steps, integral = 0;
        for (int i = 0; i <= steps; i++)
            integral += (i == 0 || i == steps ? 1 : i % 2 == 1 ? 4 : 2) * (1 - PolyaGammaExact.CdfSeries(b, c, i * h));
        Assert.Equal(mean, integral * h / 3, mean * 1e-8);
    }

    /// <summary>
    /// The inversion reference agrees with the series where both work, and integrates to the known mean (the
    /// trapezoid rule on its own grid, exact for its linear interpolation).
    /// </summary>
    [Theory]
    [InlineData(5, 2)]
    [InlineData(7.5, 10)]
    public void InversionCdf_AgreesWithTheSeries_AndHasTheKnownMean(double b, double c)
    {
        double mean = PolyaGammaExact.Mean(b, c), upper = mean + 15 * Math.Sqrt(PolyaGammaExact.Variance(b, c));
        var inversion = PolyaGammaExact.CdfByInversion(b, c, 0, upper);
        const int steps = 4000;
        double h = upper / steps, integral = 0, largest = 0;
        for (int i = 0; i <= steps; i++)
        {
            double f = inversion(i * h);
            integral += (i == 0 || i == steps ? 0.5 : 1) * (1 - f);
            largest = Math.Max(largest, Math.Abs(f - PolyaGammaExact.CdfSeries(b, c, i * h)));
        }
        Assert.True(largest < 1e-9, $"inversion and series differ by up to {largest}");
        Assert.Equal(mean, integral * h, mean * 1e-4);
    }

    [Fact]
    public void Erfcx_MatchesErfcScaled()
    {
        for (double x = -3; x <= 26; x += 0.03125)
        {
            double exact = Math.Exp(x * x) * SpecialFunctions.Erfc(x);
            Assert.Equal(exact, PolyaGamma.Erfcx(x), Math.Abs(exact) * 1e-13);
        }
        // The asymptotic series 1/(x√π) Σ (−1)ⁿ (2n − 1)!!/(2x²)ⁿ beyond erfc's underflow.
        foreach (double x in new[] { 30.0, 100, 1e4, 1e8 })
        {
            double s = 1 / (2 * x * x), exact = (1 - s * (1 - 3 * s * (1 - 5 * s * (1 - 7 * s * (1 - 9 * s))))) / (x * Math.Sqrt(Math.PI));
            Assert.Equal(exact, PolyaGamma.Erfcx(x), exact * 1e-14);
        }
    }

    /// <summary>The remainder's power sums Σ_{k&gt;K} ((k − ½)² + d)^{−n} against direct summation.</summary>
    [Theory]
    [InlineData(0.0)]
    [InlineData(0.01)]
    [InlineData(1.0)]
    [InlineData(6.0)]
    [InlineData(30.0)]
    [InlineData(200.0)]
    public void RemainderPowerSums_MatchDirectSums(double c)
    {
        int terms = PolyaGamma.FractionalTerms(c);
        double d = c * c / (4 * Math.PI * Math.PI);
        PolyaGamma.RemainderPowerSums(terms, d, out double t1, out double t2, out double t3);
        // Directly to k = 2·10⁶, then for T₁ the integral of the rest, 1/(2·10⁶) (T₂'s and T₃'s are below rounding).
        double s1 = 0, s2 = 0, s3 = 0;
        for (int k = 2_000_000; k > terms; k--)
        {
            double w = 1 / ((k - 0.5) * (k - 0.5) + d);
            s1 += w;
            s2 += w * w;
            s3 += w * w * w;
        }
        s1 += 1 / 2_000_000.0;
        Assert.Equal(s1, t1, s1 * 1e-9);
        Assert.Equal(s2, t2, s2 * 1e-8);
        Assert.Equal(s3, t3, s3 * 1e-6);
    }

    /// <summary>
    /// The saddle-point sampler is exact for the normalised saddle-point density only if its envelope bounds it: log
    /// density minus log envelope ≤ 0 (to rounding) from far left to far right of the mean.
    /// </summary>
    [Theory]
    [InlineData(13.5)]
    [InlineData(40.0)]
    [InlineData(1000.0)]
    [InlineData(1e6)]
    public void SaddlePointEnvelope_BoundsTheDensity(double h)
    {
        foreach (double c in new[] { 0.0, 0.003, 0.5, 2, 5, 13, 30, 60 })
        {
            var envelope = new PolyaGamma.SaddlePointEnvelope(h, c);
            for (int i = 1; i <= 3000; i++)
            {
                double x = envelope.Mean * i / 300.0;
                double excess = envelope.LogSaddlePoint(x) - envelope.LogEnvelope(x);
                Assert.True(excess < 1e-9 * Math.Max(1, h), $"h = {h}, c = {c}, x = {x}: log sp − log envelope = {excess}");
            }
            Assert.InRange(envelope.PLeft, 0, 1);
        }
    }

    /// <summary>
    /// The saddle-point equation tan √v/√v = x (tanh for v &lt; 0) is solved from any start: v is within 1e-12 (relative)
    /// of the root, judged by the residual over the slope, since near the pole (large x) y is too steep for its own
    /// residual to be small.
    /// </summary>
    [Fact]
    public void SaddlePointEquation_IsSolvedFromAnyStart()
    {
        foreach (double x in new[] { 1e-4, 0.01, 0.2, 0.299, 0.3, 0.7, 0.999, 0.9999999, 1, 1.0000001, 1.001, 1.5, 4, 50, 1e3 })
            foreach (double start in new[] { double.NaN, -1e4, -20, -1, -1e-6, 0, 1e-6, 1, 2.4, 2.467 })
            {
                double v = PolyaGamma.SolveTanOverRoot(x, start), r = Math.Sqrt(Math.Abs(v));
                double y = v == 0 ? 1 : (v > 0 ? Math.Tan(r) : Math.Tanh(r)) / r;
                double slope = Math.Abs(v) < 1e-3 ? 1.0 / 3 : 0.5 * (y * y + (1 - y) / v);
                Assert.True(v < Math.PI * Math.PI / 4, $"x = {x}, start {start}: v = {v}");
                Assert.True(Math.Abs(y - x) / slope <= 1e-12 * Math.Max(1, Math.Abs(v)), $"x = {x}, start {start}: v = {v} gives {y}");
            }
    }

    [Fact]
    public void ExtremeArguments_GiveFiniteDrawsNearTheMean()
    {
        var rng = new ChainRandom(99);
        foreach (var (b, c) in new[] { (1.0, 500.0), (1.0, -3.0), (0.001, 0.0), (0.5, 400.0), (12.0, 1e4), (1e6, 1.0), (1e6, 100.0), (13.0000001, 0.0) })
        {
            double sum = 0;
            const int n = 2000;
            for (int i = 0; i < n; i++)
            {
                double w = PolyaGamma.Next(rng, b, c);
                Assert.True(double.IsFinite(w) && w >= 0, $"PG({b}, {c}) gave {w}");
                sum += w;
            }
            double mean = PolyaGammaExact.Mean(b, c), se = Math.Sqrt(PolyaGammaExact.Variance(b, c) / n);
            Assert.InRange(sum / n, mean - 5 * se, mean + 5 * se);
        }
    }

    [Theory]
    [InlineData(0.0, 1.0)]
    [InlineData(-1.0, 1.0)]
    [InlineData(double.NaN, 1.0)]
    [InlineData(double.PositiveInfinity, 1.0)]
    [InlineData(1.0, double.NaN)]
    [InlineData(1.0, double.PositiveInfinity)]
    public void InvalidArguments_AreRefused(double b, double c) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => PolyaGamma.Next(new ChainRandom(1), b, c));

    /// <summary>Asymptotic Kolmogorov p-value with Stephens' (1970) small-sample correction.</summary>
    private static double KolmogorovP(double d, int n)
    {
        double lambda = (Math.Sqrt(n) + 0.12 + 0.11 / Math.Sqrt(n)) * d;
        if (lambda < 0.2) return 1;
        double p = 0;
        for (int k = 1; k <= 100; k++) p += 2 * ((k & 1) == 1 ? 1 : -1) * Math.Exp(-2 * k * k * lambda * lambda);
        return Math.Clamp(p, 0, 1);
    }
}

/// <summary>The exact PG(b, c) distribution, written independently of the sampler.</summary>
internal static class PolyaGammaExact
{
    public static double Mean(double b, double c) => c == 0 ? b / 4 : b * Math.Tanh(c / 2) / (2 * c);

    /// <summary>
    /// b(sinh c − c)/(4c³ cosh²(c/2)); near 0 its series 1/24 − c²/120 + 17c⁴/6720 per unit b, and past c = 50 the same
    /// as b(tanh(c/2) − c/(1 + cosh c))/(2c³), which does not overflow.
    /// </summary>
    public static double Variance(double b, double c)
    {
        if (c < 1e-3) return b * (1.0 / 24 - c * c / 120 + 17 * Math.Pow(c, 4) / 6720);
        if (c > 50) return b * (Math.Tanh(c / 2) - c / (1 + Math.Cosh(c))) / (2 * c * c * c);
        double ch = Math.Cosh(c / 2);
        return b * (Math.Sinh(c) - c) / (4 * c * c * c * ch * ch);
    }

    /// <summary>κₙ = (n − 1)! b (2π²)⁻ⁿ Σₖ ((k − ½)² + c²/4π²)⁻ⁿ, n ≥ 2, summed to 10⁴ terms plus the integral of the rest.</summary>
    public static double Cumulant(int order, double b, double c)
    {
        double d = c * c / (4 * Math.PI * Math.PI), sum = 0;
        const int terms = 10_000;
        for (int k = terms; k >= 1; k--) sum += Math.Pow((k - 0.5) * (k - 0.5) + d, -order);
        sum += Math.Pow(terms, 1 - 2 * order) / (2 * order - 1);
        return SpecialFunctions.Factorial(order - 1) * b * Math.Pow(2 * Math.PI * Math.PI, -order) * sum;
    }

    /// <summary>
    /// F(x) from the density cosh^b(c/2) e^{−c²x/2} 2^{b−1}/Γ(b) Σₙ (−1)ⁿ Γ(n+b)/Γ(n+1) (2n+b)/√(2πx³) e^{−(2n+b)²/(8x)},
    /// integrated term by term: with a = n + b/2, ∫₀ˣ a(2πy³)^{−1/2} e^{−a²/(2y) − c²y/2} dy = e^{−ac} Φ(c√x − a/√x)
    /// + e^{ac} Φ(−c√x − a/√x) (an inverse-Gaussian CDF). Terms are summed in logs until they are negligible; the
    /// alternating sum cancels more as b grows (Γ(n+b)/Γ(n+1) ~ n^{b−1}), so this is for b ≤ 8.
    /// </summary>
    public static double CdfSeries(double b, double c, double x)
    {
        if (x <= 0) return 0;
        double rootX = Math.Sqrt(x), front = b * (LogCosh(c / 2) + Math.Log(2)) - SpecialFunctions.GammaLn(b);
        double sum = 0, previous = double.PositiveInfinity;
        for (int n = 0; n < 100_000; n++)
        {
            double a = n + b / 2;
            double u1 = c * rootX - a / rootX, u2 = c * rootX + a / rootX;
            double log1 = -a * c + LogPhi(u1), log2 = a * c + LogPhi(-u2);
            double hi = Math.Max(log1, log2);
            double logIntegral = hi + Math.Log(Math.Exp(log1 - hi) + Math.Exp(log2 - hi));
            double term = Math.Exp(front + SpecialFunctions.GammaLn(n + b) - SpecialFunctions.GammaLn(n + 1) + logIntegral);
            sum += (n & 1) == 0 ? term : -term;
            if (term < 1e-17 && term < previous) break;
            previous = term;
        }
        return Math.Clamp(sum, 0, 1);
    }

    /// <summary>
    /// F on [lo, hi] by Gil-Pelaez inversion, F(x) = ½ − (1/π) ∫₀^∞ Im(e^{−isx} φ(s))/s ds, of the characteristic
    /// function φ(s) = [cosh(c/2)/cosh √(c²/4 − is/2)]^b, evaluated on a fine grid and interpolated linearly. log cosh w
    /// = w − log 2 + log(1 + e^{−2w}) with Re w ≥ 0 follows the continuous branch, so non-whole b is fine. Gauss–Legendre
    /// panels of half a period of e^{−isx} at the largest x, out to where |φ| &lt; 1e-17.
    /// </summary>
    public static Func<double, double> CdfByInversion(double b, double c, double lo, double hi)
    {
        double logCoshHalfC = LogCosh(c / 2);
        Complex LogCf(double s)
        {
            var w = Complex.Sqrt(new Complex(c * c / 4, -s / 2));
            return b * (logCoshHalfC - (w - Math.Log(2) + Complex.Log(1 + Complex.Exp(-2 * w))));
        }
        double limit = 1;
        while (LogCf(limit).Real > -40 || LogCf(2 * limit).Real > -40) limit *= 2;
        double panel = Math.Min(Math.PI / hi, limit / 64);
        int panels = (int)Math.Ceiling(limit / panel);
        var rule = new GaussLegendreRule(-1, 1, 16);
        int count = panels * 16;
        var s = new double[count];
        var weighted = new Complex[count];
        for (int p = 0, j = 0; p < panels; p++)
            for (int q = 0; q < 16; q++, j++)
            {
                s[j] = (p + 0.5 + 0.5 * rule.Abscissas[q]) * panel;
                weighted[j] = Complex.Exp(LogCf(s[j])) * (0.5 * panel * rule.Weights[q] / s[j]);
            }
        const int gridSize = 4001;
        var grid = new double[gridSize];
        double step = (hi - lo) / (gridSize - 1);
        for (int g = 0; g < gridSize; g++)
        {
            double x = lo + g * step, integral = 0;
            for (int j = 0; j < count; j++)
            {
                var (sin, cos) = Math.SinCos(s[j] * x);
                integral += weighted[j].Imaginary * cos - weighted[j].Real * sin;
            }
            grid[g] = Math.Clamp(0.5 - integral / Math.PI, 0, 1);
        }
        return x =>
        {
            double position = Math.Clamp((x - lo) / step, 0, gridSize - 1);
            int g = Math.Min((int)position, gridSize - 2);
            return grid[g] + (position - g) * (grid[g + 1] - grid[g]);
        };
    }

    private static double LogCosh(double r) => r + Math.Log(1 + Math.Exp(-2 * r)) - Math.Log(2);

    /// <summary>log Φ(u): through log erfc in the lower tail, with erfc's asymptotic series once erfc underflows.</summary>
    private static double LogPhi(double u)
    {
        if (u >= 0) return Math.Log(1 - 0.5 * SpecialFunctions.Erfc(u / Math.Sqrt(2)));
        double y = -u / Math.Sqrt(2);
        if (y < 25) return Math.Log(0.5 * SpecialFunctions.Erfc(y));
        double s = 1 / (y * y);
        return -y * y - Math.Log(2 * y * Math.Sqrt(Math.PI)) + Math.Log(1 - s / 2 + 0.75 * s * s - 1.875 * s * s * s);
    }
}
