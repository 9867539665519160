using System.Globalization;
using System.Text;
using BayesHlm.Data;
using BayesHlm.Formula;
using BayesHlm.Model;

namespace BayesHlm.Statistics.Moments;

/// <summary>The SQL dialect a statistics query is written in.</summary>
public enum SqlDialect
{
    /// <summary>Standard SQL: "quoted" identifiers, DOUBLE PRECISION, VARCHAR, LN, POWER, window functions.</summary>
    Ansi,
    /// <summary>DuckDB: as ANSI with DOUBLE.</summary>
    DuckDb,
    /// <summary>PostgreSQL: as ANSI with TEXT.</summary>
    Postgres,
    /// <summary>Spark SQL (and Databricks): `backquoted` identifiers, DOUBLE, STRING.</summary>
    Spark,
}

/// <summary>How a key column is turned into text in the query.</summary>
internal enum SqlKeyType
{
    /// <summary>Text (or of unknown type): trimmed, with the readers' missing tokens (empty, NA, '.', NaN) as NULL.</summary>
    Text,
    /// <summary>An integer column: its digits.</summary>
    Integer,
}

/// <summary>
/// The per-cell moments of a <see cref="MomentPlan"/> as one SQL query, so that the rows never leave the database: one
/// result row per cell (row_type 'cell': the key columns as text, n, per base variable the cell's shift — its smallest
/// value, a value of the cell so that x = 10⁹ + N(0, 1) keeps its digits — and the sum of every monomial of the shifted
/// variables), and one row (row_type 'total') with the rows read, the missing values per column, the rows whose
/// transformed value is undefined (log of 0, a division by zero) and the used rows whose outcome is not 0 or 1. A row is
/// used when none of the model's columns is NULL (or NaN, or for text a missing token), as the readers drop it.
/// The result's columns are the statistics-file layout (<see cref="ColumnNames"/>): the query's result saved as CSV is a
/// statistics file.
/// </summary>
internal sealed class SqlMomentQuery
{
    private readonly string[] _columns;
    private readonly int[] _invalidBases;

    private SqlMomentQuery(MomentPlan plan, SqlDialect dialect, string sql, string[] columns, int[] invalidBases)
    {
        Plan = plan; Dialect = dialect; Sql = sql; _columns = columns; _invalidBases = invalidBases;
    }

    /// <summary>The plan.</summary>
    public MomentPlan Plan { get; }
    /// <summary>The dialect.</summary>
    public SqlDialect Dialect { get; }
    /// <summary>The query text.</summary>
    public string Sql { get; }

    /// <summary>Parses a dialect's name (ansi, duckdb, postgres, spark).</summary>
    public static SqlDialect ParseDialect(string name) => name.Trim().ToLowerInvariant() switch
    {
        "ansi" => SqlDialect.Ansi,
        "duckdb" => SqlDialect.DuckDb,
        "postgres" or "postgresql" => SqlDialect.Postgres,
        "spark" or "sparksql" or "databricks" => SqlDialect.Spark,
        _ => throw new ModelSpecificationException($"Unknown SQL dialect '{name}': use ansi, duckdb, postgres or spark."),
    };

    /// <summary>The result's column names: row_type ('cell' or 'total'), then the statistics file's cell columns (key
    /// columns by name, n, shift:VAR and varies:VAR per base variable, sum:MONOMIAL per monomial but the empty one, which
    /// is n: docs/statistics-file.md), then what the file's metadata lines say, in the 'total' row: missing:COLUMN per
    /// column the model reads, invalid:VAR per transformed base variable, outcome_not_01. In the 'total' row n is the
    /// rows read.</summary>
    public static string[] ColumnNames(MomentPlan plan)
    {
        var names = new List<string> { "row_type" };
        names.AddRange(plan.KeyColumns);
        names.Add("n");
        names.AddRange(plan.Base.Select(b => "shift:" + b.Name));
        names.AddRange(plan.Base.Select(b => "varies:" + b.Name));
        names.AddRange(Enumerable.Range(1, plan.Monomials.Length - 1).Select(m => "sum:" + plan.MonomialText(m)));
        names.AddRange(plan.Spec.Columns.Distinct().Select(c => "missing:" + c));
        names.AddRange(InvalidBases(plan).Select(b => "invalid:" + plan.Base[b].Name));
        names.Add("outcome_not_01");
        return names.ToArray();
    }

