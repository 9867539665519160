namespace BayesHlm.Data;

/// <summary>
/// An immutable table of named columns, read once. Everything downstream works on the
/// design columns and per-group sufficient statistics built from it, never on the file again.
/// </summary>
public sealed class DataTable
{
    private readonly Dictionary<string, DataColumn> _byName;
    private readonly int[]? _sourceLines;
    private readonly IReadOnlyList<string>? _sourceColumnNames;

    /// <param name="columns">The columns, all of one length.</param>
    /// <param name="source">Where the table came from (a file path), for messages.</param>
    /// <param name="sourceLines">The line of the source file each row was read from (header = line 1); by
    /// default row i is line i + 2.</param>
    /// <param name="sourceColumnNames">Every column of the source, in its order, when only some were read (a CSV file
    /// read for a model's columns): a name that is not found is then told among all of them, and a name the header
    /// holds twice is refused even where that column was not read.</param>
    public DataTable(IReadOnlyList<DataColumn> columns, string? source = null, int[]? sourceLines = null, IReadOnlyList<string>? sourceColumnNames = null)
    {
        ArgumentNullException.ThrowIfNull(columns);
        Columns = columns;
        Source = source;
        RowCount = columns.Count == 0 ? 0 : columns[0].Length;
        if (sourceLines is not null && sourceLines.Length != RowCount)
            throw new ArgumentException("One source line per row is needed.", nameof(sourceLines));
        _sourceLines = sourceLines;
        _sourceColumnNames = sourceColumnNames;
        // Names compare by canonical equivalence: a name typed with a precomposed é finds a header written with e and a
        // combining accent; the two look the same and nothing else would tell the user why the column is "not found".
        _byName = new Dictionary<string, DataColumn>(UnicodeCanonical.Comparer);
        if (sourceColumnNames is not null)
        {
            var seen = new Dictionary<string, string>(UnicodeCanonical.Comparer);
            foreach (var name in sourceColumnNames)
                if (!seen.TryAdd(name, name)) throw Twice(name, seen[name], source);
        }
        foreach (var c in columns)
        {
            if (c.Length != RowCount)
                throw new ArgumentException($"Column '{c.Name}' has {c.Length} rows, expected {RowCount}.");
            if (!_byName.TryAdd(c.Name, c)) throw Twice(c.Name, _byName[c.Name].Name, source);
        }
    }

    private static DataException Twice(string name, string other, string? source) =>
        new(UnicodeCanonical.DifferOnlyInNormalisation(name, other)
            ? $"{SourceLabel(source)}: two columns of the header are named '{name}' — written with different Unicode code points (precomposed and combining accents) that look the same. Rename one of them."
            : $"{SourceLabel(source)}: the column name '{name}' appears twice in the header. Rename one of them.");

    /// <summary>Where the table came from (a file path), for messages; null when built in memory.</summary>
    public string? Source { get; }

    /// <summary>The columns, in the header's order.</summary>
    public IReadOnlyList<DataColumn> Columns { get; }

    /// <summary>Number of data rows (the header not counted).</summary>
    public int RowCount { get; }

    /// <summary>The line of the source file that row <paramref name="row"/> was read from, for messages.</summary>
    public int LineOf(int row) => _sourceLines is null ? row + 2 : _sourceLines[row];

    /// <summary>"'file', line N" for messages about a row.</summary>
    internal string Where(int row) => $"{SourceLabel(Source)}, line {LineOf(row)}";

    /// <summary>Every value of a column that is not a number, the first ten with their lines: one read tells all there is to fix.</summary>
    internal string NotNumbers(TextColumn column)
    {
        var (rows, count) = column.NonNumericRows(10);
        string listed = string.Join(", ", rows.Select(r => $"line {LineOf(r)} '{column.TextAt(r)}'"));
        return count == 1
            ? $"{Where(rows[0])}, column '{column.Name}': the value '{column.TextAt(rows[0])}' is not a (finite) number"
            : $"{SourceLabel(Source)}, column '{column.Name}': {count} values are not (finite) numbers — {listed}{(count > rows.Count ? $", and {count - rows.Count} more" : "")}";
    }

    /// <summary>The names of the columns read, in the header's order.</summary>
    public IEnumerable<string> ColumnNames => Columns.Select(c => c.Name);

