using System.Globalization;
using System.Runtime.InteropServices;
using ParquetSharp;

namespace BayesHlm.Data.Sources;

/// <summary>
/// Reads Parquet files with ParquetSharp (Apache Arrow's C++ reader): only the columns asked for, row group by row
/// group. Numbers (double, float, integers, decimals) are numeric columns; strings, booleans, dates and timestamps are
/// text, as the CSV reader treats text; a label column (a grouping factor) is text whatever its type, integers written
/// out exactly. A null (or NaN) is a missing value. Nested columns (lists, maps), binary without a string annotation,
/// INT96, fixed-length byte arrays (UUID, float16) are refused with the column's name and type — only when the model
/// uses them.
/// </summary>
public static class ParquetTableReader
{
    /// <summary>The file's columns with their Parquet types (physical, and logical when annotated).</summary>
    public static IReadOnlyList<(string Name, string Type)> Schema(string path)
    {
        using var file = Open(path);
        var schema = file.FileMetaData.Schema;
        return Enumerable.Range(0, schema.NumColumns).Select(i => schema.Column(i)).Select(d => (NameOf(d), TypeOf(d))).ToList();
    }

    /// <summary>The number of rows in the file.</summary>
    public static long RowCount(string path)
    {
        using var file = Open(path);
        return file.FileMetaData.NumRows;
    }

    /// <summary>Reads the file (or the columns named in <paramref name="columns"/>) into a table; the columns are read in
    /// parallel, each by its own reader. A <see cref="DataException"/> naming the file, the column and what to do for a
    /// file that is not Parquet, a column that is not there (with the file's columns and the closest name), or a
    /// column of a type that is neither number nor text.</summary>
    /// <param name="path">The file.</param>
    /// <param name="columns">The columns to read, null for all.</param>
    /// <param name="labelColumns">Columns read as labels (text) whatever their type (a model's <c>LabelColumns</c>).</param>
    /// <param name="missingValues">Codes that also mark a missing value (-99), compared with the value written out.</param>
    public static DataTable Read(string path, IEnumerable<string>? columns = null, IEnumerable<string>? labelColumns = null, IEnumerable<string>? missingValues = null)
    {
        var labels = labelColumns?.ToHashSet(UnicodeCanonical.Comparer) ?? new HashSet<string>(UnicodeCanonical.Comparer);
        var missing = missingValues?.Select(v => v.Trim()).Where(v => v.Length > 0).ToHashSet(StringComparer.Ordinal) ?? [];
        int[] indices;
        long rows;
        ColumnKind[] kinds;
        string[] names;
        using (var file = Open(path))
        {
            rows = file.FileMetaData.NumRows;
            if (rows > int.MaxValue - 64)
                throw new DataException($"'{path}' has {rows:N0} rows; a table holds at most {int.MaxValue - 64:N0}. Fit a subset, or aggregate the data first.");
            (indices, kinds, names) = Resolve(path, file.FileMetaData.Schema, columns);
        }
        if (rows == 0) throw new DataException($"'{path}' has no rows.");
        var built = new DataColumn[indices.Length];
        try
        {
            Parallel.For(0, indices.Length, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, k =>
            {
                using var file = new ParquetFileReader(path);
                var sink = new ColumnSink(names[k], kinds[k].IsNumeric(), labels.Contains(names[k]), missing, (int)rows);
                int groups = file.FileMetaData.NumRowGroups;
                for (int g = 0; g < groups; g++)
                {
                    using var group = file.RowGroup(g);
                    var chunk = ReadChunk(group, indices[k], kinds[k], checked((int)group.MetaData.NumRows));
                    chunk.Into(sink);
                }
                built[k] = sink.Build();
            });
        }
        catch (AggregateException e) when (e.InnerExceptions.All(x => x is ParquetException or DataException or IOException))
        {
            var first = e.InnerExceptions[0];
            if (first is DataException d) throw d;
            throw new DataException($"'{path}' could not be read ({(first is ParquetException p ? Reason(p) : first.Message)}): is it damaged or cut short?", first);
        }
        return new DataTable(built, path);
    }

