using System.Globalization;
using System.IO.Compression;
using System.Text;
using Sylvan.Data.Csv;

namespace BayesHlm.Data;

/// <summary>
/// Reads a delimited text file into a <see cref="DataTable"/> with Sylvan.Data.Csv: header row
/// required; comma, semicolon, tab or pipe delimiter detected from the header; quoted fields.
/// A column is numeric when every present value parses as a number, text otherwise; a column named as a label column
/// is always text, its values kept exactly as written (trimmed).
/// Missing values are empty fields, <c>NA</c> and <c>.</c>. The text must be UTF-8 (or UTF-16 with a byte-order mark); a
/// gzip-compressed file is read as the text inside; other formats (Parquet, SQLite, ZIP/Excel, other compressions,
/// binary files) are recognised by their first bytes and named, never read as CSV.
/// </summary>
public static class CsvTableReader
{
    /// <summary>Reads the file at <paramref name="path"/>; a <see cref="DataException"/> naming the file, and the line and
    /// column where known, for anything it cannot read. Columns named in <paramref name="labelColumns"/> are read as
    /// text (grouping factors: their values are labels, compared as written).</summary>
    /// <param name="path">The file.</param>
    /// <param name="labelColumns">Columns read as text whatever they hold.</param>
    /// <param name="missingValues">Codes that mark a missing value besides the empty field, NA, '.' and NaN (-99, 999).</param>
    /// <param name="decimalComma">Numbers are written with a decimal comma (3,14), as in much of Europe; the fields are
    /// then separated by ';' or a tab.</param>
    /// <param name="columns">The columns to parse (a model's <c>Columns</c>), null for all. The others are split off
    /// their lines but not parsed or stored: a wide file costs the width of the model, and a column the model does not
    /// use never makes the file be read twice. Every line must still have the header's number of fields.</param>
    public static DataTable Read(string path, IEnumerable<string>? labelColumns = null, IEnumerable<string>? missingValues = null, bool decimalComma = false,
        IEnumerable<string>? columns = null)
    {
        var (labels, missing, gzip) = Open(path, labelColumns, missingValues);
        var wanted = columns?.ToHashSet(UnicodeCanonical.Comparer);
        try
        {
            var forcedText = new HashSet<int>();
            while (true)
            {
                var table = ReadOnce(path, gzip, forcedText, labels, missing, decimalComma, out var flipped, wanted);
                if (flipped.Count == 0) return table!;
                // A column turned out to be text after some rows were stored as numbers: read again with
                // that column as text from the start, so its early values keep their exact spelling.
                forcedText.UnionWith(flipped);
            }
        }
        catch (Exception e) when (ReadFailure(e, path, gzip) is { } failure)
        {
            throw failure;
        }
    }

    /// <summary>Reads the file at <paramref name="path"/> in chunks of <paramref name="chunkRows"/> rows, each handed to
    /// <paramref name="onChunk"/> as a table of the columns named in <paramref name="columns"/> (the others are not
    /// parsed) and then dropped: memory does not grow with the file. The parsing, the missing-value codes, the decimal
    /// comma and the label columns are <see cref="Read"/>'s. Where <see cref="Read"/> would have to read the file again
    /// (a column that turns out to be text after numbers were stored) it throws <see cref="StreamingNotPossibleException"/>;
    /// any other problem is the <see cref="DataException"/> that <see cref="Read"/> gives.</summary>
    internal static void ReadChunks(string path, IEnumerable<string> columns, int chunkRows, Action<DataTable> onChunk,
        IEnumerable<string>? labelColumns = null, IEnumerable<string>? missingValues = null, bool decimalComma = false)
    {
        var (labels, missing, gzip) = Open(path, labelColumns, missingValues);
        var stream = new ChunkSink(Math.Max(1, chunkRows), onChunk);
        try
        {
            ReadOnce(path, gzip, [], labels, missing, decimalComma, out var flipped, columns.ToHashSet(UnicodeCanonical.Comparer), stream);
            if (flipped.Count > 0) throw new StreamingNotPossibleException("a column holds text after numbers");
        }
        catch (Exception e) when (ReadFailure(e, path, gzip) is { } failure)
        {
            throw failure;
        }
    }

