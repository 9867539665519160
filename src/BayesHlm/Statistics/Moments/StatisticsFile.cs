using System.Globalization;
using System.Text;
using BayesHlm.Data;
using BayesHlm.Model;

namespace BayesHlm.Statistics.Moments;

/// <summary>
/// The per-cell moments as a CSV file (docs/statistics-file.md; as Parquet, <see cref="StatisticsParquet"/>): '#' lines of metadata (the format, the formula, the
/// plan's signature, rows read, missing values per column, the 0/1-outcome flag, the source), a header, one row per
/// cell — key columns by name, <c>n</c>, <c>shift:VAR</c>, <c>varies:VAR</c>, <c>sum:MONOMIAL</c> — and a closing
/// <c># end: N cells</c> line, without which the file is refused as cut short. Written atomically.
/// </summary>
internal static class StatisticsFile
{
    private const string Magic = "# bayeshlm statistics 1";
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>Writes <paramref name="moments"/> to <paramref name="path"/> (a temporary file renamed when complete): as
    /// Parquet when the name ends in .parquet, as CSV otherwise.</summary>
    public static void Write(CellMoments moments, string path)
    {
        if (IsParquet(path)) StatisticsParquet.Write(moments, path, Header(moments.Plan), MetaOf(moments));
        else WriteCsv(moments, path);
    }

    /// <summary>True for a file name ending in .parquet (any case).</summary>
    internal static bool IsParquet(string path) => path.EndsWith(".parquet", StringComparison.OrdinalIgnoreCase);

    /// <summary>The cell columns of <paramref name="plan"/>, in the file's order.</summary>
    internal static string[] Header(MomentPlan plan) => plan.KeyColumns.Append("n")
        .Concat(plan.Base.Select(b => "shift:" + b.Name))
        .Concat(plan.Base.Select(b => "varies:" + b.Name))
        .Concat(Enumerable.Range(1, plan.Monomials.Length - 1).Select(m => "sum:" + plan.MonomialText(m))).ToArray();

    /// <summary>The metadata, key by key, as the CSV's '#' lines hold it.</summary>
    private static Dictionary<string, string> MetaOf(CellMoments moments) => new(StringComparer.Ordinal)
    {
        ["formula"] = moments.Plan.Spec.ToFormula(),
        ["plan"] = moments.Plan.Signature,
        ["rows_read"] = moments.RowsRead.ToString(Inv),
        ["missing"] = string.Join(";", moments.Missing.Select(m => $"{m.Key}={m.Value.ToString(Inv)}")),
        ["outcome_zero_one"] = moments.OutcomeZeroOne ? "true" : "false",
        ["source"] = moments.Source ?? "",
    };

    private static void WriteCsv(CellMoments moments, string path) =>
        Reporting.AtomicFile.Write(path, stream =>
        {
            using var w = new StreamWriter(stream, new UTF8Encoding(false));
            w.Write(Magic + "\n");
            foreach (var (key, value) in MetaOf(moments)) w.Write($"# {key}: {value}\n");
            w.Write(string.Join(",", Header(moments.Plan).Select(Quote)) + "\n");
            var sb = new StringBuilder();
            int cells = 0;
            foreach (var c in moments.Cells)
            {
                if (c.N == 0) continue;
                sb.Clear();
                foreach (var k in c.Key) sb.Append(Quote(k)).Append(',');
                sb.Append(c.N.ToString(Inv));
                foreach (double s in c.Shift) sb.Append(',').Append(s.ToString("R", Inv));
                foreach (bool v in c.Varies) sb.Append(',').Append(v ? '1' : '0');
                for (int m = 1; m < c.Sum.Length; m++) sb.Append(',').Append(c.Sum[m].ToString("R", Inv));
                w.Write(sb.Append('\n').ToString());
                cells++;
            }
            w.Write($"# end: {cells.ToString(Inv)} cells\n");
        });

