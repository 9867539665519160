using System.Data;
using System.Data.Common;
using System.Numerics;

namespace BayesHlm.Data.Sources;

/// <summary>
/// The shared part of the SQL sources (<see cref="DuckDbSource"/>, <see cref="PostgresSource"/>): the selection (a
/// table or a query, and a filter), queries run with the engine's errors turned into messages that name the source and
/// the query, and the selection read into a <see cref="DataTable"/> — only the columns asked for, projected in the SQL.
/// Numbers (integers, floating point, decimals) are numeric columns; text, booleans, dates and times are text, as the CSV
/// reader treats text; a label column is text whatever its type; NULL (and NaN) is a missing value.
/// </summary>
public abstract class SqlSource : ISqlSource
{
    private readonly DbConnection _connection;
    private string? _relation;

    /// <param name="connection">An open connection; owned (closed on dispose).</param>
    /// <param name="source">The selection (table or query, filter).</param>
    private protected SqlSource(DbConnection connection, DataSource source)
    {
        _connection = connection;
        Source = source;
        Where = string.IsNullOrWhiteSpace(source.Where) ? null : source.Where;
    }

    /// <summary>Opens the SQL source <paramref name="source"/> names (DuckDB or PostgreSQL), checking its table or query.</summary>
    public static SqlSource Open(DataSource source)
    {
        ArgumentNullException.ThrowIfNull(source);
        return source.Kind switch
        {
            DataSourceKind.DuckDb => DuckDbSource.Open(source),
            DataSourceKind.Postgres => PostgresSource.Open(source),
            _ => throw new DataException($"'{source.Location}' is not an SQL source: give duckdb:FILE, a postgres:// URL or a PostgreSQL connection string (Host=…;Database=…)."),
        };
    }

    /// <summary>What was asked for.</summary>
    public DataSource Source { get; }

    /// <inheritdoc/>
    public abstract string Dialect { get; }

    /// <summary>The database alone, as messages name it.</summary>
    protected abstract string Database { get; }

    /// <inheritdoc/>
    public string Description => Source.Query is not null ? $"{Database}, query" : Source.Table is not null ? $"{Database}, table {Source.Table}" : Database;

    /// <inheritdoc/>
    public string? Where { get; }

    /// <inheritdoc/>
    public string Relation => _relation ??= ResolveRelation();

    /// <summary>A FROM item that is not a table or a query (DuckDB's read_parquet('file')), set by the source itself.</summary>
    private protected string? FixedRelation { get; init; }

    /// <inheritdoc/>
    public string QuoteIdentifier(string name) => "\"" + name.Replace("\"", "\"\"") + "\"";

    private string ResolveRelation()
    {
        if (FixedRelation is not null) return FixedRelation;
        if (Source.Table is not null && Source.Query is not null)
            throw new DataException($"{Database}: give --table or --query, not both.");
        if (Source.Query is { } query)
        {
            string q = query.Trim().TrimEnd(';').Trim();
            if (q.Length == 0) throw new DataException($"{Database}: --query is empty. Give a SELECT, e.g. --query \"SELECT * FROM hsb\".");
            return $"({q}) AS bayeshlm_query";
        }
        if (Source.Table is not { } table)
        {
            var tables = Tables();
            throw new DataException($"{Database}: say which rows to read with --table NAME or --query \"SELECT …\" " +
                                    (tables.Count == 0 ? "(the database has no tables)." : $"(tables: {string.Join(", ", tables)})."));
        }
        return QuoteTable(FindTable(table.Trim()));
    }