    /// <summary>The checks before a read (a folder, a missing file), the label and missing-value sets, and whether the
    /// file is gzip-compressed.</summary>
    private static (HashSet<string> Labels, HashSet<string> Missing, bool Gzip) Open(string path, IEnumerable<string>? labelColumns, IEnumerable<string>? missingValues)
    {
        var labels = labelColumns?.ToHashSet(UnicodeCanonical.Comparer) ?? new HashSet<string>(UnicodeCanonical.Comparer);
        var missing = missingValues?.Select(v => v.Trim()).Where(v => v.Length > 0).ToHashSet(StringComparer.Ordinal) ?? [];
        ArgumentNullException.ThrowIfNull(path);
        if (Directory.Exists(path))
            throw new DataException($"'{path}' is a folder, not a data file. Give the path of a CSV file.");
        if (!File.Exists(path))
            throw new DataException($"Data file '{path}' not found (looked for '{Path.GetFullPath(path)}'). Check the path, relative to the current folder.");
        return (labels, missing, Sniff(path));
    }

    /// <summary>The message for a failure of the file itself while reading it (not UTF-8, a broken gzip stream, an I/O
    /// error, no permission); null for anything else, which passes on as it is.</summary>
    private static DataException? ReadFailure(Exception e, string path, bool gzip) => e switch
    {
        DecoderFallbackException => new DataException(NotUtf8(path, gzip), e),
        InvalidDataException => new DataException($"'{path}' starts as a gzip file but cannot be decompressed ({e.Message}): it is damaged or cut short.", e),
        IOException => new DataException($"Could not read '{path}': {e.Message}", e),
        UnauthorizedAccessException => new DataException($"Could not read '{path}': permission denied.", e),
        _ => null,
    };

    /// <summary>Where <see cref="ReadChunks"/> hands its chunks: the chunk size, the callback.</summary>
    private sealed record ChunkSink(int Rows, Action<DataTable> OnChunk);

    /// <summary>What the file is when it is not plain text, named for a message (gzip included); null for text.</summary>
    internal static string? IsCompressedOrBinary(string path)
    {
        var head = Head(path);
        return head.StartsWith((byte[])[0x1f, 0x8b]) ? "gzip-compressed" : NonText(head);
    }

    /// <summary>The file's first bytes: true for gzip (checked whole: a cut-short file is refused); a
    /// <see cref="DataException"/> naming any other format that is not text.</summary>
    private static bool Sniff(string path)
    {
        var head = Head(path);
        if (head.StartsWith((byte[])[0x1f, 0x8b]))
        {
            CheckGzip(path);
            return true;
        }
        if (NonText(head) is { } format)
            throw new DataException($"'{path}' is {format}, not a CSV text file. Export or save the data as CSV (UTF-8, a header row, one row per observation), " +
                                    "or decompress it; a gzip-compressed CSV (.csv.gz) is read as it is.");
        return false;
    }

    private static byte[] Head(string path)
    {
        var head = new byte[4096];
        using var f = File.OpenRead(path);
        int n = f.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        return head[..n];
    }

    /// <summary>The format a file's first bytes show when it is not text, or null.</summary>
    private static string? NonText(ReadOnlySpan<byte> b) =>
        b.StartsWith("PAR1"u8) ? "a Parquet file" :
        b.StartsWith("SQLite format 3\0"u8) ? "an SQLite database" :
        b.StartsWith((byte[])[0x50, 0x4b, 0x03, 0x04]) ? "a ZIP archive (an Excel .xlsx workbook is one)" :
        b.StartsWith("BZh"u8) ? "bzip2-compressed" :
        b.StartsWith((byte[])[0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]) ? "xz-compressed" :
        b.StartsWith((byte[])[0x28, 0xb5, 0x2f, 0xfd]) ? "zstd-compressed" :
        b.StartsWith((byte[])[0xd0, 0xcf, 0x11, 0xe0]) ? "an old Excel (.xls) workbook" :
        HasNul(b) ? "binary, not text" : null;

