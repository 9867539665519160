using ParquetSharp;

namespace BayesHlm.Data.Sources;

/// <summary>Writes a <see cref="DataTable"/> as a Parquet file (ParquetSharp, Snappy-compressed): numeric columns as
/// nullable DOUBLE (missing = null), text columns as nullable UTF-8 strings. Written under a temporary name and renamed,
/// so a half-written file never looks whole.</summary>
public static class ParquetTableWriter
{
    /// <summary>Writes <paramref name="table"/> to <paramref name="path"/>, in row groups of <paramref name="rowGroupSize"/> rows.</summary>
    public static void Write(DataTable table, string path, int rowGroupSize = 1 << 20)
    {
        ArgumentNullException.ThrowIfNull(table);
        ArgumentNullException.ThrowIfNull(path);
        ArgumentOutOfRangeException.ThrowIfLessThan(rowGroupSize, 1);
        var columns = table.Columns.Select(c => c is NumericColumn ? (Column)new Column<double?>(c.Name) : new Column<string?>(c.Name, LogicalType.String())).ToArray();
        string temporary = path + ".tmp" + Environment.ProcessId;
        try
        {
            using (var properties = new WriterPropertiesBuilder().Compression(Compression.Snappy).Build())
            using (var writer = new ParquetFileWriter(temporary, columns, properties))
            {
                for (int start = 0; start < table.RowCount || (start == 0 && table.RowCount == 0); start += rowGroupSize)
                {
                    int n = Math.Min(rowGroupSize, table.RowCount - start);
                    using var group = writer.AppendRowGroup();
                    // Through the physical writers: ParquetSharp's logical ones pick their converter by reflection
                    // (MakeGenericMethod), which the native build cannot run. Both columns are optional: a missing value
                    // is definition level 0 and has no entry among the values.
                    var defined = new short[n];
                    foreach (var c in table.Columns)
                    {
                        int present = 0;
                        for (int i = 0; i < n; i++)
                        {
                            defined[i] = c.IsMissing(start + i) ? (short)0 : (short)1;
                            present += defined[i];
                        }
                        if (c is NumericColumn numbers)
                        {
                            var values = new double[present];
                            for (int i = 0, k = 0; i < n; i++) if (defined[i] == 1) values[k++] = numbers[start + i];
                            using var w = (ColumnWriter<double>)group.NextColumn();
                            w.WriteBatch(n, defined, ReadOnlySpan<short>.Empty, values);
                        }
                        else
                        {
                            var texts = new List<string>(present);
                            for (int i = 0; i < n; i++) if (defined[i] == 1) texts.Add(c.TextAt(start + i));
                            using var w = (ColumnWriter<ByteArray>)group.NextColumn();
                            WriteUtf8(w, n, defined, texts);
                        }
                    }
                    if (table.RowCount == 0) break;
                }
                writer.Close();
            }
            File.Move(temporary, path, overwrite: true);
        }
        finally
        {
            if (File.Exists(temporary)) File.Delete(temporary);
        }
    }

    /// <summary>Writes <paramref name="texts"/> (the present values, in order) as UTF-8 byte arrays, their bytes in one
    /// unmanaged block for the call.</summary>
    internal static void WriteUtf8(ColumnWriter<ByteArray> writer, int count, ReadOnlySpan<short> defined, IReadOnlyList<string> texts)
    {
        var bytes = new byte[texts.Count][];
        int total = 1;
        for (int i = 0; i < bytes.Length; i++) total += (bytes[i] = System.Text.Encoding.UTF8.GetBytes(texts[i])).Length;
        IntPtr block = System.Runtime.InteropServices.Marshal.AllocHGlobal(total);
        try
        {
            var values = new ByteArray[texts.Count];
            int at = 0;
            for (int i = 0; i < bytes.Length; i++)
            {
                System.Runtime.InteropServices.Marshal.Copy(bytes[i], 0, block + at, bytes[i].Length);
                values[i] = new ByteArray(block + at, bytes[i].Length);
                at += bytes[i].Length;
            }
            writer.WriteBatch(count, defined, ReadOnlySpan<short>.Empty, values);
        }
        finally
        {
            System.Runtime.InteropServices.Marshal.FreeHGlobal(block);
        }
    }
}
