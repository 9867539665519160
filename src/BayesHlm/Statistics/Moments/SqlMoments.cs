using System.Numerics;
using BayesHlm.Data;
using BayesHlm.Data.Sources;
using BayesHlm.Formula;
using BayesHlm.Model;

namespace BayesHlm.Statistics.Moments;

/// <summary>
/// The per-cell moments of a model on an SQL source, computed by the database: one <c>GROUP BY</c> query
/// (<see cref="SqlMomentQuery"/>) whose result — a row per cell — is all that leaves it. Whatever the query cannot
/// reproduce exactly as the rows path reads the rows (a key column of floating-point or date type, a text column used as
/// a number, missing-value codes, a model the moments do not carry) throws <see cref="StreamingNotPossibleException"/>:
/// the caller then reads the rows.
/// </summary>
internal static class SqlMoments
{
    /// <summary>The moments of <paramref name="spec"/> on <paramref name="db"/>'s selection.</summary>
    /// <param name="spec">The model.</param>
    /// <param name="db">The database and selection.</param>
    /// <param name="window">The cell's shift by a window function (by default a GROUP BY joined back, faster on DuckDB).</param>
    public static CellMoments Read(ModelSpec spec, ISqlSource db, bool window = false)
    {
        var query = Query(spec, db, window);
        CellMoments moments;
        try { moments = query.Read(db.Query(query.Sql), db.Description); }
        catch (DataException e) when (e.InnerException is System.Data.Common.DbException)
        {
            // The engine refused the query (a bad --where, an overflow in exp()): the rows path's query and message say why.
            throw new StreamingNotPossibleException($"the database refused the statistics query: {e.InnerException.Message}");
        }
        // A text column used as a plain predictor is a factor unless it holds numbers (the rows path's rule, which reads
        // all its values): leave any doubt to the rows.
        foreach (var (v, role) in query.Plan.Roles)
        {
            if (role.Role != MomentRole.Key || v.Function != VariableFunction.None) continue;
            int k = Array.IndexOf(query.Plan.KeyColumns, v.Column);
            if (moments.Cells.Any(c => CsvTableReader.TryParseNumber(c.Key[k], out _)))
                throw new StreamingNotPossibleException($"the text column '{v.Column}' holds numbers");
        }
        return moments;
    }

    /// <summary>The statistics query of <paramref name="spec"/> for <paramref name="db"/>, typed by its columns.</summary>
    public static SqlMomentQuery Query(ModelSpec spec, ISqlSource db, bool window = false)
    {
        var types = new Dictionary<string, Type>(StringComparer.Ordinal);
        foreach (var (name, type) in db.Columns()) types.TryAdd(name, Nullable.GetUnderlyingType(type) ?? type);
        foreach (var c in spec.Columns)
            if (!types.ContainsKey(c)) throw new StreamingNotPossibleException($"no column '{c}' as written");
        var plan = MomentPlan.Create(spec, c => !IsNumber(types[c]));
        foreach (var k in plan.KeyColumns)
            if (types[k] != typeof(string) && !IsInteger(types[k]))
                throw new StreamingNotPossibleException($"the key column '{k}' is of type {types[k].Name}");
        var dialect = db.Dialect switch { "postgres" => SqlDialect.Postgres, "duckdb" => SqlDialect.DuckDb, _ => SqlDialect.Ansi };
        return SqlMomentQuery.Create(plan, dialect, db.Relation, db.Where, k => IsInteger(types[k]) ? SqlKeyType.Integer : SqlKeyType.Text, window);
    }

    private static bool IsInteger(Type t) =>
        t == typeof(int) || t == typeof(long) || t == typeof(short) || t == typeof(byte) || t == typeof(sbyte) || t == typeof(ushort)
        || t == typeof(uint) || t == typeof(ulong) || t == typeof(BigInteger);

    private static bool IsNumber(Type t) => IsInteger(t) || t == typeof(double) || t == typeof(float) || t == typeof(decimal) || t == typeof(Half);

    /// <summary>The statistics of <paramref name="spec"/> on the SQL source <paramref name="source"/>: pushed down to the
    /// database as one GROUP BY when the moments carry the model, else from the rows read into memory.</summary>
    /// <param name="spec">The model.</param>
    /// <param name="source">An SQL source (DuckDB, PostgreSQL) and its selection.</param>
    /// <param name="missingValues">Codes that mark a missing value (these are read from the rows).</param>
    /// <param name="pushedDown">True when the database computed the statistics.</param>
    public static SufficientStatistics Build(ModelSpec spec, DataSource source, IEnumerable<string>? missingValues, out bool pushedDown)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(source);
        var missing = missingValues?.Where(v => !string.IsNullOrWhiteSpace(v)).ToList() ?? [];
        pushedDown = false;
        if (SufficientStatistics.Streams(spec) && missing.Count == 0)
        {
            using var db = SqlSource.Open(source);
            try
            {
                var moments = Read(spec, db);
                pushedDown = true;
                return SufficientStatistics.FromMoments(moments);
            }
            catch (StreamingNotPossibleException) { }
        }
        return SufficientStatistics.Build(spec, DataSources.Read(source, spec.Columns, spec.LabelColumns, missing));
    }
}
