namespace BayesHlm.Data.Sources;

/// <summary>
/// Reads any source into a <see cref="DataTable"/>: CSV (<see cref="CsvTableReader"/>), Parquet
/// (<see cref="ParquetTableReader"/>), DuckDB and PostgreSQL (<see cref="SqlSource"/>). Every source reads only the
/// columns asked for (a CSV file's others are split off each line, not parsed). Every model reads the table the same
/// way whatever its source.
/// </summary>
public static class DataSources
{
    /// <summary>The table of <paramref name="source"/>; a <see cref="DataException"/> for options that do not fit the
    /// source (--table on a CSV file) and for anything the source's reader refuses.</summary>
    /// <param name="source">Where the data are, and which rows.</param>
    /// <param name="columns">The columns the model uses (a model's <c>Columns</c>), null for all.</param>
    /// <param name="labelColumns">Columns read as labels (text) whatever their type (a model's <c>LabelColumns</c>).</param>
    /// <param name="missingValues">Codes that also mark a missing value (-99).</param>
    /// <param name="decimalComma">A CSV file's numbers are written 3,14 (typed sources ignore it).</param>
    public static DataTable Read(DataSource source, IEnumerable<string>? columns = null, IEnumerable<string>? labelColumns = null,
        IEnumerable<string>? missingValues = null, bool decimalComma = false)
    {
        ArgumentNullException.ThrowIfNull(source);
        var kind = source.Kind;
        if (kind is DataSourceKind.Csv or DataSourceKind.Parquet && (source.Table is not null || source.Query is not null))
            throw new DataException($"--{(source.Table is not null ? "table" : "query")} is for SQL sources (--data duckdb:FILE, a postgres:// URL or a connection string); " +
                                    $"'{source.Location}' is a {(kind == DataSourceKind.Csv ? "CSV" : "Parquet")} file, read whole" +
                                    (kind == DataSourceKind.Parquet ? " (--where selects its rows)." : "."));
        switch (kind)
        {
            case DataSourceKind.Csv:
                if (source.Where is not null)
                    throw new DataException($"--where needs an SQL source or a Parquet file; '{source.Location}' is read as CSV. " +
                                            $"Query it through DuckDB instead: --data duckdb: --query \"SELECT * FROM read_csv('{source.Location}')\" --where \"…\".");
                return CsvTableReader.Read(source.Location, labelColumns, missingValues, decimalComma, columns);
            case DataSourceKind.Parquet:
                if (source.Where is null) return ParquetTableReader.Read(source.Location, columns, labelColumns, missingValues);
                using (var filtered = DuckDbSource.ForParquet(source.Location, source.Where))
                    return filtered.ReadTable(columns, labelColumns, missingValues);
            default:
                using (var sql = SqlSource.Open(source))
                    return sql.ReadTable(columns, labelColumns, missingValues);
        }
    }
}