    /// <summary>
    /// The file's row groups one after another, each as a <see cref="DataTable"/> of the columns asked for, converted as
    /// <see cref="Read"/> converts the whole file (labels as text, missing-value codes, an infinite value making the
    /// column text), so that a streaming pass meets the values the in-memory path would. A table's text codes are its
    /// own. Memory is one row group's columns: the file's writer chose the row groups' size.
    /// </summary>
    /// <param name="path">The file.</param>
    /// <param name="columns">The columns to read, null for all.</param>
    /// <param name="labelColumns">Columns read as labels (text) whatever their type.</param>
    /// <param name="missingValues">Codes that also mark a missing value.</param>
    internal static IEnumerable<DataTable> ReadRowGroups(string path, IEnumerable<string>? columns = null, IEnumerable<string>? labelColumns = null,
        IEnumerable<string>? missingValues = null)
    {
        var labels = labelColumns?.ToHashSet(UnicodeCanonical.Comparer) ?? new HashSet<string>(UnicodeCanonical.Comparer);
        var missing = missingValues?.Select(v => v.Trim()).Where(v => v.Length > 0).ToHashSet(StringComparer.Ordinal) ?? [];
        using var file = Open(path);
        var (indices, kinds, names) = Resolve(path, file.FileMetaData.Schema, columns);
        if (file.FileMetaData.NumRows == 0) throw new DataException($"'{path}' has no rows.");
        int groups = file.FileMetaData.NumRowGroups;
        for (int g = 0; g < groups; g++)
        {
            DataColumn[] built;
            try
            {
                using var group = file.RowGroup(g);
                int rows = checked((int)group.MetaData.NumRows);
                if (rows == 0) continue;
                built = new DataColumn[indices.Length];
                for (int k = 0; k < indices.Length; k++)
                {
                    var sink = new ColumnSink(names[k], kinds[k].IsNumeric(), labels.Contains(names[k]), missing, rows);
                    ReadChunk(group, indices[k], kinds[k], rows).Into(sink);
                    built[k] = sink.Build();
                }
            }
            catch (ParquetException e)
            {
                throw new DataException($"'{path}' could not be read ({Reason(e)}): is it damaged or cut short?", e);
            }
            yield return new DataTable(built, path);
        }
    }

    /// <summary>
    /// Reads the file row group by row group, each as a <see cref="ColumnBatch"/> of the columns asked for — numbers as
    /// double[] (NaN where missing), text and label columns as string[] (null where missing) — without holding more than
    /// one row group in memory: for statistics accumulated batch by batch.
    /// </summary>
    /// <param name="path">The file.</param>
    /// <param name="columns">The columns to read, null for all.</param>
    /// <param name="labelColumns">Columns given as text whatever their type (grouping factors).</param>
    public static IEnumerable<ColumnBatch> ReadBatches(string path, IEnumerable<string>? columns = null, IEnumerable<string>? labelColumns = null)
    {
        var labels = labelColumns?.ToHashSet(UnicodeCanonical.Comparer) ?? new HashSet<string>(UnicodeCanonical.Comparer);
        using var file = Open(path);
        var (indices, kinds, names) = Resolve(path, file.FileMetaData.Schema, columns);
        var integerText = names.Select(_ => new Dictionary<long, string>()).ToArray();
        long first = 0;
        int groups = file.FileMetaData.NumRowGroups;
        for (int g = 0; g < groups; g++)
        {
            BatchColumn[] batch;
            int rows;
            using (var group = file.RowGroup(g))
            {
                rows = checked((int)group.MetaData.NumRows);
                batch = new BatchColumn[indices.Length];
                for (int k = 0; k < indices.Length; k++)
                {
                    var chunk = ReadChunk(group, indices[k], kinds[k], rows);
                    batch[k] = kinds[k].IsNumeric() && !labels.Contains(names[k])
                        ? new BatchColumn(names[k], chunk.Numbers(), null)
                        : new BatchColumn(names[k], null, chunk.Texts(integerText[k]));
                }
            }
            yield return new ColumnBatch(first, rows, batch);
            first += rows;
        }
    }