    private static int[] InvalidBases(MomentPlan plan) =>
        Enumerable.Range(0, plan.Base.Length).Where(b => plan.Base[b].Function != VariableFunction.None).ToArray();

    /// <summary>The query for <paramref name="plan"/> over <paramref name="relation"/> (a FROM item, already quoted),
    /// filtered by <paramref name="where"/>. <paramref name="keyType"/> says how each key column becomes text (default:
    /// <see cref="SqlKeyType.Text"/>). The cell's shift is its MIN, by a GROUP BY joined back to the rows (on DuckDB,
    /// 10⁷ rows in 10⁴ cells: 11–13 s, against 20–28 s for the window); <paramref name="window"/>: by a window
    /// MIN(x) OVER (PARTITION BY keys) instead.</summary>
    public static SqlMomentQuery Create(MomentPlan plan, SqlDialect dialect, string relation, string? where,
        Func<string, SqlKeyType>? keyType = null, bool window = false)
    {
        ArgumentNullException.ThrowIfNull(plan);
        var q = new Writer(dialect);
        var columns = plan.Spec.Columns.Distinct().ToArray();
        var colAlias = new Dictionary<string, string>(StringComparer.Ordinal);
        for (int i = 0; i < columns.Length; i++) colAlias[columns[i]] = "c" + i.ToString(CultureInfo.InvariantCulture);
        var keySet = plan.KeyColumns.ToHashSet(StringComparer.Ordinal);
        int nk = plan.KeyColumns.Length, nb = plan.Base.Length;
        var invalid = InvalidBases(plan);
        var names = ColumnNames(plan);
        const string nl = "\n";
        var sb = new StringBuilder();

        // src: the model's columns, typed, with NULL for every missing value.
        sb.Append("WITH src AS (").Append(nl).Append("  SELECT");
        for (int i = 0; i < columns.Length; i++)
        {
            string c = q.Id(columns[i]);
            string expr = keySet.Contains(columns[i])
                ? (keyType?.Invoke(columns[i]) ?? SqlKeyType.Text) == SqlKeyType.Integer ? $"CAST({c} AS {q.Text})" : q.TextKey(c)
                : $"NULLIF(CAST({c} AS {q.Double}), CAST('NaN' AS {q.Double}))";
            sb.Append(i == 0 ? " " : ",\n    ").Append(expr).Append(" AS ").Append(colAlias[columns[i]]);
        }
        sb.Append(nl).Append("  FROM ").Append(relation);
        if (!string.IsNullOrWhiteSpace(where)) sb.Append(nl).Append("  WHERE (").Append(where).Append(')');
        sb.Append(nl).Append("),").Append(nl);

        // used: the rows with no missing value, keys and base variables (NULL where undefined: counted and refused).
        string complete = string.Join(" AND ", columns.Select(c => colAlias[c] + " IS NOT NULL"));
        sb.Append("used AS (").Append(nl).Append("  SELECT");
        var items = new List<string>();
        for (int k = 0; k < nk; k++) items.Add($"{colAlias[plan.KeyColumns[k]]} AS k{k}");
        for (int b = 0; b < nb; b++) items.Add($"{q.Base(plan.Base[b], colAlias)} AS b{b}");
        sb.Append(' ').Append(string.Join(",\n    ", items));
        sb.Append(nl).Append("  FROM src").Append(nl).Append("  WHERE ").Append(complete).Append(nl).Append("),").Append(nl);

        string keys = string.Join(", ", Enumerable.Range(0, nk).Select(k => $"k{k}"));
        // shifted: each base variable less the cell's smallest value of it.
        sb.Append("shifted AS (").Append(nl).Append("  SELECT");
        items.Clear();
        for (int k = 0; k < nk; k++) items.Add(window ? $"k{k}" : $"used.k{k}");
        if (window)
        {
            string over = nk == 0 ? "OVER ()" : $"OVER (PARTITION BY {keys})";
            for (int b = 0; b < nb; b++) items.Add($"MIN(b{b}) {over} AS s{b}");
            for (int b = 0; b < nb; b++) items.Add($"b{b} - MIN(b{b}) {over} AS u{b}");
            sb.Append(' ').Append(string.Join(",\n    ", items)).Append(nl).Append("  FROM used").Append(nl);
        }
        else
        {
            for (int b = 0; b < nb; b++) items.Add($"m.s{b}");
            for (int b = 0; b < nb; b++) items.Add($"used.b{b} - m.s{b} AS u{b}");
            sb.Append(' ').Append(string.Join(",\n    ", items)).Append(nl).Append("  FROM used").Append(nl);
            string mins = string.Join(", ", Enumerable.Range(0, nk).Select(k => $"k{k}").Concat(Enumerable.Range(0, nb).Select(b => $"MIN(b{b}) AS s{b}")));
            sb.Append("  JOIN (SELECT ").Append(mins).Append(" FROM used").Append(nk > 0 ? $" GROUP BY {keys}" : "").Append(") m").Append(nl);
            sb.Append("    ON ").Append(nk == 0 ? "1 = 1" : string.Join(" AND ", Enumerable.Range(0, nk).Select(k => $"used.k{k} = m.k{k}"))).Append(nl);
        }
        sb.Append(')').Append(nl);

        // The cells.
        int at = 0;
        items.Clear();
        items.Add($"'cell' AS {q.Id(names[at++])}");
        for (int k = 0; k < nk; k++) items.Add($"k{k} AS {q.Id(names[at++])}");
        items.Add($"COUNT(*) AS {q.Id(names[at++])}");
        for (int b = 0; b < nb; b++) items.Add($"MIN(s{b}) AS {q.Id(names[at++])}");
        for (int b = 0; b < nb; b++) items.Add($"CASE WHEN MAX(u{b}) > 0 THEN 1 ELSE 0 END AS {q.Id(names[at++])}");
        for (int m = 1; m < plan.Monomials.Length; m++)
            items.Add($"SUM({string.Join(" * ", plan.Monomials[m].Select(b => $"u{b}"))}) AS {q.Id(names[at++])}");
        int rest = names.Length - at;
        for (int r = 0; r < rest; r++) items.Add($"CAST(NULL AS BIGINT) AS {q.Id(names[at + r])}");
        sb.Append("SELECT ").Append(string.Join(",\n  ", items)).Append(nl).Append("FROM shifted").Append(nl);
        if (nk > 0) sb.Append("GROUP BY ").Append(keys).Append(nl);

        // The total row.
        items.Clear();
        items.Add("'total'");
        for (int k = 0; k < nk; k++) items.Add($"CAST(NULL AS {q.Text})");
        items.Add("a.n");
        for (int r = 0; r < nb; r++) items.Add($"CAST(NULL AS {q.Double})");
        for (int r = 0; r < nb; r++) items.Add("CAST(NULL AS INTEGER)");
        for (int r = 0; r < plan.Monomials.Length - 1; r++) items.Add($"CAST(NULL AS {q.Double})");
        for (int i = 0; i < columns.Length; i++) items.Add($"a.n - a.{colAlias[columns[i]]}");
        for (int i = 0; i < invalid.Length; i++) items.Add($"COALESCE(b.i{i}, 0)");
        items.Add("COALESCE(b.y, 0)");
        sb.Append("UNION ALL").Append(nl).Append("SELECT ").Append(string.Join(",\n  ", items)).Append(nl);
        sb.Append("FROM (SELECT COUNT(*) AS n");
        foreach (var c in columns) sb.Append($", COUNT({colAlias[c]}) AS {colAlias[c]}");
        sb.Append(" FROM src) a").Append(nl).Append("CROSS JOIN (SELECT ");
        var totals = new List<string>();
        for (int i = 0; i < invalid.Length; i++) totals.Add($"SUM(CASE WHEN b{invalid[i]} IS NULL THEN 1 ELSE 0 END) AS i{i}");
        string y = plan.Offset >= 0 ? $"b{plan.Outcome} - b{plan.Offset}" : $"b{plan.Outcome}";
        totals.Add($"SUM(CASE WHEN {y} IN (0, 1) THEN 0 ELSE 1 END) AS y");
        sb.Append(string.Join(", ", totals)).Append(" FROM used) b").Append(nl);
        sb.Append("ORDER BY 1").Append(nk > 0 ? ", " + string.Join(", ", Enumerable.Range(2, nk)) : "");
        return new SqlMomentQuery(plan, dialect, Wrap(sb.ToString()), names, invalid);
    }

