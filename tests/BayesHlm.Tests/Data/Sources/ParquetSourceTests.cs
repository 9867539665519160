using BayesHlm.Data;
using BayesHlm.Data.Sources;
using BayesHlm.Estimation;
using BayesHlm.Model;
using BayesHlm.Statistics;
using DuckDB.NET.Data;

namespace BayesHlm.Tests.Data.Sources;

/// <summary>Parquet files — written by this library's writer and, independently, by DuckDB's COPY … TO — give the
/// statistics and the fit of the CSV they hold; their batches are the table's rows.</summary>
public sealed class ParquetSourceTests : IDisposable
{
    private readonly TestFolder _folder = new();

    internal static void DuckDb(string database, params string[] sql)
    {
        using var connection = new DuckDBConnection(database == ":memory:" ? "Data Source=:memory:" : $"Data Source={database}");
        connection.Open();
        foreach (string s in sql)
        {
            using var command = connection.CreateCommand();
            command.CommandText = s;
            command.ExecuteNonQuery();
        }
    }

    private static string Sql(string path) => path.Replace("'", "''");

    [Fact]
    public void Hsb_from_our_writer_and_from_duckdb_gives_the_csv_statistics_and_fit()
    {
        var spec = SourceComparison.Spec;
        var csv = DataTable.ReadCsv(RepositoryPaths.Data("hsb.csv"), spec.LabelColumns);
        var expected = SufficientStatistics.Build(spec, csv);
        var expectedFit = Reml.Fit(expected);

        string ours = _folder.PathOf("ours.parquet"), theirs = _folder.PathOf("duckdb.parquet");
        ParquetTableWriter.Write(DataTable.ReadCsv(RepositoryPaths.Data("hsb.csv")), ours, rowGroupSize: 1000);
        DuckDb(":memory:", $"COPY (SELECT * FROM read_csv('{Sql(RepositoryPaths.Data("hsb.csv"))}')) TO '{Sql(theirs)}' (FORMAT parquet, ROW_GROUP_SIZE 2048)");

        foreach (string file in new[] { ours, theirs })
        {
            var table = DataSources.Read(new DataSource(file), spec.Columns, spec.LabelColumns);
            Assert.Equal(spec.Columns.Order(), table.ColumnNames.Order());
            var stats = SufficientStatistics.Build(spec, table);
            SourceComparison.SameStatistics(expected, stats);
            SourceComparison.SameFit(expectedFit, Reml.Fit(stats));
        }
    }

    [Fact]
    public void Nulls_are_missing_values_and_text_is_a_factor()
    {
        string csvPath = SourceComparison.HsbWithGaps(_folder);
        var spec = ModelSpec.FromFormula("mathach ~ ses + factor(sector_name) + (1 + ses | school)");
        var expected = SufficientStatistics.Build(spec, DataTable.ReadCsv(csvPath, spec.LabelColumns));
        Assert.Equal(143, expected.Frame.MissingByColumn["ses"]);
        string parquet = _folder.PathOf("gaps.parquet");
        DuckDb(":memory:", $"COPY (SELECT * FROM read_csv('{Sql(csvPath)}')) TO '{Sql(parquet)}' (FORMAT parquet)");
        var table = DataSources.Read(new DataSource(parquet), spec.Columns, spec.LabelColumns);
        Assert.IsType<TextColumn>(table["sector_name"]);
        Assert.Equal(143, table["ses"].MissingCount);
        SourceComparison.SameStatistics(expected, SufficientStatistics.Build(spec, table));
    }

