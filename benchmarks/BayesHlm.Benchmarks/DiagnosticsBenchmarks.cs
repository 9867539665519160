using BayesHlm.Diagnostics;
using BenchmarkDotNet.Attributes;

namespace BayesHlm.Benchmarks;

/// <summary>
/// <see cref="PosteriorSummary.Summarise"/> of 1000 parameters × 4 chains × 1000 draws (4·10^6 draws, 32 MB):
/// every summary, R̂ and ESS of a large hierarchical model's output. Half the parameters are iid N(0, 1) draws,
/// half AR(1) chains with φ = 0.9 (autocorrelation as in a slowly mixing sampler, whose Geyer sequences run to
/// tens of lags and so take the FFT path of the autocovariance). Seeded, built once in the setup.
/// </summary>
[MemoryDiagnoser]
[MedianColumn]
[SimpleJob(warmupCount: 2, iterationCount: 10)]
public class DiagnosticsBenchmarks
{
    public const int Parameters = 1000, Chains = 4, Iterations = 1000;

    private DrawSet _draws = null!;

    [GlobalSetup]
    public void Setup()
    {
        var rng = new Random(20240601);
        var names = new string[Parameters];
        var draws = new double[Parameters][];
        for (int p = 0; p < Parameters; p++)
        {
            double phi = p % 2 == 0 ? 0 : 0.9;
            names[p] = phi == 0 ? $"iid[{p + 1}]" : $"ar1[{p + 1}]";
            draws[p] = Ar1(rng, phi);
        }
        _draws = new DrawSet(names, Chains, Iterations, draws);
    }

    [Benchmark]
    public DiagnosticsTable Summarise() => PosteriorSummary.Summarise(_draws);

    /// <summary>x_t = φ x_{t−1} + e_t, e_t ~ N(0, 1 − φ²), each chain started from the stationary N(0, 1).</summary>
    internal static double[] Ar1(Random rng, double phi)
    {
        var x = new double[Chains * Iterations];
        double innovationSd = Math.Sqrt(1 - phi * phi);
        for (int c = 0; c < Chains; c++)
        {
            double v = Normal(rng);
            for (int t = 0; t < Iterations; t++)
            {
                if (t > 0) v = phi * v + innovationSd * Normal(rng);
                x[c * Iterations + t] = v;
            }
        }
        return x;
    }

    /// <summary>Box–Muller.</summary>
    internal static double Normal(Random rng)
    {
        double u1 = 1.0 - rng.NextDouble(), u2 = rng.NextDouble();
        return Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
    }
}