    /// <summary>A gzip file decompresses whole to the length its trailer records (mod 2³²): a file cut short, whose
    /// decompressed text would simply end early, is refused instead of read as fewer rows.</summary>
    private static void CheckGzip(string path)
    {
        long length = new FileInfo(path).Length;
        uint recorded;
        using (var f = File.OpenRead(path))
        {
            if (length < 18) throw new DataException($"'{path}' is a gzip file too short to hold any data: it is damaged or cut short.");
            f.Seek(-4, SeekOrigin.End);
            Span<byte> trailer = stackalloc byte[4];
            f.ReadExactly(trailer);
            recorded = System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(trailer);
        }
        long total = 0;
        try
        {
            using var z = new GZipStream(File.OpenRead(path), CompressionMode.Decompress);
            var buffer = new byte[1 << 16];
            int n;
            while ((n = z.Read(buffer, 0, buffer.Length)) > 0) total += n;
        }
        catch (InvalidDataException e)
        {
            throw new DataException($"'{path}' is a gzip file that cannot be decompressed ({e.Message}): it is damaged or cut short.", e);
        }
        if ((uint)total != recorded)
            throw new DataException($"'{path}' is a gzip file cut short: it decompresses to {total:N0} bytes, but its trailer records {recorded:N0}. Copy the file again.");
    }

    /// <summary>A NUL byte outside a UTF-16 file (whose byte-order mark comes first) means binary data.</summary>
    private static bool HasNul(ReadOnlySpan<byte> b) =>
        !(b.StartsWith((byte[])[0xff, 0xfe]) || b.StartsWith((byte[])[0xfe, 0xff])) && b.Contains((byte)0);

