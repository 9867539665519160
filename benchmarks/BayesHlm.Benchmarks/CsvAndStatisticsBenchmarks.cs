using BayesHlm.Data;
using BayesHlm.Model;
using BayesHlm.Statistics;
using BenchmarkDotNet.Attributes;

namespace BayesHlm.Benchmarks;

/// <summary>
/// Reading a 10^6-row, 10-column numeric CSV (1000 groups), and reading it then building the per-group
/// sufficient statistics — the only stages whose cost grows with the number of rows.
/// Each invocation takes about a second, hence few iterations.
/// </summary>
[MemoryDiagnoser]
[MedianColumn]
[SimpleJob(launchCount: 1, warmupCount: 1, iterationCount: 5)]
public class CsvAndStatisticsBenchmarks
{
    private string _path = null!;
    private ModelSpec _spec = null!;

    [GlobalSetup]
    public void Setup()
    {
        _path = LargeCsv.Write();
        _spec = ModelSpec.FromFormula(LargeCsv.Formula);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        if (_path is not null && File.Exists(_path)) File.Delete(_path);
    }

    [Benchmark]
    public DataTable ReadCsv() => DataTable.ReadCsv(_path);

    [Benchmark]
    public SufficientStatistics ReadCsvAndBuildStatistics() =>
        SufficientStatistics.Build(_spec, DataTable.ReadCsv(_path));
}