    /// <summary>Opens the file; a <see cref="DataException"/> for a missing file, a folder, or a file that is not Parquet.</summary>
    private static ParquetFileReader Open(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (Directory.Exists(path))
            throw new DataException($"'{path}' is a folder, not a Parquet file. Give the path of one .parquet file.");
        if (!File.Exists(path))
            throw new DataException($"Data file '{path}' not found (looked for '{Path.GetFullPath(path)}'). Check the path, relative to the current folder.");
        try
        {
            using (var f = File.OpenRead(path))
            {
                Span<byte> head = stackalloc byte[4];
                Span<byte> tail = stackalloc byte[4];
                int n = f.ReadAtLeast(head, 4, throwOnEndOfStream: false);
                if (n < 4 || !head.SequenceEqual("PAR1"u8))
                    throw new DataException($"'{path}' is not a Parquet file (it does not start with the Parquet magic bytes 'PAR1'). " +
                                            "Give a .parquet file, or a CSV file with another extension.");
                f.Seek(-4, SeekOrigin.End);
                f.ReadExactly(tail);
                if (!tail.SequenceEqual("PAR1"u8))
                    throw new DataException($"'{path}' starts as a Parquet file but does not end as one: it is cut short or still being written. Copy or write it again.");
            }
            return new ParquetFileReader(path);
        }
        catch (ParquetException e)
        {
            throw new DataException($"'{path}' is not a readable Parquet file ({Reason(e)}). Is it damaged or cut short?", e);
        }
        catch (UnauthorizedAccessException e)
        {
            throw new DataException($"Could not read '{path}': permission denied.", e);
        }
    }

    /// <summary>Arrow's message without the C++ exception type around it.</summary>
    private static string Reason(ParquetException e)
    {
        var m = System.Text.RegularExpressions.Regex.Match(e.Message, @"message: '(.*)'\)?\s*$", System.Text.RegularExpressions.RegexOptions.Singleline);
        return (m.Success ? m.Groups[1].Value : e.Message).Trim();
    }

    /// <summary>The columns' positions and kinds; a <see cref="DataException"/> for a column not in the file or of a type not read.</summary>
    private static (int[] Indices, ColumnKind[] Kinds, string[] Names) Resolve(string path, SchemaDescriptor schema, IEnumerable<string>? wanted)
    {
        var byName = new Dictionary<string, int>(UnicodeCanonical.Comparer);
        var all = new List<string>();
        for (int i = 0; i < schema.NumColumns; i++)
        {
            // A nested column (a list x is stored as x.list.element) goes by its top-level name.
            var parts = PathOf(schema.Column(i));
            string name = parts[0];
            if (parts.Length > 1 && all.Contains(name)) continue;
            all.Add(name);
            if (!byName.TryAdd(name, i))
                throw new DataException($"'{path}': two columns are named '{name}'. Rename one of them.");
        }
        var names = (wanted ?? all).Distinct(UnicodeCanonical.Comparer).ToArray();
        var indices = new int[names.Length];
        var kinds = new ColumnKind[names.Length];
        for (int k = 0; k < names.Length; k++)
        {
            if (!byName.TryGetValue(names[k], out indices[k]))
            {
                string closest = Closest.Name(names[k], all);
                throw new DataException($"Column '{names[k]}' not found in '{path}'.{(closest.Length > 0 ? $" Did you mean '{closest}'?" : "")} Columns: {string.Join(", ", all)}.");
            }
            var d = schema.Column(indices[k]);
            var parts = PathOf(d);
            names[k] = parts[0];
            kinds[k] = parts.Length > 1 ? ColumnKind.Unsupported : KindOf(d);
            if (kinds[k] == ColumnKind.Unsupported)
                throw new DataException($"'{path}', column '{names[k]}': its Parquet type {TypeOf(d)} is neither a number nor text, so it cannot be read. " +
                                        "Write it as a number or a string (in DuckDB: CAST(column AS DOUBLE) or CAST(column AS VARCHAR) in the COPY's SELECT), or leave it out of the model.");
        }
        return (indices, kinds, names);
    }