    [Fact]
    public void Our_writer_writes_missing_values_as_nulls_and_text_as_strings_that_duckdb_reads()
    {
        string csvPath = SourceComparison.HsbWithGaps(_folder);
        var csv = DataTable.ReadCsv(csvPath);
        string parquet = _folder.PathOf("gaps.parquet");
        ParquetTableWriter.Write(csv, parquet, rowGroupSize: 1000);

        // DuckDB, independently: every row, the nulls where the CSV has gaps, the values and the text as written.
        using var connection = new DuckDBConnection("Data Source=:memory:");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = $"SELECT ses, mathach, sector_name, school FROM '{Sql(parquet)}'";
        using var reader = command.ExecuteReader();
        var ses = (NumericColumn)csv["ses"];
        var math = (NumericColumn)csv["mathach"];
        var name = (TextColumn)csv["sector_name"];
        int row = 0;
        while (reader.Read())
        {
            Assert.Equal(ses.IsMissing(row), reader.IsDBNull(0));
            if (!ses.IsMissing(row)) Assert.Equal(ses[row], reader.GetDouble(0));
            Assert.Equal(math.IsMissing(row), reader.IsDBNull(1));
            if (!math.IsMissing(row)) Assert.Equal(math[row], reader.GetDouble(1));
            Assert.Equal(name.TextAt(row), reader.GetString(2));
            Assert.Equal(((NumericColumn)csv["school"])[row], reader.GetDouble(3));
            row++;
        }
        Assert.Equal(csv.RowCount, row);

        var spec = ModelSpec.FromFormula("mathach ~ ses + factor(sector_name) + (1 + ses | school)");
        SourceComparison.SameStatistics(SufficientStatistics.Build(spec, DataTable.ReadCsv(csvPath, spec.LabelColumns)),
            SufficientStatistics.Build(spec, DataSources.Read(new DataSource(parquet), spec.Columns, spec.LabelColumns)));
    }

    [Fact]
    public void Where_selects_the_rows_the_csv_filter_selects()
    {
        var spec = SourceComparison.Spec;
        var csv = DataTable.ReadCsv(RepositoryPaths.Data("hsb.csv"), spec.LabelColumns);
        var keep = Enumerable.Range(0, csv.RowCount).Select(i => ((NumericColumn)csv["size"])[i] > 500 && ((NumericColumn)csv["ses"])[i] > -1).ToArray();
        var expected = SufficientStatistics.Build(spec, csv.Subset(keep));
        string parquet = _folder.PathOf("hsb.parquet");
        ParquetTableWriter.Write(DataTable.ReadCsv(RepositoryPaths.Data("hsb.csv")), parquet);
        var table = DataSources.Read(new DataSource(parquet) { Where = "size > 500 AND ses > -1" }, spec.Columns, spec.LabelColumns);
        SourceComparison.SameStatistics(expected, SufficientStatistics.Build(spec, table));
    }

    [Fact]
    public void Batches_hold_the_rows_of_the_table_row_group_by_row_group()
    {
        var csv = DataTable.ReadCsv(RepositoryPaths.Data("hsb.csv"));
        string parquet = _folder.PathOf("hsb.parquet");
        ParquetTableWriter.Write(csv, parquet, rowGroupSize: 1000);
        var batches = ParquetTableReader.ReadBatches(parquet, ["ses", "school"], labelColumns: ["school"]).ToList();
        Assert.Equal(8, batches.Count);
        Assert.Equal(csv.RowCount, batches.Sum(b => b.RowCount));
        var ses = (NumericColumn)csv["ses"];
        foreach (var b in batches)
        {
            Assert.True(b["ses"].IsNumeric);
            for (int i = 0; i < b.RowCount; i++)
            {
                Assert.Equal(ses[(int)b.FirstRow + i], b["ses"].Numbers![i]);
                Assert.Equal(csv["school"].TextAt((int)b.FirstRow + i), b["school"].Texts![i]);
            }
        }
    }

    [Fact]
    public void A_column_of_an_unsupported_type_is_named_with_its_type()
    {
        string parquet = _folder.PathOf("list.parquet");
        DuckDb(":memory:", $"COPY (SELECT 1.5 AS y, [1, 2] AS x, 'a' AS g) TO '{Sql(parquet)}' (FORMAT parquet)");
        var e = Assert.Throws<DataException>(() => ParquetTableReader.Read(parquet, ["y", "x"]));
        Assert.Contains("column 'x'", e.Message);
        Assert.Contains("a list of", e.Message);
    }

    [Fact]
    public void A_missing_column_is_named_with_the_closest_and_the_file_columns()
    {
        string parquet = _folder.PathOf("hsb.parquet");
        ParquetTableWriter.Write(DataTable.ReadCsv(RepositoryPaths.Data("hsb.csv")), parquet);
        var e = Assert.Throws<DataException>(() => ParquetTableReader.Read(parquet, ["sess"]));
        Assert.Contains("Column 'sess' not found in", e.Message);
        Assert.Contains("Did you mean 'ses'?", e.Message);
    }

    public void Dispose() => _folder.Dispose();
}
