using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace BayesHlm.Benchmarks;

/// <summary>
/// The median time of a benchmark relative to the same method at the smallest value of an integer
/// parameter. BenchmarkDotNet's own Ratio column compares methods within one parameter value and cannot
/// make a [Params] value the baseline, which is what the scaling benchmark needs.
/// </summary>
internal sealed class RatioToSmallestRowsColumn(string parameter) : IColumn
{
    public string Id => $"{nameof(RatioToSmallestRowsColumn)}.{parameter}";
    public string ColumnName => "Ratio";
    public bool AlwaysShow => true;
    public ColumnCategory Category => ColumnCategory.Baseline;
    public int PriorityInCategory => 0;
    public bool IsNumeric => true;
    public UnitType UnitType => UnitType.Dimensionless;
    public string Legend => $"Median time relative to the same method at the smallest {parameter} (the baseline)";

    public bool IsAvailable(Summary summary) => true;
    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase) =>
        GetValue(summary, benchmarkCase, SummaryStyle.Default);

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
    {
        var baseline = summary.BenchmarksCases
            .Where(b => b.Descriptor.WorkloadMethod == benchmarkCase.Descriptor.WorkloadMethod
                        && b.Job.DisplayInfo == benchmarkCase.Job.DisplayInfo
                        && b.Parameters.Items.Where(x => x.Name != parameter).All(x => Equals(x.Value, benchmarkCase.Parameters[x.Name])))
            .MinBy(b => Convert.ToInt64(b.Parameters[parameter]));
        double? mine = summary[benchmarkCase]?.ResultStatistics?.Median;
        double? theirs = baseline is null ? null : summary[baseline]?.ResultStatistics?.Median;
        if (mine is not double a || theirs is not double b0 || b0 <= 0) return "?";
        return ReferenceEquals(baseline, benchmarkCase) ? "1.00" : (a / b0).ToString("F2", System.Globalization.CultureInfo.InvariantCulture);
    }
}