    private static string NameOf(ColumnDescriptor d) => PathOf(d)[0];

    private static string[] PathOf(ColumnDescriptor d)
    {
        using var path = d.Path;
        return path.ToDotVector();
    }

    /// <summary>"INT32", "INT64 (Timestamp(...))", "BYTE_ARRAY (String)", ... for messages.</summary>
    internal static string TypeOf(ColumnDescriptor d)
    {
        string physical = d.PhysicalType switch
        {
            PhysicalType.ByteArray => "BYTE_ARRAY",
            PhysicalType.FixedLenByteArray => $"FIXED_LEN_BYTE_ARRAY({d.TypeLength})",
            var p => p.ToString().ToUpperInvariant(),
        };
        using var logical = d.LogicalType;
        string type = logical is NoneLogicalType ? physical : $"{physical} ({logical})";
        return d.MaxRepetitionLevel > 0 ? $"a list of {type}" : type;
    }

    private static ColumnKind KindOf(ColumnDescriptor d)
    {
        if (d.MaxRepetitionLevel > 0) return ColumnKind.Unsupported;
        using var logical = d.LogicalType;
        return (d.PhysicalType, logical) switch
        {
            (PhysicalType.Double, _) => ColumnKind.Double,
            (PhysicalType.Float, _) => ColumnKind.Float,
            (PhysicalType.Boolean, _) => ColumnKind.Boolean,
            (PhysicalType.Int32, NoneLogicalType) => ColumnKind.Int32,
            (PhysicalType.Int32, IntLogicalType i) => i.IsSigned ? ColumnKind.Int32 : ColumnKind.UInt32,
            (PhysicalType.Int32, DecimalLogicalType) => ColumnKind.Decimal32,
            (PhysicalType.Int32, DateLogicalType) => ColumnKind.Date,
            (PhysicalType.Int64, NoneLogicalType) => ColumnKind.Int64,
            (PhysicalType.Int64, IntLogicalType i) => i.IsSigned ? ColumnKind.Int64 : ColumnKind.UInt64,
            (PhysicalType.Int64, DecimalLogicalType) => ColumnKind.Decimal64,
            (PhysicalType.Int64, TimestampLogicalType) => ColumnKind.Timestamp,
            (PhysicalType.ByteArray, StringLogicalType or EnumLogicalType or JsonLogicalType) => ColumnKind.String,
            _ => ColumnKind.Unsupported,
        };
    }

    private enum ColumnKind { Unsupported, Double, Float, Int32, UInt32, Int64, UInt64, Decimal32, Decimal64, Boolean, Date, Timestamp, String }

    private static bool IsNumeric(this ColumnKind k) => k is ColumnKind.Double or ColumnKind.Float or ColumnKind.Int32 or ColumnKind.UInt32
        or ColumnKind.Int64 or ColumnKind.UInt64 or ColumnKind.Decimal32 or ColumnKind.Decimal64;

    /// <summary>One column of one row group as read: doubles, whole numbers or texts, and which rows are null.</summary>
    private sealed class Chunk
    {
        public double[]? Doubles;
        public long[]? Longs;
        public string?[]? Strings;
        public bool[]? Nulls;
        public int Rows;