    /// <summary>The formula a statistics file was written for (its '# formula:' line).</summary>
    public static string Formula(string path)
    {
        if (!File.Exists(path))
            throw new DataException($"Statistics file '{path}' not found (looked for '{Path.GetFullPath(path)}').");
        if (IsParquet(path))
            return StatisticsParquet.Read(path).Meta.TryGetValue("formula", out var f) ? f
                : throw new DataException($"'{path}': the metadata 'formula' is missing. Write the file again with bayeshlm stats.");
        using var r = new StreamReader(path);
        if (r.ReadLine() != Magic)
            throw new DataException($"'{path}' is not a statistics file written by bayeshlm stats: its first line should be '{Magic}'.");
        for (string? line = r.ReadLine(); line is not null && line.StartsWith('#'); line = r.ReadLine())
            if (line.StartsWith("# formula: ", StringComparison.Ordinal)) return line["# formula: ".Length..];
        throw new DataException($"'{path}': the metadata line '# formula: …' is missing. Write the file again with bayeshlm stats.");
    }

    /// <summary>Reads a statistics file for <paramref name="spec"/>; a <see cref="DataException"/> naming the file for a
    /// file of another model, one cut short, or one with a missing or malformed column.</summary>
    public static CellMoments Read(string path, ModelSpec spec)
    {
        if (!File.Exists(path))
            throw new DataException($"Statistics file '{path}' not found (looked for '{Path.GetFullPath(path)}'). Write one with bayeshlm stats --data FILE --formula \"...\" --out {path}.");
        if (IsParquet(path))
        {
            var table = StatisticsParquet.Read(path);
            return Parse(path, spec, table.Meta, table.Header, table.Rows, table.Cells, row => row == 0 ? "its columns" : $"row {row}");
        }
        string[] lines;
        try { lines = File.ReadAllLines(path, new UTF8Encoding(false, true)); }
        catch (DecoderFallbackException e) { throw new DataException($"'{path}' is not a statistics file written by bayeshlm stats (it is not UTF-8 text).", e); }
        // The result of the statistics query (bayeshlm stats-sql) saved as CSV by the database: the same cell columns.
        if (lines.Length > 0 && lines[0].TrimStart('\uFEFF').StartsWith("row_type,", StringComparison.Ordinal))
            return SqlMomentQuery.ReadResultFile(path, spec, lines);
        if (lines.Length == 0 || lines[0] != Magic)
            throw new DataException($"'{path}' is not a statistics file written by bayeshlm stats: its first line should be '{Magic}'. Give the file of 'bayeshlm stats --out', or the data itself with --data.");
        var meta = new Dictionary<string, string>(StringComparer.Ordinal);
        int at = 1;
        for (; at < lines.Length && lines[at].StartsWith('#'); at++)
        {
            int colon = lines[at].IndexOf(':');
            if (colon > 2) meta[lines[at][2..colon]] = lines[at][(colon + 1)..].Trim();
        }
        if (!lines[^1].StartsWith("# end: ", StringComparison.Ordinal))
            throw new DataException($"'{path}' is cut short: it lacks its closing '# end: N cells' line. Copy it again, or write it again with bayeshlm stats.");
        if (at >= lines.Length - 1)
            throw new DataException($"'{path}': the header row of the cells is missing. Write the file again with bayeshlm stats.");
        int headerLine = at;
        var rows = new List<(int, string[])>();
        for (int line = at + 1; line < lines.Length - 1; line++)
            if (!lines[line].StartsWith('#')) rows.Add((line + 1, Split(lines[line])));
        string end = lines[^1]["# end: ".Length..].Split(' ')[0];
        return Parse(path, spec, meta, Split(lines[headerLine]), rows, end, line => line == 0 ? $"line {headerLine + 1}" : $"line {line}");
    }