    /// <summary>Lines over 80 characters broken at a space (the printed query fits a terminal).</summary>
    private static string Wrap(string sql)
    {
        var result = new StringBuilder();
        foreach (var line in sql.Split('\n'))
        {
            string rest = line;
            string indent = new(' ', Math.Min(rest.Length - rest.TrimStart().Length + 4, 12));
            while (rest.Length > 80)
            {
                int cut = rest.LastIndexOf(' ', 80);
                // Never inside a quoted name or text (an even count of quotes before the cut).
                while (cut > indent.Length && Quotes(rest.AsSpan(0, cut)) % 2 != 0) cut = rest.LastIndexOf(' ', cut - 1);
                if (cut <= indent.Length) break;
                result.Append(rest.AsSpan(0, cut)).Append('\n');
                rest = indent + rest[(cut + 1)..];
            }
            result.Append(rest).Append('\n');
        }
        return result.ToString().TrimEnd('\n');
    }

    private static int Quotes(ReadOnlySpan<char> s)
    {
        int n = 0;
        foreach (char c in s) if (c is '"' or '`' or '\'') n++;
        return n;
    }

    /// <summary>The moments from the query's result rows (values as the database gives them, by position), as
    /// <see cref="MomentReader"/> gives them for a CSV file: a row whose transformed value is undefined is refused, as
    /// the rows path refuses it; cells are in the order of their keys.</summary>
    public CellMoments Read(IEnumerable<object?[]> rows, string? source) => ReadRows(Plan, rows.Select(r => (IReadOnlyList<object?>)r), source, _invalidBases);

