using System.Text.RegularExpressions;
using BayesHlm.Tests.Data.Sources;

namespace BayesHlm.Tests.Cli;

/// <summary><c>bayeshlm stats-sql</c> prints a query DuckDB runs; its result saved as CSV by DuckDB (COPY … TO, as
/// <c>duckdb -csv</c> would) is read by <c>reml --stats</c>, whose fit is the fit from the rows; <c>reml --data duckdb:</c>
/// fits from the pushed-down statistics with the same output as from the CSV file.</summary>
public sealed class StatsSqlCommandTests : IDisposable
{
    private const string Formula = "mathach ~ meanses * center(ses, school) + sector + (1 + center(ses, school) | school)";
    private readonly TestFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private static string Sql(string s) => s.Replace("'", "''");

    private string HsbDuckDb()
    {
        string db = _folder.PathOf("hsb.duckdb");
        ParquetSourceTests.DuckDb(db, $"CREATE TABLE hsb AS SELECT * FROM read_csv('{Sql(RepositoryPaths.Data("hsb.csv"))}')");
        return db;
    }

    /// <summary>The fit's tables without the timing line.</summary>
    private static string Tables(string output) =>
        string.Join('\n', output.Split('\n').Where(l => !l.StartsWith("Data", StringComparison.Ordinal)).Select(l => Regex.Replace(l, @"\d+(\.\d+)? s\b", "… s")));

    [Theory]
    [InlineData("duckdb", false)]
    [InlineData("ansi", false)]
    [InlineData("duckdb", true)]
    public void Query_result_saved_by_duckdb_fits_as_the_rows(string dialect, bool window)
    {
        string db = HsbDuckDb();
        var args = new List<string> { "stats-sql", "--formula", Formula, "--table", "hsb", "--dialect", dialect };
        if (window) args.Add("--window");
        var q = CliRunner.Run([.. args]);
        Assert.Equal(0, q.ExitCode);
        Assert.All(q.StdOut.Split('\n'), line => Assert.True(line.TrimEnd('\r').Length <= 80, line));
        string stats = _folder.PathOf($"stats-{dialect}-{window}.csv");
        ParquetSourceTests.DuckDb(db, $"COPY ({q.StdOut.Trim().TrimEnd(';')}) TO '{Sql(stats)}' (HEADER, DELIMITER ',')");
        Assert.StartsWith("row_type,school,n,shift:mathach", File.ReadAllLines(stats)[0]);

        var fromStats = CliRunner.Run("reml", "--stats", stats, "--formula", Formula);
        var fromRows = CliRunner.Run("reml", "--data", RepositoryPaths.Data("hsb.csv"), "--formula", Formula);
        Assert.True(fromStats.ExitCode == 0, fromStats.StdErr);
        Assert.Equal(Tables(fromRows.StdOut), Tables(fromStats.StdOut));
    }

    [Fact]
    public void Reml_on_duckdb_pushes_down_and_prints_the_csv_fit()
    {
        string db = HsbDuckDb();
        var pushed = CliRunner.Run("reml", "--data", "duckdb:" + db, "--table", "hsb", "--formula", Formula);
        var rows = CliRunner.Run("reml", "--data", RepositoryPaths.Data("hsb.csv"), "--formula", Formula);
        Assert.True(pushed.ExitCode == 0, pushed.StdErr);
        Assert.Equal(Tables(rows.StdOut), Tables(pushed.StdOut));
    }

    [Fact]
    public void Another_models_query_result_is_refused()
    {
        string db = HsbDuckDb();
        var q = CliRunner.Run("stats-sql", "--formula", "mathach ~ ses + (1 | school)", "--table", "hsb", "--dialect", "duckdb");
        string stats = _folder.PathOf("other.csv");
        ParquetSourceTests.DuckDb(db, $"COPY ({q.StdOut.Trim().TrimEnd(';')}) TO '{Sql(stats)}' (HEADER)");
        var r = CliRunner.Run("reml", "--stats", stats, "--formula", Formula);
        Assert.NotEqual(0, r.ExitCode);
        Assert.Contains("another model", r.StdErr);
    }

    [Fact]
    public void Factors_make_a_text_column_a_key_and_spark_quotes_with_backquotes()
    {
        var r = CliRunner.Run("stats-sql", "--formula", "y ~ region + x + (1 | g)", "--table", "db.obs", "--dialect", "spark", "--factors", "region");
        Assert.Equal(0, r.ExitCode);
        Assert.Contains("`region` AS STRING", r.StdOut);
        Assert.Contains("AS `shift:x`", r.StdOut);
        Assert.Contains("FROM db.obs", r.StdOut);
        Assert.DoesNotContain("`shift:region`", r.StdOut);
        var glmm = CliRunner.Run("stats-sql", "--formula", "y ~ poly(x, 2) + (1 | g)", "--table", "obs");
        Assert.NotEqual(0, glmm.ExitCode);
        Assert.Contains("poly", glmm.StdErr);
    }
}
