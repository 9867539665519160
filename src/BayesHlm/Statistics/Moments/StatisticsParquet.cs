using System.Globalization;
using BayesHlm.Data;
using BayesHlm.Data.Sources;
using ParquetSharp;

namespace BayesHlm.Statistics.Moments;

/// <summary>
/// The statistics file as Parquet (docs/statistics-file.md): the CSV layout's columns — key columns as strings, <c>n</c>
/// as INT64, <c>shift:VAR</c> and <c>sum:MONOMIAL</c> as DOUBLE, <c>varies:VAR</c> as INT32 0/1 — in one row group, and
/// its '#' lines as the file's key-value metadata (<c>bayeshlm.statistics</c> = 1, <c>formula</c>, <c>plan</c>,
/// <c>rows_read</c>, <c>missing</c>, <c>outcome_zero_one</c>, <c>source</c>, <c>cells</c>). A Parquet file is whole or
/// unreadable (its footer is written last), and it is written under a temporary name and renamed.
/// </summary>
internal static class StatisticsParquet
{
    private const string FormatKey = "bayeshlm.statistics";
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>A statistics file as read: metadata, column names, and each cell's fields as the CSV would spell them
    /// (numbers in round-trip form, so nothing is lost), numbered from 1.</summary>
    internal sealed record Table(Dictionary<string, string> Meta, string[] Header, IReadOnlyList<(int Number, string[] Fields)> Rows, string Cells);

    /// <summary>Writes the cells of <paramref name="moments"/> with <paramref name="header"/>'s columns.</summary>
    public static void Write(CellMoments moments, string path, string[] header, Dictionary<string, string> meta)
    {
        var plan = moments.Plan;
        var cells = moments.Cells.Where(c => c.N != 0).ToList();
        int nk = plan.KeyColumns.Length, nb = plan.Base.Length, nm = plan.Monomials.Length;
        var columns = new Column[header.Length];
        for (int j = 0; j < header.Length; j++)
            columns[j] = j < nk ? new Column<string>(header[j], LogicalType.String())
                : j == nk ? new Column<long>(header[j])
                : j > nk + nb && j <= nk + 2 * nb ? new Column<int>(header[j])
                : new Column<double>(header[j]);
        var kv = new Dictionary<string, string>(meta, StringComparer.Ordinal)
        {
            [FormatKey] = "1",
            ["cells"] = cells.Count.ToString(Inv),
        };
        string temporary = path + ".tmp" + Environment.ProcessId;
        try
        {
            using (var properties = new WriterPropertiesBuilder().Compression(Compression.Snappy).Build())
            using (var writer = new ParquetFileWriter(temporary, columns, properties, kv))
            {
                // Through the physical writers: ParquetSharp's logical ones pick their converter by reflection
                // (MakeGenericMethod), which the native build cannot run.
                using (var group = writer.AppendRowGroup())
                {
                    for (int k = 0; k < nk; k++)
                    {
                        using var w = (ColumnWriter<ByteArray>)group.NextColumn();
                        WriteUtf8(w, cells.Select(c => c.Key[k]).ToArray());
                    }
                    using (var w = (ColumnWriter<long>)group.NextColumn()) w.WriteBatch(cells.Select(c => c.N).ToArray());
                    for (int b = 0; b < nb; b++)
                    {
                        using var w = (ColumnWriter<double>)group.NextColumn();
                        w.WriteBatch(cells.Select(c => c.Shift[b]).ToArray());
                    }
                    for (int b = 0; b < nb; b++)
                    {
                        using var w = (ColumnWriter<int>)group.NextColumn();
                        w.WriteBatch(cells.Select(c => c.Varies[b] ? 1 : 0).ToArray());
                    }
                    for (int m = 1; m < nm; m++)
                    {
                        using var w = (ColumnWriter<double>)group.NextColumn();
                        w.WriteBatch(cells.Select(c => c.Sum[m]).ToArray());
                    }
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

    /// <summary>Writes <paramref name="texts"/>, every one present (a string column is optional in ParquetSharp's schema: definition level 1).</summary>
    private static void WriteUtf8(ColumnWriter<ByteArray> writer, string[] texts)
    {
        var defined = new short[texts.Length];
        Array.Fill(defined, (short)1);
        ParquetTableWriter.WriteUtf8(writer, texts.Length, defined, texts);
    }

    /// <summary>Reads a statistics file written as Parquet; a <see cref="DataException"/> for a Parquet file that is not one.</summary>
    public static Table Read(string path)
    {
        Dictionary<string, string> meta;
        string[] header;
        try
        {
            using var file = new ParquetFileReader(path);
            meta = new Dictionary<string, string>(file.FileMetaData.KeyValueMetadata, StringComparer.Ordinal);
            var schema = file.FileMetaData.Schema;
            header = Enumerable.Range(0, schema.NumColumns).Select(i => schema.Column(i).Name).ToArray();
        }
        catch (ParquetException e)
        {
            throw new DataException($"'{path}' is not a Parquet file, or it is damaged or cut short ({e.Message.Split('\n')[0]}). Write it again with bayeshlm stats.", e);
        }
        if (!meta.TryGetValue(FormatKey, out var version))
            throw new DataException($"'{path}' is a Parquet file but not a statistics file written by bayeshlm stats (its metadata has no '{FormatKey}'). " +
                                    "Give the file of 'bayeshlm stats --out', or the data itself with --data.");
        if (version != "1")
            throw new DataException($"'{path}' is a statistics file of format {version}; this bayeshlm reads format 1. Write it again with this version's bayeshlm stats.");
        int n = header.TakeWhile(h => h != "n").Count();
        var table = ParquetTableReader.Read(path, labelColumns: header.Take(n));
        var rows = new List<(int, string[])>(table.RowCount);
        for (int i = 0; i < table.RowCount; i++)
        {
            var fields = new string[header.Length];
            for (int j = 0; j < header.Length; j++)
            {
                var column = table[header[j]];
                fields[j] = column is NumericColumn x ? (x.IsMissing(i) ? "" : x[i].ToString("R", Inv)) : column.IsMissing(i) ? "" : column.TextAt(i);
            }
            rows.Add((i + 1, fields));
        }
        return new Table(meta, header, rows, meta.GetValueOrDefault("cells", ""));
    }
}