    /// <summary>The moments from rows in the statistics-file layout of <paramref name="plan"/>.</summary>
    internal static CellMoments ReadRows(MomentPlan plan, IEnumerable<IReadOnlyList<object?>> rows, string? source, int[]? invalidBases = null)
    {
        invalidBases ??= InvalidBases(plan);
        int nk = plan.KeyColumns.Length, nb = plan.Base.Length, nm = plan.Monomials.Length;
        var columns = plan.Spec.Columns.Distinct().ToArray();
        var moments = new CellMoments(plan) { Source = source };
        bool total = false;
        foreach (var row in rows)
        {
            int at = 0;
            string kind = Convert.ToString(row[at++], CultureInfo.InvariantCulture) ?? "";
            if (kind == "total")
            {
                if (total) throw new DataException($"{source}: two 'total' rows.");
                total = true;
                at += nk;
                moments.RowsRead = Count(row[at]);
                at += 1 + 2 * nb + nm - 1;
                foreach (var c in columns) moments.Missing[c] = checked((int)Count(row[at++]));
                foreach (int b in invalidBases)
                {
                    long bad = Count(row[at++]);
                    if (bad > 0) throw new DataException(Invalid(plan.Base[b], bad, source));
                }
                moments.OutcomeZeroOne = Count(row[at]) == 0;
                continue;
            }
            if (kind != "cell") throw new DataException($"{source}: row_type '{kind}' is neither 'cell' nor 'total'.");
            var key = new string[nk];
            for (int k = 0; k < nk; k++)
                key[k] = Convert.ToString(row[at++], CultureInfo.InvariantCulture) ?? throw new DataException($"{source}: a cell without a value of {plan.KeyColumns[k]}.");
            long n = Count(row[at++]);
            if (n == 0) continue;
            var cell = new MomentCell(key, nb, nm) { N = n };
            for (int b = 0; b < nb; b++) cell.Shift[b] = Number(row[at++]);
            for (int b = 0; b < nb; b++) cell.Varies[b] = Count(row[at++]) != 0;
            cell.Sum[0] = n;
            for (int m = 1; m < nm; m++) cell.Sum[m] = Number(row[at++]);
            var into = moments.Cell(key);
            if (into.N != 0) throw new DataException($"{source}: the cell {string.Join(", ", key)} appears twice; merge the files' cells first.");
            into.N = cell.N;
            cell.Shift.CopyTo(into.Shift, 0);
            cell.Varies.CopyTo(into.Varies, 0);
            cell.Sum.CopyTo(into.Sum, 0);
        }
        if (!total) throw new DataException($"{source}: no 'total' row (rows read, missing values): is it the whole result of the statistics query?");
        // Cells in the order of their keys, level by level as the model orders levels (the rows path's order for nested
        // factors; for crossed factors the rows path numbers cells as they first appear in the file).
        var ordered = SortedCells(plan, moments.Cells);
        moments.Cells.Clear();
        moments.Cells.AddRange(ordered);
        return moments;
    }