        public void Into(ColumnSink sink)
        {
            if (Doubles is not null) { sink.AddNumbers(Doubles.AsSpan(0, Rows), Nulls); return; }
            for (int i = 0; i < Rows; i++)
            {
                if (Nulls is not null && Nulls[i]) sink.AddMissing();
                else if (Doubles is not null) sink.AddNumber(Doubles[i]);
                else if (Longs is not null) sink.AddInteger(Longs[i]);
                else sink.AddText(Strings![i]);
            }
        }

        public double[] Numbers()
        {
            var x = Doubles ?? new double[Rows];
            if (Doubles is null) for (int i = 0; i < Rows; i++) x[i] = Longs![i];
            if (Nulls is not null) for (int i = 0; i < Rows; i++) if (Nulls[i]) x[i] = double.NaN;
            return x;
        }

        public string?[] Texts(Dictionary<long, string> cache)
        {
            var t = new string?[Rows];
            for (int i = 0; i < Rows; i++)
            {
                if (Nulls is not null && Nulls[i]) continue;
                if (Strings is not null) t[i] = Strings[i] is { } s && !CsvTableReader.IsMissingToken(s.AsSpan().Trim()) ? s.Trim() : null;
                else if (Longs is not null)
                {
                    long v = Longs[i];
                    if (!cache.TryGetValue(v, out var s)) cache[v] = s = v.ToString(CultureInfo.InvariantCulture);
                    t[i] = s;
                }
                else if (!double.IsNaN(Doubles![i])) t[i] = Doubles[i].ToString("R", CultureInfo.InvariantCulture);
            }
            return t;
        }
    }

    private static Chunk ReadChunk(RowGroupReader group, int index, ColumnKind kind, int rows)
    {
        using var column = group.Column(index);
        var descriptor = column.ColumnDescriptor;
        short maxDefinition = descriptor.MaxDefinitionLevel;
        var chunk = new Chunk { Rows = rows };
        switch (kind)
        {
            case ColumnKind.Double:
                chunk.Doubles = Physical((ColumnReader<double>)column, rows, maxDefinition, out chunk.Nulls);
                break;
            case ColumnKind.Float:
            {
                var f = Physical((ColumnReader<float>)column, rows, maxDefinition, out chunk.Nulls);
                chunk.Doubles = new double[rows];
                for (int i = 0; i < rows; i++) chunk.Doubles[i] = f[i];
                break;
            }
            case ColumnKind.Int32 or ColumnKind.UInt32 or ColumnKind.Date or ColumnKind.Decimal32:
            {
                var v = Physical((ColumnReader<int>)column, rows, maxDefinition, out chunk.Nulls);
                if (kind == ColumnKind.Date)
                {
                    chunk.Strings = new string?[rows];
                    for (int i = 0; i < rows; i++)
                        if (chunk.Nulls is null || !chunk.Nulls[i])
                            chunk.Strings[i] = DateOnly.FromDayNumber(EpochDay + v[i]).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
                }
                else if (kind == ColumnKind.Decimal32) chunk.Doubles = Scaled(v.Select(x => (long)x).ToArray(), descriptor.TypeScale);
                else
                {
                    chunk.Longs = new long[rows];
                    for (int i = 0; i < rows; i++) chunk.Longs[i] = kind == ColumnKind.UInt32 ? (uint)v[i] : v[i];
                }
                break;
            }
            case ColumnKind.Int64 or ColumnKind.UInt64 or ColumnKind.Decimal64 or ColumnKind.Timestamp:
            {
                var v = Physical((ColumnReader<long>)column, rows, maxDefinition, out chunk.Nulls);
                if (kind == ColumnKind.Timestamp)
                {
                    using var logical = (TimestampLogicalType)descriptor.LogicalType;
                    long ticksPer = logical.TimeUnit switch { TimeUnit.Millis => TimeSpan.TicksPerMillisecond, TimeUnit.Micros => 10, _ => 0 };
                    chunk.Strings = new string?[rows];
                    for (int i = 0; i < rows; i++)
                        if (chunk.Nulls is null || !chunk.Nulls[i])
                            chunk.Strings[i] = ColumnSink.Text(DateTime.UnixEpoch.AddTicks(ticksPer == 0 ? v[i] / 100 : v[i] * ticksPer));
                }
                else if (kind == ColumnKind.Decimal64) chunk.Doubles = Scaled(v, descriptor.TypeScale);
                else if (kind == ColumnKind.UInt64)
                {
                    chunk.Doubles = new double[rows];
                    for (int i = 0; i < rows; i++) chunk.Doubles[i] = (ulong)v[i];
                }
                else chunk.Longs = v;
                break;
            }
            case ColumnKind.Boolean:
            {
                var v = Physical((ColumnReader<bool>)column, rows, maxDefinition, out chunk.Nulls);
                chunk.Strings = new string?[rows];
                for (int i = 0; i < rows; i++) chunk.Strings[i] = v[i] ? "true" : "false";
                break;
            }
            case ColumnKind.String:
            {
                chunk.Strings = Utf8((ColumnReader<ByteArray>)column, rows, maxDefinition);
                break;
            }
            default:
                throw new InvalidOperationException($"Column kind {kind} is not read.");
        }
        return chunk;
    }

