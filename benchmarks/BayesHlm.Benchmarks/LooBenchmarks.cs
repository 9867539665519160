using BayesHlm.Diagnostics.Loo;
using BenchmarkDotNet.Attributes;

namespace BayesHlm.Benchmarks;

/// <summary>
/// <see cref="PsisLoo.Compute(PointwiseLogLikelihood)"/> (r_eff included) and <see cref="Waic.Compute"/> of a
/// 4,000 draws × 7,185 observations matrix (HSB's size, 230 MB): the pointwise log-likelihood of a normal model
/// whose mean, log sd and per-observation effects move as AR(1) chains (φ = 0.8, 0.7), so r_eff is about 0.2 and
/// PSIS smooths tails of some 400 draws; one observation in 500 is an outlier. Seeded, built once in the setup.
/// </summary>
[MemoryDiagnoser]
[MedianColumn]
[SimpleJob(warmupCount: 2, iterationCount: 10)]
public class LooBenchmarks
{
    public const int Chains = DiagnosticsBenchmarks.Chains, Iterations = DiagnosticsBenchmarks.Iterations, Observations = 7185;

    private PointwiseLogLikelihood _logLik = null!;

    [GlobalSetup]
    public void Setup()
    {
        var rng = new Random(20250301);
        int s = Chains * Iterations;
        var y = new double[Observations];
        for (int i = 0; i < Observations; i++) y[i] = 1.2 * Normal(rng) + (i % 500 == 0 ? 6 : 0);
        double[] mu = Ar1(rng, 0.8, 0.05), logSd = Ar1(rng, 0.8, 0.05);
        var values = new double[(long)s * Observations];
        for (int i = 0; i < Observations; i++)
        {
            var effect = Ar1(rng, 0.7, 0.3);
            for (int d = 0; d < s; d++)
            {
                double sd = Math.Exp(0.2 + logSd[d]);
                double z = (y[i] - mu[d] - effect[d]) / sd;
                values[(long)i * s + d] = -0.9189385332046727 - Math.Log(sd) - 0.5 * z * z;
            }
        }
        var chainOfDraw = Enumerable.Range(0, s).Select(d => d / Iterations + 1).ToArray();
        _logLik = new PointwiseLogLikelihood(values, s, chainOfDraw, Enumerable.Range(1, Observations).Select(i => $"y{i}").ToArray());
    }

    [Benchmark]
    public LooResult Loo() => PsisLoo.Compute(_logLik);

    [Benchmark]
    public Waic Waic() => BayesHlm.Diagnostics.Loo.Waic.Compute(_logLik);

    /// <summary>Stationary AR(1) chains (4 × 1000) with marginal sd <paramref name="scale"/>, chain after chain.</summary>
    private static double[] Ar1(Random rng, double phi, double scale) =>
        DiagnosticsBenchmarks.Ar1(rng, phi).Select(v => scale * v).ToArray();

    private static double Normal(Random rng) => DiagnosticsBenchmarks.Normal(rng);
}
