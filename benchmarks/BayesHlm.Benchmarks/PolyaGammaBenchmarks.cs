using BayesHlm.Sampling;
using BayesHlm.Statistics;
using BenchmarkDotNet.Attributes;

namespace BayesHlm.Benchmarks;

/// <summary>
/// ω ~ PG(b, c) from <see cref="PolyaGamma.Next"/>, the per-observation draw of a Pólya-Gamma Gibbs sweep: b = 1 (a
/// Bernoulli observation; Devroye's exact method) at three c = |linear predictor|, and the saddle-point sampler at
/// b = 20 and 200 (binomial counts). Each invocation makes <see cref="Draws"/> draws from the chain's own stream
/// (xoshiro256** with ziggurat normals), so the times are per draw. Must allocate nothing.
/// </summary>
[MemoryDiagnoser]
[MedianColumn]
[SimpleJob(warmupCount: 3, iterationCount: 15)]
public class PolyaGammaBenchmarks
{
    public const int Draws = 1000;

    private readonly ChainRandom _rng = new(20261201);

    [Benchmark(OperationsPerInvoke = Draws)]
    [Arguments(1.0, 0.5)]
    [Arguments(1.0, 2.0)]
    [Arguments(1.0, 10.0)]
    [Arguments(20.0, 1.0)]
    [Arguments(200.0, 1.0)]
    public double Draw(double b, double c)
    {
        double sum = 0;
        for (int i = 0; i < Draws; i++) sum += PolyaGamma.Next(_rng, b, c);
        return sum;
    }
}
