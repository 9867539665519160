namespace BayesHlm.Data.Sources;

/// <summary>
/// A database the data live in (DuckDB, PostgreSQL), with the rows the user selected (<c>--table</c> or <c>--query</c>,
/// and <c>--where</c>). Besides reading the selection into a table (<see cref="SqlSource.ReadTable"/>), it runs any SQL
/// text and gives back the result rows, so that an aggregation written elsewhere — the per-group sufficient statistics
/// as one <c>GROUP BY</c> over <see cref="Relation"/> — runs inside the engine and only its result leaves the database:
/// <code>
/// using var db = SqlSource.Open(new DataSource("duckdb:big.db") { Table = "obs", Where = "year = 2024" });
/// string sql = $"SELECT {db.QuoteIdentifier("g")}, count(*), sum({db.QuoteIdentifier("y")}) FROM {db.Relation}" +
///              (db.Where is { } w ? $" WHERE ({w})" : "") + $" GROUP BY 1 ORDER BY 1";
/// foreach (object?[] row in db.Query(sql)) ...
/// </code>
/// </summary>
public interface ISqlSource : IDisposable
{
    /// <summary>The SQL dialect: "duckdb" or "postgres".</summary>
    string Dialect { get; }

    /// <summary>The source as messages name it (never with a password): "duckdb:hsb.db, table hsb".</summary>
    string Description { get; }

    /// <summary>The selected rows as a FROM item: the quoted table, or the user's query as a subquery with an alias.</summary>
    string Relation { get; }

    /// <summary>The user's row filter (<c>--where</c>), to be put in parentheses after WHERE; null when none.</summary>
    string? Where { get; }

    /// <summary>A column name quoted as an identifier of this dialect ("x" with inner quotes doubled).</summary>
    string QuoteIdentifier(string name);

    /// <summary>The selection's columns (name and the .NET type the engine reads them as), from a query that returns no rows.</summary>
    IReadOnlyList<(string Name, Type Type)> Columns();

    /// <summary>Runs <paramref name="sql"/> and yields its rows, one array of values per row (null for SQL NULL), as they
    /// arrive. A <see cref="DataException"/> with the engine's message and the query when the engine refuses it.</summary>
    IEnumerable<object?[]> Query(string sql);

    /// <summary>The database's tables and views (schema-qualified outside the default schema).</summary>
    IReadOnlyList<string> Tables();
}
