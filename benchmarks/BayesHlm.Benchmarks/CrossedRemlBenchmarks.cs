using BayesHlm.Data;
using BayesHlm.Estimation;
using BayesHlm.Model;
using BayesHlm.Statistics;
using BenchmarkDotNet.Attributes;

namespace BayesHlm.Benchmarks;

/// <summary>
/// REML of crossed random effects on lme4's InstEval (73,421 ratings of 1,128 lecturers by 2,972 students), data in memory.
/// <see cref="FitFromStatistics"/> is the number to compare with lme4's 54 s for <c>y ~ service + (1 | s) + (1 | d)</c>;
/// <see cref="KernelEvaluation"/> is one evaluation of the criterion (the students eliminated group by group, the
/// lecturers' 1,128 effects with X and y factorised as one dense block).
/// </summary>
[MemoryDiagnoser]
[MedianColumn]
[SimpleJob(warmupCount: 1, iterationCount: 5)]
public class CrossedRemlBenchmarks
{
    public const string Formula = "y ~ service + (1 | s) + (1 | d)";

    private DataTable _data = null!;
    private ModelSpec _spec = null!;
    private SufficientStatistics _stats = null!;
    private ProfiledDeviance _deviance = null!;
    private double[] _theta = null!;

    [GlobalSetup]
    public void Setup()
    {
        _data = DataTable.ReadCsv(RepoPaths.Data("insteval.csv"));
        _spec = ModelSpec.FromFormula(Formula);
        _stats = SufficientStatistics.Build(_spec, _data);
        _deviance = new ProfiledDeviance(_stats, reml: true);
        _theta = [0.276, 0.4425]; // near the optimum
        Check.Converged(Reml.Fit(_stats), Formula);
    }

    /// <summary>Statistics from the rows, then the fit with everything it reports.</summary>
    [Benchmark]
    public RemlFit FitFromData() => Reml.Fit(_spec, _data);

    /// <summary>The fit alone, from statistics built once.</summary>
    [Benchmark]
    public RemlFit FitFromStatistics() => Reml.Fit(_stats);

    /// <summary>One evaluation of the profiled REML criterion.</summary>
    [Benchmark]
    public double KernelEvaluation() => _deviance.Evaluate(_theta);
}
