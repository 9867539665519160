using BayesHlm.Data;
using BayesHlm.Estimation.Glmm;
using BayesHlm.Model;
using BenchmarkDotNet.Attributes;

namespace BayesHlm.Benchmarks;

/// <summary>
/// Binomial and Poisson ML fits of the bundled data, as glmer makes them (the cases of ../shared/reference/glmm): the whole
/// fit from the data table (statistics, Newton over θ and β, Hessian SEs, conditional modes). glmer's times for the same
/// fits on this machine come from tests/BayesHlm.Tests/Reference/glmer/glmer_tight.R (median of 7, default settings).
/// </summary>
[MedianColumn]
[SimpleJob(launchCount: 1, warmupCount: 2, iterationCount: 9)]
public class GlmmFitBenchmarks
{
    [Params("bernoulli_sim_slopes", "bernoulli_sim_agq", "cbpp_binomial", "cbpp_binomial_agq", "poisson_sim_offset", "poisson_sim_agq")]
    public string Case = "bernoulli_sim_slopes";

    private ModelSpec _spec = null!;
    private DataTable _data = null!;
    private GlmmOptions _options = null!;

    [GlobalSetup]
    public void Setup()
    {
        (string file, string formula, Family family, string? trials, int points) = Case switch
        {
            "bernoulli_sim_slopes" => ("bernoulli_sim.csv", "pass ~ x + z + (1 + x | school)", Family.Bernoulli, (string?)null, 1),
            "bernoulli_sim_agq" => ("bernoulli_sim.csv", "pass ~ x + z + (1 | school)", Family.Bernoulli, null, 20),
            "cbpp_binomial" => ("cbpp.csv", "incidence ~ factor(period) + (1 | herd)", Family.Binomial, "size", 1),
            "cbpp_binomial_agq" => ("cbpp.csv", "incidence ~ factor(period) + (1 | herd)", Family.Binomial, "size", 20),
            "poisson_sim_offset" => ("poisson_sim.csv", "events ~ w + offset(log(exposure)) + (1 | clinic)", Family.Poisson, null, 1),
            _ => ("poisson_sim.csv", "events ~ w + offset(log(exposure)) + (1 | clinic)", Family.Poisson, null, 20),
        };
        _spec = ModelSpec.FromFormula(formula).WithFamily(family, trials);
        _data = DataTable.ReadCsv(RepoPaths.Data(file), _spec.LabelColumns);
        _options = new GlmmOptions { QuadraturePoints = points };
    }

    [Benchmark]
    public double Fit() => GeneralizedFit.Fit(_spec, _data, _options).Fit.Minus2LogLikelihood;
}