    /// <summary>The table as the database names it: exact, or the one name that differs only in case; a
    /// <see cref="DataException"/> listing the tables (with the closest) when there is none.</summary>
    private string FindTable(string table)
    {
        var tables = Tables();
        if (tables.Contains(table, StringComparer.Ordinal)) return table;
        var folded = tables.Where(t => string.Equals(t, table, StringComparison.OrdinalIgnoreCase)).ToList();
        if (folded.Count == 1) return folded[0];
        string closest = Closest.Name(table, tables);
        throw new DataException($"{Database}: no table or view '{table}'.{(closest.Length > 0 ? $" Did you mean '{closest}'?" : "")} " +
                                (tables.Count == 0 ? "The database has no tables." : $"Tables: {string.Join(", ", tables)}."));
    }

    private string QuoteTable(string table)
    {
        int dot = table.IndexOf('.');
        // schema.table as Tables() lists it (a name with a dot of its own is listed whole only when it is one).
        if (dot > 0 && !TablesUnqualified().Contains(table)) return QuoteIdentifier(table[..dot]) + "." + QuoteIdentifier(table[(dot + 1)..]);
        return QuoteIdentifier(table);
    }

    private HashSet<string>? _unqualified;
    private HashSet<string> TablesUnqualified() => _unqualified ??= Query(TablesSql).ToList().Where(r => IsDefaultSchema((string)r[0]!)).Select(r => (string)r[1]!).ToHashSet(StringComparer.Ordinal);

    private const string TablesSql =
        "SELECT table_schema, table_name FROM information_schema.tables WHERE table_schema NOT IN ('information_schema', 'pg_catalog') ORDER BY 1, 2";

    /// <summary>The schema a table needs no qualifier in (main, public).</summary>
    private protected abstract bool IsDefaultSchema(string schema);

    /// <inheritdoc/>
    public IReadOnlyList<string> Tables() =>
        Query(TablesSql).ToList().Select(r => IsDefaultSchema((string)r[0]!) ? (string)r[1]! : $"{r[0]}.{r[1]}").ToList();

    /// <summary>SELECT of <paramref name="columns"/> (all when null) from the selection, with the filter.</summary>
    public string SelectSql(IEnumerable<string>? columns)
    {
        string list = columns is null ? "*" : string.Join(", ", columns.Select(QuoteIdentifier));
        return $"SELECT {list} FROM {Relation}" + (Where is { } w ? $" WHERE ({w})" : "");
    }

    /// <inheritdoc/>
    public IReadOnlyList<(string Name, Type Type)> Columns()
    {
        string sql = $"SELECT * FROM {Relation} LIMIT 0";
        return Run(sql, reader => Enumerable.Range(0, reader.FieldCount).Select(i => (reader.GetName(i), reader.GetFieldType(i))).ToList());
    }

    /// <inheritdoc/>
    public IEnumerable<object?[]> Query(string sql)
    {
        ArgumentNullException.ThrowIfNull(sql);
        DbCommand command;
        DbDataReader reader;
        try
        {
            command = _connection.CreateCommand();
            command.CommandText = sql;
            command.CommandTimeout = 0;
            reader = command.ExecuteReader();
        }
        catch (Exception e) when (e is DbException or InvalidOperationException)
        {
            throw QueryFailed(e, sql);
        }
        return Rows(command, reader, sql);
    }

    private IEnumerable<object?[]> Rows(DbCommand command, DbDataReader reader, string sql)
    {
        using (command)
        using (reader)
        {
            while (true)
            {
                object?[] row;
                try
                {
                    if (!reader.Read()) yield break;
                    row = new object?[reader.FieldCount];
                    for (int i = 0; i < row.Length; i++) row[i] = reader.IsDBNull(i) ? null : reader.GetValue(i);
                }
                catch (Exception e) when (e is DbException or InvalidOperationException or InvalidCastException or OverflowException)
                {
                    throw QueryFailed(e, sql);
                }
                yield return row;
            }
        }
    }

    private T Run<T>(string sql, Func<DbDataReader, T> read)
    {
        try
        {
            using var command = _connection.CreateCommand();
            command.CommandText = sql;
            command.CommandTimeout = 0;
            using var reader = command.ExecuteReader();
            return read(reader);
        }
        catch (Exception e) when (e is DbException or InvalidOperationException)
        {
            throw QueryFailed(e, sql);
        }
    }