    /// <summary>The moments in a CSV file holding the statistics query's result (as <c>duckdb -csv</c>, psql's
    /// <c>\copy (…) TO 'f.csv' CSV HEADER</c> or Spark's <c>write.csv</c> save it): the header must be the query's
    /// columns for <paramref name="spec"/> (a name cut at 63 bytes, as PostgreSQL cuts them, is accepted); empty fields
    /// are NULL.</summary>
    internal static CellMoments ReadResultFile(string path, ModelSpec spec, string[] lines)
    {
        var header = StatisticsFile.Split(lines[0].TrimStart('\uFEFF'));
        int nAt = Array.IndexOf(header, "n");
        if (nAt < 1)
            throw new DataException($"'{path}': the header has no column 'n' (each cell's row count): is it the result of bayeshlm stats-sql?");
        var keyNames = header[1..nAt];
        MomentPlan plan;
        try { plan = MomentPlan.Create(spec, c => keyNames.Contains(c)); }
        catch (StreamingNotPossibleException e)
        {
            throw new ModelSpecificationException($"The model cannot be fitted from a statistics file: {e.Message}. Fit it from the data (--data FILE).");
        }
        var expected = ColumnNames(plan);
        bool same = expected.Length == header.Length;
        for (int i = 0; same && i < header.Length; i++)
            same = header[i] == expected[i] || (Encoding.UTF8.GetByteCount(header[i]) == 63 && expected[i].StartsWith(header[i], StringComparison.Ordinal));
        if (!same)
            throw new DataException($"'{path}' holds the result of another model's statistics query, not of {spec.ToFormula()}: its columns " +
                                    $"differ from the query's ({string.Join(", ", expected.Take(6))}, …). Run the query bayeshlm stats-sql --formula \"{spec.ToFormula()}\" prints.");
        var rows = new List<IReadOnlyList<object?>>();
        for (int line = 1; line < lines.Length; line++)
        {
            if (lines[line].Length == 0) continue;
            var f = StatisticsFile.Split(lines[line]);
            if (f.Length != header.Length)
                throw new DataException($"'{path}', line {line + 1}: {f.Length} fields, but the header has {header.Length}. Save the whole result of the query again.");
            rows.Add(f.Select(v => v.Length == 0 ? null : (object?)v).ToArray());
        }
        return ReadRows(plan, rows, path);
    }

    private static List<MomentCell> SortedCells(MomentPlan plan, List<MomentCell> cells)
    {
        int nk = plan.KeyColumns.Length;
        var rank = new int[nk][];
        for (int k = 0; k < nk; k++)
        {
            var distinct = cells.Select(c => c.Key[k]).Distinct(StringComparer.Ordinal).ToList();
            var order = LevelOrder.Sort(distinct);
            var r = new Dictionary<string, int>(StringComparer.Ordinal);
            for (int i = 0; i < order.Length; i++) r[distinct[order[i]]] = i;
            rank[k] = cells.Select(c => r[c.Key[k]]).ToArray();
        }
        var idx = Enumerable.Range(0, cells.Count).ToArray();
        Array.Sort(idx, (a, b) =>
        {
            for (int k = 0; k < nk; k++)
            {
                int c = rank[k][a].CompareTo(rank[k][b]);
                if (c != 0) return c;
            }
            return 0;
        });
        return idx.Select(i => cells[i]).ToList();
    }

    private static string Invalid(Variable v, long count, string? source) =>
        $"{source}: {v.Name} is not a finite number in {count} row{(count == 1 ? "" : "s")} the model uses " +
        (v.Function switch
        {
            VariableFunction.Log => $"(log({v.Column}) needs positive values). Remove or shift the non-positive values.",
            VariableFunction.Sqrt => "(a square root needs values of at least 0).",
            VariableFunction.Exp => "(too large for exp: rescale the column).",
            _ => "(a division by zero, a log of a value that is not positive, a square root of a negative value, or a negative number to a fractional power).",
        });

