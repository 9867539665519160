using BayesHlm.Statistics;
using MathNet.Numerics.Distributions;

namespace BayesHlm.Tests.Statistics;

/// <summary>The chain's random stream: the ziggurat's normals have the normal distribution (Kolmogorov–Smirnov over
/// 10⁶ draws, tail frequencies beyond the ziggurat's base, moments), uniforms are uniform, and a seed fixes the stream.</summary>
public class ChainRandomTests
{
    [Fact]
    public void Normals_AreStandardNormal_IncludingTheTail()
    {
        var rng = new ChainRandom(123);
        const int n = 1_000_000;
        var x = new double[n];
        for (int i = 0; i < n; i++) x[i] = rng.NextNormal();
        Array.Sort(x);
        double d = 0;
        for (int i = 0; i < n; i++)
        {
            double cdf = Normal.CDF(0, 1, x[i]);
            d = Math.Max(d, Math.Max(cdf - (double)i / n, (i + 1.0) / n - cdf));
        }
        Assert.True(d < 1.95 / Math.Sqrt(n), $"KS distance {d}"); // 1.95/√n: the 0.1% critical value
        double mean = x.Average(), var = x.Sum(v => (v - mean) * (v - mean)) / (n - 1);
        double kurt = x.Sum(v => Math.Pow(v - mean, 4)) / n / (var * var);
        Assert.InRange(mean, -0.004, 0.004);   // ±4 sd of the mean
        Assert.InRange(var, 0.994, 1.006);     // sd of the variance √(2/n) = 0.0014
        Assert.InRange(kurt, 2.98, 3.02);
        // Beyond the base layer's edge R = 3.654 the tail algorithm takes over: P(|Z| > 3.654) = 2.58e-4.
        double beyond = x.Count(v => Math.Abs(v) > 3.6541528853610088) / (double)n;
        Assert.InRange(beyond, 2.58e-4 - 4 * Math.Sqrt(2.58e-4 / n), 2.58e-4 + 4 * Math.Sqrt(2.58e-4 / n));
        double far = x.Count(v => Math.Abs(v) > 4.5) / (double)n; // P = 6.8e-6
        Assert.InRange(far, 0, 2.2e-5);
    }

    [Fact]
    public void Uniforms_AreUniform_AndTheSeedFixesTheStream()
    {
        var a = new ChainRandom(7);
        var b = new ChainRandom(7);
        var c = new ChainRandom(8);
        var counts = new int[10];
        bool same = true, differ = false;
        for (int i = 0; i < 100_000; i++)
        {
            double u = a.NextDouble();
            same &= u == b.NextDouble();
            differ |= u != c.NextDouble();
            Assert.InRange(u, 0, 1 - 1e-17);
            counts[(int)(u * 10)]++;
        }
        Assert.True(same);
        Assert.True(differ);
        double chi2 = counts.Sum(k => (k - 10_000.0) * (k - 10_000.0) / 10_000.0);
        Assert.True(chi2 < 27.9, $"χ² = {chi2} (9 df, 0.1% critical value 27.9)");
    }
}
