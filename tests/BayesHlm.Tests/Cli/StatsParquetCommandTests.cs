using System.Text.RegularExpressions;
using BayesHlm.Data;
using BayesHlm.Data.Sources;

namespace BayesHlm.Tests.Cli;

/// <summary>Parquet end to end through the command: <c>reml --data FILE.parquet</c> (streamed a row group at a time),
/// <c>stats --data FILE.parquet --out S.parquet</c>, <c>stats-merge</c> of Parquet shards and <c>reml --stats</c> of the
/// result all print the fit of the CSV file's rows.</summary>
public sealed class StatsParquetCommandTests : IDisposable
{
    private const string Formula = "mathach ~ meanses * center(ses, school) + sector + (1 + center(ses, school) | school)";
    private readonly TestFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    /// <summary>The fit's tables without the data and timing lines.</summary>
    private static string Tables(string output) =>
        string.Join('\n', output.Split('\n').Where(l => !l.StartsWith("Data", StringComparison.Ordinal) && !l.TrimStart().StartsWith("REML fit", StringComparison.Ordinal)));

    /// <summary>A file large enough to be streamed by <c>reml --data</c> (HSB 25 times over, 8.7 MB): its fit is the fit
    /// of the statistics <c>bayeshlm stats</c> writes from the same rows as Parquet.</summary>
    [Fact]
    public void Large_csv_streamed_by_reml_fits_as_its_parquet_statistics()
    {
        string csv = ReplicatedHsb.Write(_folder.PathOf("hsb25.csv"), 25);
        Assert.True(new FileInfo(csv).Length >= BayesHlm.Statistics.SufficientStatistics.StreamFromBytes);
        string parquet = _folder.PathOf("hsb25.parquet"), stats = _folder.PathOf("hsb25.stats.parquet");
        ParquetTableWriter.Write(DataTable.ReadCsv(csv), parquet, rowGroupSize: 4096);
        var streamed = CliRunner.Run("reml", "--data", csv, "--formula", Formula);
        Assert.True(streamed.ExitCode == 0, streamed.StdErr);
        Assert.Contains("179625 rows used of 179625 read; 4000 groups of school", streamed.StdOut);
        var written = CliRunner.Run("stats", "--data", parquet, "--formula", Formula, "--out", stats);
        Assert.True(written.ExitCode == 0, written.StdErr);
        var fromStats = CliRunner.Run("reml", "--stats", stats, "--formula", Formula);
        Assert.Equal(Tables(streamed.StdOut), Tables(fromStats.StdOut));
    }

    [Fact]
    public void Parquet_data_stats_and_merged_shards_print_the_csv_fit()
    {
        string csv = RepositoryPaths.Data("hsb.csv");
        var rows = CliRunner.Run("reml", "--data", csv, "--formula", Formula);
        Assert.True(rows.ExitCode == 0, rows.StdErr);

        string parquet = _folder.PathOf("hsb.parquet");
        ParquetTableWriter.Write(DataTable.ReadCsv(csv), parquet, rowGroupSize: 700);
        var direct = CliRunner.Run("reml", "--data", parquet, "--formula", Formula);
        Assert.True(direct.ExitCode == 0, direct.StdErr);
        Assert.Equal(Tables(rows.StdOut), Tables(direct.StdOut));

        string stats = _folder.PathOf("hsb.stats.parquet");
        var written = CliRunner.Run("stats", "--data", parquet, "--formula", Formula, "--out", stats);
        Assert.True(written.ExitCode == 0, written.StdErr);
        Assert.Contains("7185 rows used of 7185 read; 160 cells written", written.StdOut);
        var fromStats = CliRunner.Run("reml", "--stats", stats, "--formula", Formula);
        Assert.True(fromStats.ExitCode == 0, fromStats.StdErr);
        Assert.Equal(Tables(rows.StdOut), Tables(fromStats.StdOut));

        // Three shards by row position (schools split between them), two as Parquet, one as CSV.
        var table = DataTable.ReadCsv(csv);
        int n = table.RowCount;
        int[] cuts = [0, n / 3 + 11, 2 * n / 3 + 3, n];
        var shards = new List<string>();
        for (int s = 0; s < 3; s++)
        {
            var keep = Enumerable.Range(0, n).Select(i => i >= cuts[s] && i < cuts[s + 1]).ToArray();
            string shard = _folder.PathOf($"shard{s}.parquet");
            ParquetTableWriter.Write(table.Subset(keep), shard, rowGroupSize: 1000);
            string shardStats = _folder.PathOf(s == 1 ? $"s{s}.csv" : $"s{s}.parquet");
            var r = CliRunner.Run("stats", "--data", shard, "--formula", Formula, "--out", shardStats);
            Assert.True(r.ExitCode == 0, r.StdErr);
            shards.Add(shardStats);
        }
        string all = _folder.PathOf("all.parquet");
        var merged = CliRunner.Run(["stats-merge", .. shards, "--out", all]);
        Assert.True(merged.ExitCode == 0, merged.StdErr);
        var fromShards = CliRunner.Run("reml", "--stats", all, "--formula", Formula);
        Assert.True(fromShards.ExitCode == 0, fromShards.StdErr);
        Assert.Equal(Tables(rows.StdOut), Tables(fromShards.StdOut));
    }
}