    /// <summary>The engine's refusal of <paramref name="sql"/> as a message naming the source and the query.</summary>
    private protected DataException QueryFailed(Exception e, string sql) =>
        new($"{Description}: the database refused the query: {EngineMessage(e)}\n  Query: {sql}\n  " +
            (Source.Query is not null || Where is not null ? "Check the SQL of --query and --where (in this database's dialect)." : "Check the table and column names."), e);

    /// <summary>The engine's own message, without the driver's decoration.</summary>
    private protected virtual string EngineMessage(Exception e) => e.Message;

    /// <summary>
    /// Reads the selection's <paramref name="columns"/> (all when null) into a table. A <see cref="DataException"/> names a
    /// column the selection lacks (with its columns and the closest name), a column of a type that is neither number nor
    /// text, an empty selection, or the engine's refusal with the query.
    /// </summary>
    /// <param name="columns">The columns to read (a model's <c>Columns</c>), null for all.</param>
    /// <param name="labelColumns">Columns read as labels (text) whatever their type.</param>
    /// <param name="missingValues">Codes that also mark a missing value (-99), compared with the value written out.</param>
    public DataTable ReadTable(IEnumerable<string>? columns = null, IEnumerable<string>? labelColumns = null, IEnumerable<string>? missingValues = null)
    {
        var labels = labelColumns?.ToHashSet(UnicodeCanonical.Comparer) ?? new HashSet<string>(UnicodeCanonical.Comparer);
        var missing = missingValues?.Select(v => v.Trim()).Where(v => v.Length > 0).ToHashSet(StringComparer.Ordinal) ?? [];
        var available = Columns();
        var byName = new Dictionary<string, (string Name, Type Type)>(UnicodeCanonical.Comparer);
        foreach (var c in available)
            if (!byName.TryAdd(c.Name, c))
                throw new DataException($"{Description}: two columns are named '{c.Name}'. Give them different names (AS …) in --query.");
        var names = (columns ?? available.Select(c => c.Name)).Distinct(UnicodeCanonical.Comparer).ToList();
        var kinds = new ValueKind[names.Count];
        for (int k = 0; k < names.Count; k++)
        {
            if (!byName.TryGetValue(names[k], out var c))
            {
                string closest = Closest.Name(names[k], available.Select(a => a.Name));
                throw new DataException($"Column '{names[k]}' not found in {Description}.{(closest.Length > 0 ? $" Did you mean '{closest}'?" : "")} Columns: {string.Join(", ", available.Select(a => a.Name))}.");
            }
            names[k] = c.Name;
            kinds[k] = KindOf(c.Type);
            if (kinds[k] == ValueKind.Unsupported)
                throw new DataException($"{Description}, column '{c.Name}': its type ({TypeName(c.Type)}) is neither a number nor text, so it cannot be read. " +
                                        "Cast it in --query (CAST(column AS DOUBLE PRECISION) or CAST(column AS VARCHAR)), or leave it out of the model.");
        }
        string sql = SelectSql(names);
        var sinks = names.Select((n, k) => new ColumnSink(n, kinds[k] == ValueKind.Number, labels.Contains(n), missing)).ToArray();
        try
        {
            using var command = _connection.CreateCommand();
            command.CommandText = sql;
            command.CommandTimeout = 0;
            using var reader = command.ExecuteReader(CommandBehavior.SequentialAccess);
            var types = new Type[reader.FieldCount];
            for (int k = 0; k < types.Length; k++) types[k] = reader.GetFieldType(k);
            while (reader.Read())
            {
                for (int k = 0; k < sinks.Length; k++)
                {
                    if (reader.IsDBNull(k)) { sinks[k].AddMissing(); continue; }
                    var t = types[k];
                    if (t == typeof(double)) sinks[k].AddNumber(reader.GetDouble(k));
                    else if (t == typeof(int)) sinks[k].AddInteger(reader.GetInt32(k));
                    else if (t == typeof(long)) sinks[k].AddInteger(reader.GetInt64(k));
                    else if (t == typeof(string)) sinks[k].AddText(reader.GetString(k));
                    else if (t == typeof(float)) sinks[k].AddNumber(reader.GetFloat(k));
                    else if (t == typeof(short)) sinks[k].AddInteger(reader.GetInt16(k));
                    else if (t == typeof(decimal)) AddDecimal(sinks[k], reader.GetDecimal(k));
                    else if (kinds[k] == ValueKind.Number) AddOther(sinks[k], reader.GetValue(k));
                    else sinks[k].AddText(ColumnSink.Text(reader.GetValue(k)));
                }
            }
        }
        catch (Exception e) when (e is DbException or InvalidOperationException or InvalidCastException or OverflowException)
        {
            throw QueryFailed(e, sql);
        }
        var built = sinks.Select(s => s.Build()).ToList();
        if (built.Count > 0 && built[0].Length == 0)
            throw new DataException($"{Description}: no rows{(Where is not null ? $" where {Where}" : "")}. " +
                                    (Where is not null ? "Loosen --where." : "The table or query is empty."));
        return new DataTable(built, Description);
    }