    /// <summary>The cells of a statistics file, from its metadata, header and rows (each with the number
    /// <paramref name="where"/> names it by; 0 for the header), checked against <paramref name="spec"/>.</summary>
    private static CellMoments Parse(string path, ModelSpec spec, Dictionary<string, string> meta, string[] header,
        IReadOnlyList<(int Number, string[] Fields)> rows, string end, Func<int, string> where)
    {
        string Meta(string key) => meta.TryGetValue(key, out var v) ? v
            : throw new DataException($"'{path}': the metadata '{key}' is missing. Write the file again with bayeshlm stats.");
        var keyNames = header.TakeWhile(h => h != "n").ToArray();
        if (keyNames.Length == header.Length)
            throw new DataException($"'{path}', {where(0)}: the header has no column 'n' (each cell's row count). Write the file again with bayeshlm stats.");
        MomentPlan plan;
        try { plan = MomentPlan.Create(spec, c => keyNames.Contains(c)); }
        catch (StreamingNotPossibleException e)
        {
            throw new ModelSpecificationException($"The model cannot be fitted from a statistics file: {e.Message}. Fit it from the data (--data FILE).");
        }
        if (plan.Signature != Meta("plan"))
            throw new DataException($"'{path}' holds the statistics of another model ({Meta("formula")}), not of {spec.ToFormula()}: the variables and sums it needs differ. " +
                                    $"Write them for this model: bayeshlm stats --data FILE --formula \"{spec.ToFormula()}\" --out {Path.GetFileName(path)}.");
        var expected = Header(plan);
        foreach (var name in expected)
            if (!header.Contains(name))
                throw new DataException($"'{path}', {where(0)}: the column '{name}' is missing from the header. Write the file again with bayeshlm stats.");
        var index = expected.Select(name => Array.IndexOf(header, name)).ToArray();
        var moments = new CellMoments(plan) { Source = Meta("source") };
        moments.RowsRead = Long(Meta("rows_read"), "rows_read", 0);
        foreach (var part in Meta("missing").Split(';', StringSplitOptions.RemoveEmptyEntries))
        {
            int eq = part.LastIndexOf('=');
            if (eq > 0) moments.Missing[part[..eq]] = (int)Long(part[(eq + 1)..], "missing", 0);
        }
        moments.OutcomeZeroOne = Meta("outcome_zero_one") == "true";
        int nk = plan.KeyColumns.Length, nb = plan.Base.Length, cells = 0;
        foreach (var (line, f) in rows)
        {
            if (f.Length != header.Length)
                throw new DataException($"'{path}', {where(line)}: {f.Length} fields, but the header has {header.Length}. The file is damaged: write it again with bayeshlm stats.");
            var cell = moments.Cell(Enumerable.Range(0, nk).Select(k => f[index[k]]).ToArray());
            if (cell.N != 0)
                throw new DataException($"'{path}', {where(line)}: the cell ({string.Join(", ", cell.Key)}) appears twice. Merge shards with bayeshlm stats-merge, not by joining their files.");
            cell.N = Long(f[index[nk]], "n", line);
            for (int b = 0; b < nb; b++)
            {
                cell.Shift[b] = Number(f[index[nk + 1 + b]], expected[nk + 1 + b], line);
                cell.Varies[b] = f[index[nk + 1 + nb + b]] == "1";
            }
            cell.Sum[0] = cell.N;
            for (int m = 1; m < plan.Monomials.Length; m++) cell.Sum[m] = Number(f[index[nk + 2 * nb + m]], expected[nk + 2 * nb + m], line);
            cells++;
        }
        if (end != cells.ToString(Inv))
            throw new DataException($"'{path}' is damaged: its closing line counts {end} cells, but it holds {cells}. Write it again with bayeshlm stats.");
        return moments;

        long Long(string text, string what, int line) =>
            long.TryParse(text, NumberStyles.Integer, Inv, out long v) && v >= 0 ? v
                : throw new DataException($"'{path}', {where(line)}: '{text}' is not a count ({what}). The file is damaged: write it again with bayeshlm stats.");
        double Number(string text, string what, int line) =>
            double.TryParse(text, NumberStyles.Float, Inv, out double v) && double.IsFinite(v) ? v
                : throw new DataException($"'{path}', {where(line)}, column '{what}': '{text}' is not a finite number. The file is damaged: write it again with bayeshlm stats.");
    }

    private static string Quote(string s) =>
        s.AsSpan().IndexOfAny(",\"\n\r") >= 0 || s != s.Trim() ? "\"" + s.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : s;

    internal static string[] Split(string line)
    {
        var fields = new List<string>();
        var sb = new StringBuilder();
        bool quoted = false;
        for (int i = 0; i < line.Length; i++)
        {
            char c = line[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < line.Length && line[i + 1] == '"') { sb.Append('"'); i++; }
                else if (c == '"') quoted = false;
                else sb.Append(c);
            }
            else if (c == '"') quoted = true;
            else if (c == ',') { fields.Add(sb.ToString()); sb.Clear(); }
            else sb.Append(c);
        }
        fields.Add(sb.ToString());
        return fields.ToArray();
    }
}