    private const int EpochDay = 719162; // DateOnly day number of 1970-01-01

    private static double[] Scaled(long[] unscaled, int scale)
    {
        var x = new double[unscaled.Length];
        for (int i = 0; i < x.Length; i++) x[i] = (double)((decimal)unscaled[i] / Pow10(scale));
        return x;
    }

    private static decimal Pow10(int scale)
    {
        decimal p = 1;
        for (int i = 0; i < scale; i++) p *= 10;
        return p;
    }

    /// <summary>A string column's values through the physical reader (null where missing). ParquetSharp's logical reader
    /// would pick its converter by reflection (MakeGenericMethod), which the native build cannot run; a value's bytes
    /// are valid only until the next batch is read, so each batch is decoded before the next.</summary>
    private static string?[] Utf8(ColumnReader<ByteArray> reader, int rows, short maxDefinition)
    {
        var result = new string?[rows];
        const int Batch = 4096;
        var values = new ByteArray[Batch];
        short[]? definitions = maxDefinition > 0 ? new short[Batch] : null;
        int row = 0;
        while (row < rows)
        {
            long got = reader.ReadBatch(Math.Min(Batch, rows - row), definitions ?? Span<short>.Empty, Span<short>.Empty, values, out _);
            if (got == 0) break;
            for (int i = 0, v = 0; i < got; i++, row++)
            {
                if (definitions is not null && definitions[i] != maxDefinition) continue;
                var b = values[v++];
                result[row] = b.Length == 0 ? "" : Marshal.PtrToStringUTF8(b.Pointer, b.Length);
            }
        }
        return result;
    }

    /// <summary>All <paramref name="rows"/> values of a column chunk, each at its row (the reader gives the present values
    /// packed, and the definition levels say which rows are null); <paramref name="nulls"/> is null when none is.</summary>
    private static T[] Physical<T>(ColumnReader<T> reader, int rows, short maxDefinition, out bool[]? nulls) where T : unmanaged
    {
        var values = new T[rows];
        short[]? definitions = maxDefinition > 0 ? new short[rows] : null;
        long levels = 0, present = 0;
        while (levels < rows)
        {
            long got = reader.ReadBatch(rows - levels, definitions is null ? Span<short>.Empty : definitions.AsSpan((int)levels), Span<short>.Empty,
                values.AsSpan((int)present), out long valuesRead);
            if (got == 0) break;
            levels += got;
            present += valuesRead;
        }
        nulls = null;
        if (definitions is null || present == rows) return values;
        nulls = new bool[rows];
        long v = present - 1;
        for (int i = rows - 1; i >= 0; i--)
        {
            if (definitions[i] == maxDefinition) values[i] = values[v--];
            else { nulls[i] = true; values[i] = default; }
        }
        return values;
    }
}
