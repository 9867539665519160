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
                    foreach (var c in table.Columns)
                    {
                        using var column = group.NextColumn();
                        if (c is NumericColumn numbers)
                        {
                            var values = new double?[n];
                            for (int i = 0; i < n; i++) values[i] = numbers.IsMissing(start + i) ? null : numbers[start + i];
                            using var w = column.LogicalWriter<double?>();
                            w.WriteBatch(values);
                        }
                        else
                        {
                            var values = new string?[n];
                            for (int i = 0; i < n; i++) values[i] = c.IsMissing(start + i) ? null : c.TextAt(start + i);
                            using var w = column.LogicalWriter<string?>();
                            w.WriteBatch(values);
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
}
