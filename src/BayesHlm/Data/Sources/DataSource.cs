namespace BayesHlm.Data.Sources;

/// <summary>What kind of source a <c>--data</c> value names.</summary>
public enum DataSourceKind
{
    /// <summary>A delimited text file (the default).</summary>
    Csv,
    /// <summary>A Parquet file (<c>.parquet</c>, or any file starting with the bytes PAR1).</summary>
    Parquet,
    /// <summary>A DuckDB database: <c>duckdb:PATH</c> (or a <c>.duckdb</c> file); <c>duckdb:</c> alone is an empty in-memory one.</summary>
    DuckDb,
    /// <summary>A PostgreSQL database: <c>postgres://user@host:port/db</c> or a keyword connection string (<c>Host=…;Database=…</c>).</summary>
    Postgres,
}

/// <summary>
/// Where the data are (<c>--data</c>, a model file's <c>data:</c>) and which rows: for an SQL source a table
/// (<c>--table</c>) or a query (<c>--query</c>), and for SQL sources and Parquet files a row filter (<c>--where</c>, an SQL
/// condition; on a Parquet file it runs in an in-memory DuckDB).
/// </summary>
/// <param name="Location">A file path, <c>duckdb:PATH</c>, a <c>postgres://</c> URL or a PostgreSQL connection string.</param>
public sealed record DataSource(string Location)
{
    /// <summary>The table (or view) to read, <c>schema.table</c> allowed; SQL sources only.</summary>
    public string? Table { get; init; }

    /// <summary>A SELECT whose result rows are the data; SQL sources only.</summary>
    public string? Query { get; init; }

    /// <summary>An SQL condition selecting rows (<c>sector = 1 AND ses &gt; 0</c>).</summary>
    public string? Where { get; init; }

    /// <summary>The kind of source <see cref="Location"/> names.</summary>
    public DataSourceKind Kind => KindOf(Location);

    /// <summary>The kind of source a <c>--data</c> value names: by its prefix (duckdb:, postgres://, postgresql://), a
    /// connection string's Host= keyword, the extension (.parquet, .duckdb), or a file's first bytes (PAR1).</summary>
    public static DataSourceKind KindOf(string location)
    {
        ArgumentNullException.ThrowIfNull(location);
        if (location.StartsWith("duckdb:", StringComparison.OrdinalIgnoreCase)) return DataSourceKind.DuckDb;
        if (location.StartsWith("postgres://", StringComparison.OrdinalIgnoreCase) || location.StartsWith("postgresql://", StringComparison.OrdinalIgnoreCase))
            return DataSourceKind.Postgres;
        if (location.Contains('=') && location.Split(';').Any(p => p.Trim().StartsWith("host=", StringComparison.OrdinalIgnoreCase) || p.Trim().StartsWith("server=", StringComparison.OrdinalIgnoreCase)))
            return DataSourceKind.Postgres;
        if (location.EndsWith(".parquet", StringComparison.OrdinalIgnoreCase)) return DataSourceKind.Parquet;
        if (location.EndsWith(".duckdb", StringComparison.OrdinalIgnoreCase)) return DataSourceKind.DuckDb;
        // A text extension keeps the CSV reader, which names a Parquet or DuckDB file given as .csv for what it is.
        string extension = Path.GetExtension(location).ToLowerInvariant();
        if (extension is not (".csv" or ".tsv" or ".txt" or ".gz" or ".dat") && File.Exists(location))
        {
            try
            {
                using var f = File.OpenRead(location);
                Span<byte> head = stackalloc byte[16];
                int n = f.ReadAtLeast(head, 16, throwOnEndOfStream: false);
                if (n >= 4 && head[..4].SequenceEqual("PAR1"u8)) return DataSourceKind.Parquet;
                if (n >= 12 && head[8..12].SequenceEqual("DUCK"u8)) return DataSourceKind.DuckDb;
            }
            catch (IOException) { }
            catch (UnauthorizedAccessException) { }
        }
        return DataSourceKind.Csv;
    }

    /// <summary>True for a source a file path names (CSV, Parquet, a DuckDB file), whose bytes can be hashed.</summary>
    public bool IsFile => Kind is DataSourceKind.Csv or DataSourceKind.Parquet || (Kind == DataSourceKind.DuckDb && DuckDbSource.PathOf(Location) is not null);

    /// <summary>The source as messages show it: the location (a PostgreSQL password hidden), then the table, query and filter.</summary>
    public override string ToString()
    {
        string where = Kind == DataSourceKind.Postgres ? PostgresSource.Redacted(Location) : Location;
        if (Table is not null) where += $", table {Table}";
        if (Query is not null) where += ", query";
        if (Where is not null) where += $", where {Where}";
        return where;
    }
}