    private static void AddDecimal(ColumnSink sink, decimal value)
    {
        if (decimal.IsInteger(value) && value >= long.MinValue && value <= long.MaxValue) sink.AddInteger((long)value);
        else if (sink.IsText) sink.AddText(value.ToString(System.Globalization.CultureInfo.InvariantCulture));
        else sink.AddNumber((double)value);
    }

    private static void AddOther(ColumnSink sink, object value)
    {
        switch (value)
        {
            case byte or sbyte or ushort or uint: sink.AddInteger(Convert.ToInt64(value, System.Globalization.CultureInfo.InvariantCulture)); break;
            case ulong u when u <= long.MaxValue: sink.AddInteger((long)u); break;
            case BigInteger b when b >= long.MinValue && b <= long.MaxValue: sink.AddInteger((long)b); break;
            case BigInteger b: if (sink.IsText) sink.AddText(b.ToString(System.Globalization.CultureInfo.InvariantCulture)); else sink.AddNumber((double)b); break;
            case Half h: sink.AddNumber((double)h); break;
            default: sink.AddNumber(Convert.ToDouble(value, System.Globalization.CultureInfo.InvariantCulture)); break;
        }
    }

    private enum ValueKind { Unsupported, Number, Text }

    private static ValueKind KindOf(Type t)
    {
        t = Nullable.GetUnderlyingType(t) ?? t;
        if (t == typeof(double) || t == typeof(float) || t == typeof(decimal) || t == typeof(int) || t == typeof(long) || t == typeof(short)
            || t == typeof(byte) || t == typeof(sbyte) || t == typeof(ushort) || t == typeof(uint) || t == typeof(ulong) || t == typeof(BigInteger) || t == typeof(Half))
            return ValueKind.Number;
        if (t == typeof(string) || t == typeof(bool) || t == typeof(DateTime) || t == typeof(DateOnly) || t == typeof(TimeOnly) || t == typeof(TimeSpan)
            || t == typeof(DateTimeOffset) || t == typeof(Guid) || t == typeof(char) || t.IsEnum)
            return ValueKind.Text;
        return ValueKind.Unsupported;
    }

    private static string TypeName(Type t) => t == typeof(byte[]) ? "binary (bytes)" : t.IsArray || (t.IsGenericType && typeof(System.Collections.IEnumerable).IsAssignableFrom(t))
        ? $"a list ({t.Name})" : t.Name;

    /// <inheritdoc/>
    public void Dispose()
    {
        _connection.Dispose();
        GC.SuppressFinalize(this);
    }
}
