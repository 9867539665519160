using System.Data.Common;
using DuckDB.NET.Data;

namespace BayesHlm.Data.Sources;

/// <summary>
/// A DuckDB database (embedded: DuckDB.NET.Data.Full carries the engine, no server), opened read-only:
/// <c>duckdb:PATH</c> (a file that must exist; DuckDB would otherwise create an empty one), or <c>duckdb:</c> alone for an
/// empty in-memory database in which <c>--query</c> can read files (<c>SELECT * FROM read_parquet('x.parquet')</c>).
/// </summary>
public sealed class DuckDbSource : SqlSource
{
    private readonly string _database;

    private DuckDbSource(DbConnection connection, DataSource source, string database) : base(connection, source) => _database = database;

    /// <inheritdoc/>
    public override string Dialect => "duckdb";

    /// <inheritdoc/>
    protected override string Database => _database;

    private protected override bool IsDefaultSchema(string schema) => schema == "main";

    /// <summary>The database file a <c>duckdb:</c> location names; null for an in-memory database.</summary>
    public static string? PathOf(string location)
    {
        string rest = location.StartsWith("duckdb:", StringComparison.OrdinalIgnoreCase) ? location["duckdb:".Length..] : location;
        if (rest.StartsWith("//", StringComparison.Ordinal)) rest = rest[2..];
        return rest.Length == 0 || rest == ":memory:" ? null : rest;
    }

    /// <summary>Opens the database <paramref name="source"/> names, read-only; a <see cref="DataException"/> for a file that
    /// is not there or not a DuckDB database.</summary>
    public static new DuckDbSource Open(DataSource source)
    {
        ArgumentNullException.ThrowIfNull(source);
        string? path = PathOf(source.Location);
        if (path is not null)
        {
            if (Directory.Exists(path)) throw new DataException($"duckdb:{path} is a folder, not a DuckDB database file.");
            if (!File.Exists(path))
                throw new DataException($"DuckDB database '{path}' not found (looked for '{System.IO.Path.GetFullPath(path)}'). Check the path after 'duckdb:', relative to the current folder.");
        }
        string shown = path is null ? "duckdb: (in memory)" : $"duckdb:{path}";
        var connection = new DuckDBConnection(path is null ? "Data Source=:memory:" : $"Data Source={path};ACCESS_MODE=READ_ONLY");
        try
        {
            connection.Open();
        }
        catch (Exception e) when (e is DbException or InvalidOperationException)
        {
            connection.Dispose();
            throw new DataException($"{shown}: DuckDB could not open it ({FirstLine(e.Message)}). Is it a DuckDB database file (of a version this DuckDB reads)?", e);
        }
        return new DuckDbSource(connection, source, shown);
    }

    /// <summary>The rows of a Parquet file filtered by <paramref name="where"/>, through an in-memory DuckDB (read_parquet).</summary>
    public static DuckDbSource ForParquet(string path, string? where)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!File.Exists(path))
            throw new DataException($"Data file '{path}' not found (looked for '{System.IO.Path.GetFullPath(path)}'). Check the path, relative to the current folder.");
        var connection = new DuckDBConnection("Data Source=:memory:");
        connection.Open();
        return new DuckDbSource(connection, new DataSource("duckdb:") { Where = where }, $"'{path}'")
        {
            FixedRelation = $"read_parquet('{path.Replace("'", "''")}')",
        };
    }

    private static string FirstLine(string s) => s.Split('\n')[0].Trim();

    private protected override string EngineMessage(Exception e) => e.Message.Trim();
}