    private static StreamReader OpenText(string path, bool gzip)
    {
        Stream stream = File.OpenRead(path);
        if (gzip) stream = new GZipStream(stream, CompressionMode.Decompress);
        // Invalid bytes stop the read (a DecoderFallbackException) instead of becoming U+FFFD, which would merge
        // labels such as café and cafè into one.
        return new StreamReader(stream, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true), detectEncodingFromByteOrderMarks: true);
    }

    /// <summary>Where the first byte that is not UTF-8 is, and what to do.</summary>
    private static string NotUtf8(string path, bool gzip)
    {
        using var stream = OpenText(path, gzip).BaseStream;
        using var bytes = new MemoryStream();
        stream.CopyTo(bytes);
        var data = bytes.GetBuffer().AsSpan(0, (int)bytes.Length);
        int at = 0, line = 1;
        while (at < data.Length)
        {
            var status = System.Text.Rune.DecodeFromUtf8(data[at..], out _, out int used);
            if (status != System.Buffers.OperationStatus.Done) break;
            if (data[at] == (byte)'\n') line++;
            at += used;
        }
        string shown = at < data.Length ? $" (byte 0x{data[at]:X2})" : "";
        return $"'{path}', line {line}: the text is not UTF-8{shown}; it is probably Latin-1 or Windows-1252, where letters such as é and è would be lost. " +
               "Save the file as UTF-8 (in a spreadsheet: CSV UTF-8; or iconv -f latin1 -t utf-8 in.csv > out.csv) and read it again.";
    }

    private static DataTable? ReadOnce(string path, bool gzip, HashSet<int> forcedText, HashSet<string> labels, HashSet<string> missing, bool decimalComma, out List<int> flipped,
        HashSet<string>? wanted, ChunkSink? sink = null)
    {
        flipped = new List<int>();
        using var text = OpenText(path, gzip);
        if (text.Peek() < 0)
            throw new DataException($"Data file '{path}' is empty. It needs a header row naming the columns, then one row per observation.");
        // Lines of up to 16 M characters (wide data; the default stops at 16 K).
        var options = new CsvDataReaderOptions { HasHeaders = true, Comment = '\0', OwnsReader = false, MaxBufferSize = MaxLineLength };
        CsvDataReader csv;
        try
        {
            csv = CsvDataReader.Create(text, options);
        }
        catch (CsvRecordTooLargeException e)
        {
            throw new DataException($"'{path}', line 1: the header line is longer than {MaxLineLength:N0} characters: is the file a CSV with one row per line?", e);
        }
        catch (CsvFormatException e)
        {
            throw new DataException($"'{path}': the header row could not be read ({e.Message}).", e);
        }
        using (csv)
        {
            int nCol = csv.FieldCount;
            if (decimalComma && Delimiter(path, gzip) == ',')
                throw new DataException($"'{path}', line 1: with --decimal-comma the fields must be separated by ';' or a tab, but the header is separated by ','. " +
                                        "Save the file with ';' between fields, or drop --decimal-comma.");
            var builders = new ColumnBuilder?[nCol];
            var header = new string[nCol];
            // Streamed, a chunk's rows are all a column ever holds at once; read whole, the file's line count.
            int capacity = sink is not null ? sink.Rows : RowCapacity(path, gzip, nCol);
            for (int c = 0; c < nCol; c++)
            {
                string name = header[c] = csv.GetName(c).Trim();
                if (name.Length == 0)
                    throw new DataException($"'{path}', line 1: column {c + 1} of the header has no name. Every column needs a name.");
                // A column the model does not read is not parsed (streamed, an id column's distinct values would grow with the file).
                if (wanted is null || wanted.Contains(name))
                    builders[c] = new ColumnBuilder(name, forcedText.Contains(c) || labels.Contains(name), missing, decimalComma, capacity);
            }
            int row = 0, line = 1;
            var lines = new List<int>(capacity);
            try
            {
                while (csv.Read())
                {
                    line++;
                    if (csv.RowFieldCount != nCol)
                    {
                        // A blank line reads as one empty field: skip it rather than fail (or, with one column, read a missing value).
                        if (nCol > 1 && csv.RowFieldCount <= 1 && csv.GetFieldSpan(0).Trim().IsEmpty) continue;
                        throw new DataException($"'{path}', line {line}: {csv.RowFieldCount} fields, but the header has {nCol}. Check for a missing or extra delimiter on that line.");
                    }
                    for (int c = 0; c < nCol; c++)
                        if (builders[c] is { } builder && builder.Add(csv.GetFieldSpan(c).Trim())) flipped.Add(c);
                    lines.Add(line);
                    row++;
                    if (sink is not null)
                    {
                        if (flipped.Count > 0) return null;
                        if (lines.Count == sink.Rows) EmitChunk(builders, path, lines, sink);
                    }
                }
            }
            catch (CsvRecordTooLargeException e)
            {
                throw new DataException($"'{path}', line {line + 1}: longer than {MaxLineLength:N0} characters (an unclosed quote joins lines into one): check the quotes there.", e);
            }
            catch (CsvFormatException e)
            {
                throw new DataException($"'{path}', line {line + 1}: malformed CSV ({e.Message}). Check the quotes on that line.", e);
            }
            if (flipped.Count > 0) return null;
            if (row == 0)
                throw new DataException($"Data file '{path}' has a header but no data rows.");
            if (sink is not null)
            {
                if (lines.Count > 0) EmitChunk(builders, path, lines, sink);
                return null;
            }
            var columns = builders.OfType<ColumnBuilder>().Select(b => b.Build()).ToList();
            return new DataTable(columns, path, lines.ToArray(), wanted is null ? null : header);
        }
    }

    /// <summary>
    /// Room for how many data rows each column starts with: the lines after the header, counted in one pass over the
    /// bytes (far cheaper than parsing them), so that a column is allocated once at its final size instead of doubled
    /// into and copied (HSB's 11 columns: 0.7 MB instead of 2 MB, and every new page costs a page fault). Blank lines
    /// and line breaks inside quotes make it an overestimate, corrected by one copy at the end; never more than 4 bytes
    /// of values per byte of file (a file of blank lines reserves nothing); 1024, growing as before, for a compressed
    /// file, whose size says nothing of its lines.
    /// </summary>
    private static int RowCapacity(string path, bool gzip, int nCol)
    {
        const int Default = 1024;
        if (gzip) return Default;
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan);
        if (!stream.CanSeek) return Default;
        long length = stream.Length, breaks = 0;
        byte last = 0;
        var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(1 << 16);
        try
        {
            int read;
            while ((read = stream.Read(buffer, 0, buffer.Length)) > 0)
            {
                breaks += buffer.AsSpan(0, read).Count((byte)'\n');
                last = buffer[read - 1];
            }
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
        }
        long lines = breaks + (length > 0 && last != (byte)'\n' ? 1 : 0);
        long rows = Math.Max(lines - 1, 1);
        long affordable = Math.Max(4 * length / (8L * Math.Max(nCol, 1)), Default);
        return (int)Math.Min(Math.Min(rows, affordable), Array.MaxLength);
    }

    private static void EmitChunk(ColumnBuilder?[] builders, string path, List<int> lines, ChunkSink sink)
    {
        var columns = new List<DataColumn>();
        foreach (var b in builders) if (b is not null) columns.Add(b.TakeChunk());
        sink.OnChunk(new DataTable(columns, path, lines.ToArray()));
        lines.Clear();
    }

    /// <summary>Empty, NA, '.', or NaN in any case (R writes NaN; numpy nan): R's is.na is true for all of them.</summary>
    internal static bool IsMissingToken(ReadOnlySpan<char> s) =>
        s.IsEmpty || s.SequenceEqual("NA") || s.SequenceEqual(".") || s.Equals("NaN", StringComparison.OrdinalIgnoreCase);

    private const int MaxLineLength = 1 << 24;

    /// <summary>The header's field separator, as the reader detects it: the first of ',', ';', tab or '|' in the first line.</summary>
    private static char Delimiter(string path, bool gzip)
    {
        using var text = OpenText(path, gzip);
        string header = text.ReadLine() ?? "";
        int at = header.IndexOfAny([',', ';', '\t', '|']);
        return at < 0 ? ',' : header[at];
    }

    internal static bool TryParseNumber(ReadOnlySpan<char> s, out double value) => FastDouble.TryParse(s, out value);

    /// <summary>An integer written as a double writes it back: an optional minus, then 0 or up to 15 digits with no
    /// leading zero. Its number's text is then exactly the field's.</summary>
    internal static bool IsPlainInteger(ReadOnlySpan<char> s)
    {
        if (s.Length > 0 && s[0] == '-') s = s[1..];
        if (s.IsEmpty || s.Length > 15 || (s[0] == '0' && s.Length > 1)) return false;
        foreach (char ch in s) if (ch is < '0' or > '9') return false;
        return true;
    }

    /// <summary>Accumulates one column: numeric while every value parses, text after.</summary>
    private sealed class ColumnBuilder
    {
        private readonly string _name;
        private bool _isText;
        private double[] _numbers;
        private int[] _codes = Array.Empty<int>();
        private Dictionary<string, int>? _lookup;
        private Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> _spanLookup;
        private List<string>? _distinct;
        private int _count;
        private bool _plainIntegers = true;
        private bool _numbersInEarlierChunks;

        private readonly HashSet<string>.AlternateLookup<ReadOnlySpan<char>> _missing;
        private readonly bool _anyMissingCodes;

        private readonly bool _decimalComma;
        private char[] _scratch = new char[64];
        private readonly int _capacity;

        public ColumnBuilder(string name, bool asText, HashSet<string> missing, bool decimalComma, int capacity)
        {
            _name = name;
            _capacity = Math.Max(capacity, 1);
            _numbers = asText ? [] : new double[_capacity];
            _decimalComma = decimalComma;
            _missing = missing.GetAlternateLookup<ReadOnlySpan<char>>();
            _anyMissingCodes = missing.Count > 0;
            if (asText) StartText();
        }

        private void StartText()
        {
            _isText = true;
            _codes = new int[_capacity];
            _lookup = new Dictionary<string, int>(StringComparer.Ordinal);
            _spanLookup = _lookup.GetAlternateLookup<ReadOnlySpan<char>>();
            _distinct = new List<string>();
        }

        /// <summary>Adds a field; returns true when a numeric column meets its first non-number
        /// (the caller then re-reads with this column as text).</summary>
        public bool Add(ReadOnlySpan<char> field)
        {
            // 3,14 is 3.14 when the file uses a decimal comma (only where the result is a number; a text label keeps its comma).
            if (_decimalComma && field.Contains(','))
            {
                if (_scratch.Length < field.Length) _scratch = new char[field.Length * 2];
                var dotted = _scratch.AsSpan(0, field.Length);
                field.CopyTo(dotted);
                dotted.Replace(',', '.');
                if (TryParseNumber(dotted, out _)) field = dotted;
            }
            if (_isText)
            {
                if (_count == _codes.Length) Array.Resize(ref _codes, _codes.Length * 2);
                if (IsMissing(field)) { _codes[_count++] = -1; return false; }
                if (!_spanLookup.TryGetValue(field, out int code))
                {
                    code = _distinct!.Count;
                    string s = field.ToString();
                    _distinct.Add(s);
                    _lookup!.Add(s, code);
                }
                _codes[_count++] = code;
                return false;
            }
            if (_count == _numbers.Length) Array.Resize(ref _numbers, _numbers.Length * 2);
            if (IsMissing(field)) { _numbers[_count++] = double.NaN; return false; }
            if (TryParseNumber(field, out double v) && double.IsFinite(v))
            {
                _numbers[_count++] = v;
                _plainIntegers = _plainIntegers && IsPlainInteger(field);
                return false;
            }
            if (!_numbersInEarlierChunks && (_count == 0 || AllMissingSoFar()))
            {
                // Nothing numeric stored yet: switch to text in place, no re-read needed.
                int missing = _count;
                StartText();
                while (_codes.Length < missing + 1) Array.Resize(ref _codes, _codes.Length * 2);
                for (int i = 0; i < missing; i++) _codes[i] = -1;
                _count = missing;
                return Add(field);
            }
            return true;
        }

        private bool IsMissing(ReadOnlySpan<char> field) => IsMissingToken(field) || (_anyMissingCodes && _missing.Contains(field));

        private bool AllMissingSoFar()
        {
            for (int i = 0; i < _count; i++) if (!double.IsNaN(_numbers[i])) return false;
            return true;
        }

        /// <summary>The rows added since the last chunk, as a column; the builder then starts the next chunk (a text
        /// column's distinct values too: a chunk's codes are its own).</summary>
        public DataColumn TakeChunk()
        {
            DataColumn column;
            if (_isText)
            {
                column = new TextColumn(_name, _codes[.._count], _distinct!.ToArray());
                _lookup!.Clear();
                _distinct.Clear();
            }
            else
            {
                column = new NumericColumn(_name, _numbers[.._count]) { SpellingLost = !_plainIntegers };
                _numbersInEarlierChunks |= !AllMissingSoFar();
            }
            _count = 0;
            return column;
        }

        public DataColumn Build()
        {
            if (_isText)
            {
                Array.Resize(ref _codes, _count);
                return new TextColumn(_name, _codes, _distinct!.ToArray());
            }
            Array.Resize(ref _numbers, _count);
            return new NumericColumn(_name, _numbers) { SpellingLost = !_plainIntegers };
        }
    }
}
