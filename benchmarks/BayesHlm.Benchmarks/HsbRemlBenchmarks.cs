using BayesHlm.Data;
using BayesHlm.Estimation;
using BayesHlm.Model;
using BayesHlm.Statistics;
using BenchmarkDotNet.Attributes;

namespace BayesHlm.Benchmarks;

/// <summary>
/// REML fits of the High School and Beyond data (7185 students in 160 schools), data already in memory.
/// <see cref="FitFromData"/> is the number to compare with lme4's 0.16–0.22 s for the same model.
/// </summary>
[MemoryDiagnoser]
[MedianColumn]
[SimpleJob(warmupCount: 3, iterationCount: 15)]
public class HsbRemlBenchmarks
{
    /// <summary>Intercepts and slopes as outcomes (Raudenbush &amp; Bryk, ch. 4).</summary>
    public const string SlopesFormula =
        "mathach ~ meanses * center(ses, school) + sector * center(ses, school) + (1 + center(ses, school) | school)";

    /// <summary>One-way ANOVA with random effects.</summary>
    public const string AnovaFormula = "mathach ~ 1 + (1 | school)";

    private DataTable _data = null!;
    private ModelSpec _slopes = null!;
    private ModelSpec _anova = null!;
    private SufficientStatistics _slopesStats = null!;
    private ProfiledDeviance _deviance = null!;
    private double[] _theta0 = null!;

    [GlobalSetup]
    public void Setup()
    {
        _data = DataTable.ReadCsv(RepoPaths.Data("hsb.csv"));
        _slopes = ModelSpec.FromFormula(SlopesFormula);
        _anova = ModelSpec.FromFormula(AnovaFormula);
        _slopesStats = SufficientStatistics.Build(_slopes, _data);
        _deviance = new ProfiledDeviance(_slopesStats, reml: true);
        _theta0 = _deviance.Map.Initial();
        Check.Converged(Reml.Fit(_slopesStats), SlopesFormula);
        Check.Converged(Reml.Fit(_anova, _data), AnovaFormula);
    }

    /// <summary>Statistics from the rows, then the fit: the whole cost once the data are read.</summary>
    [Benchmark]
    public RemlFit FitFromData() => Reml.Fit(_slopes, _data);

    /// <summary>The fit alone, from statistics built once (independent of the number of rows).</summary>
    [Benchmark]
    public RemlFit FitFromStatistics() => Reml.Fit(_slopesStats);

    /// <summary>One evaluation of the profiled REML criterion at θ₀ (Λ = I): the optimiser's kernel.</summary>
    [Benchmark]
    public double KernelEvaluation() => _deviance.Evaluate(_theta0);

    /// <summary>The one-way ANOVA fit, statistics included.</summary>
    [Benchmark]
    public RemlFit AnovaFitFromData() => Reml.Fit(_anova, _data);
}