    /// <summary>True when a column is called <paramref name="name"/> (case-sensitive; accents may be precomposed or combining).</summary>
    public bool Contains(string name) => _byName.ContainsKey(name);

    /// <summary>The column called <paramref name="name"/> (as <see cref="Contains"/> matches), or false, without the indexer's error.</summary>
    public bool TryGetColumn(string name, out DataColumn column) => _byName.TryGetValue(name, out column!);

    /// <summary>The column called <paramref name="name"/>; a <see cref="DataException"/> listing the
    /// columns and the closest name when there is none.</summary>
    public DataColumn this[string name]
    {
        get
        {
            if (_byName.TryGetValue(name, out var c)) return c;
            throw new DataException(MissingColumnMessage(name));
        }
    }

    internal string MissingColumnMessage(string name)
    {
        var names = _sourceColumnNames ?? ColumnNames;
        string closest = Closest.Name(name, names);
        string suggestion = closest.Length > 0 ? $" Did you mean '{closest}'?" : "";
        return $"Column '{name}' not found in {SourceLabel(Source)}.{suggestion} Columns: {string.Join(", ", names)}.";
    }

    internal static string SourceLabel(string? source) => source is null ? "the data" : $"'{source}'";

    /// <summary>Reads a delimited text file (see <see cref="CsvTableReader"/>); the columns named in
    /// <paramref name="labelColumns"/> are read as text whatever they hold (a model's <c>LabelColumns</c>).</summary>
    public static DataTable ReadCsv(string path, IEnumerable<string>? labelColumns = null, IEnumerable<string>? missingValues = null, bool decimalComma = false) =>
        CsvTableReader.Read(path, labelColumns, missingValues, decimalComma);

    /// <summary>Builds a table from numeric arrays, for use from code.</summary>
    public static DataTable FromColumns(IEnumerable<(string Name, double[] Values)> columns) =>
        new(columns.Select(c => (DataColumn)new NumericColumn(c.Name, c.Values)).ToList());

    /// <summary>The rows where <paramref name="keep"/> is true, as a new table.</summary>
    public DataTable Subset(ReadOnlySpan<bool> keep)
    {
        var idx = new List<int>();
        for (int i = 0; i < keep.Length; i++) if (keep[i]) idx.Add(i);
        var cols = new List<DataColumn>(Columns.Count);
        foreach (var c in Columns)
        {
            switch (c)
            {
                case NumericColumn n:
                    var v = new double[idx.Count];
                    for (int i = 0; i < v.Length; i++) v[i] = n[idx[i]];
                    cols.Add(new NumericColumn(n.Name, v) { SpellingLost = n.SpellingLost });
                    break;
                case TextColumn t:
                    var codes = new int[idx.Count];
                    for (int i = 0; i < codes.Length; i++) codes[i] = t.Codes[idx[i]];
                    cols.Add(new TextColumn(t.Name, codes, t.DistinctValues.ToArray()));
                    break;
            }
        }
        return new DataTable(cols, Source, idx.Select(LineOf).ToArray(), _sourceColumnNames);
    }
}

/// <summary>Closest-name suggestions for misspelt column names.</summary>
internal static class Closest
{
    public static string Name(string wanted, IEnumerable<string> candidates)
    {
        string best = "";
        int bestDistance = int.MaxValue;
        foreach (var c in candidates)
        {
            int d = Levenshtein(wanted.ToLowerInvariant(), c.ToLowerInvariant());
            if (d < bestDistance) { bestDistance = d; best = c; }
        }
        // A suggestion further away than half the name is noise.
        return bestDistance <= Math.Max(2, wanted.Length / 2) ? best : "";
    }

    private static int Levenshtein(string a, string b)
    {
        var prev = new int[b.Length + 1];
        var cur = new int[b.Length + 1];
        for (int j = 0; j <= b.Length; j++) prev[j] = j;
        for (int i = 1; i <= a.Length; i++)
        {
            cur[0] = i;
            for (int j = 1; j <= b.Length; j++)
                cur[j] = Math.Min(Math.Min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
            (prev, cur) = (cur, prev);
        }
        return prev[b.Length];
    }
}