    private static long Count(object? value) => value switch
    {
        null => 0,
        long l => l,
        int i => i,
        double d => checked((long)d),
        decimal m => (long)m,
        System.Numerics.BigInteger b => (long)b,
        string s when long.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out long l) => l,
        string s when double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out double d) && d == Math.Floor(d) && Math.Abs(d) < 9e15 => (long)d,
        string s => throw new DataException($"'{s}' is not a count."),
        _ => Convert.ToInt64(value, CultureInfo.InvariantCulture),
    };

    private static double Number(object? value) => value switch
    {
        null => throw new DataException("A cell's statistic is NULL."),
        double d => d,
        float f => f,
        decimal m => (double)m,
        string s when double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out double d) => d,
        string s => throw new DataException($"'{s}' is not a number."),
        _ => Convert.ToDouble(value, CultureInfo.InvariantCulture),
    };

    /// <summary>Writes SQL in one dialect.</summary>
    private sealed class Writer(SqlDialect dialect)
    {
        public string Double => dialect switch { SqlDialect.Ansi or SqlDialect.Postgres => "DOUBLE PRECISION", _ => "DOUBLE" };
        public string Text => dialect switch { SqlDialect.Spark => "STRING", SqlDialect.Postgres => "TEXT", _ => "VARCHAR" };

        public string Id(string name) => dialect == SqlDialect.Spark
            ? "`" + name.Replace("`", "``") + "`"
            : "\"" + name.Replace("\"", "\"\"") + "\"";

        /// <summary>A key column as text: trimmed, with empty, NA, '.' and NaN as NULL (as the readers read text).</summary>
        public string TextKey(string column)
        {
            string t = $"TRIM(CAST({column} AS {Text}))";
            return $"CASE WHEN {t} IN ('', 'NA', '.') OR UPPER({t}) = 'NAN' THEN NULL ELSE {t} END";
        }

        /// <summary>A base variable from the typed columns; NULL where it is undefined.</summary>
        public string Base(Variable v, Dictionary<string, string> alias) => v.Function switch
        {
            VariableFunction.None => alias[v.Column],
            VariableFunction.Log => Log(alias[v.Column]),
            VariableFunction.Sqrt => Sqrt(alias[v.Column]),
            VariableFunction.Exp => $"EXP({alias[v.Column]})",
            VariableFunction.AsIs => Expr(v.Expression!, alias),
            _ => throw new InvalidOperationException($"{v.Name} is not a base variable."),
        };

        private static string Log(string x) => $"LN(CASE WHEN {x} > 0 THEN {x} END)";
        private static string Sqrt(string x) => $"SQRT(CASE WHEN {x} >= 0 THEN {x} END)";

        private string Literal(double value) =>
            value == Math.Floor(value) && Math.Abs(value) < 1e15
                ? $"CAST({value.ToString("F0", CultureInfo.InvariantCulture)} AS {Double})"
                : $"CAST({value.ToString("R", CultureInfo.InvariantCulture)} AS {Double})";

        private string Expr(ArithmeticExpression e, Dictionary<string, string> alias) => e switch
        {
            NumberLiteral n => Literal(n.Value),
            ColumnReference c => alias[c.Column],
            ParenthesizedExpression p => $"({Expr(p.Inner, alias)})",
            UnaryExpression u => u.Operator == '-' ? $"(-{Expr(u.Operand, alias)})" : Expr(u.Operand, alias),
            FunctionCall f => f.Function switch
            {
                "log" => Log($"({Expr(f.Argument, alias)})"),
                "sqrt" => Sqrt($"({Expr(f.Argument, alias)})"),
                _ => $"EXP({Expr(f.Argument, alias)})",
            },
            BinaryExpression { Operator: '/' } b => $"({Expr(b.Left, alias)} / NULLIF({Expr(b.Right, alias)}, 0))",
            BinaryExpression { Operator: '^', Right: NumberLiteral { Value: var p } } b when p == Math.Floor(p) && p >= 0 && p <= 64 =>
                $"POWER({Expr(b.Left, alias)}, {p.ToString("F0", CultureInfo.InvariantCulture)})",
            BinaryExpression { Operator: '^' } b => Power(Expr(b.Left, alias), Expr(b.Right, alias)),
            BinaryExpression b => $"({Expr(b.Left, alias)} {b.Operator} {Expr(b.Right, alias)})",
            _ => throw new InvalidOperationException($"Unknown expression node {e.GetType().Name}."),
        };

        private static string Power(string a, string b) =>
            $"(CASE WHEN ({a}) < 0 AND ({b}) <> FLOOR({b}) THEN NULL WHEN ({a}) = 0 AND ({b}) < 0 THEN NULL ELSE POWER({a}, {b}) END)";
    }
}
