using BayesHlm.Data;
using BayesHlm.Model;

namespace BayesHlm.Statistics.Moments;

/// <summary>
/// One streaming pass over a CSV or Parquet file into per-cell moments: the file is read in chunks of rows
/// (<see cref="CsvTableReader.ReadChunks"/>, a Parquet file's row groups; the same parsing as the in-memory path), each chunk's rows with a value
/// missing in a column the model reads are counted and dropped as <see cref="ModelFrame"/> drops them, the base
/// variables are evaluated on the rest by <see cref="ModelFrame"/>'s own code, and each row is added to its cell.
/// Memory is a chunk plus the cells. Whatever only the in-memory path handles as it should — a numeric column with text
/// further down, a text column that mostly holds numbers, a bad value — ends the pass with a
/// <see cref="StreamingNotPossibleException"/> (or the <see cref="DataException"/> it met): the caller then reads the table
/// whole, and its result or error is the answer.
/// </summary>
internal static class MomentReader
{
    /// <summary>Rows per chunk.</summary>
    internal const int ChunkRows = 1 << 16;

    /// <summary>The moments of <paramref name="spec"/> on the CSV file at <paramref name="path"/>.</summary>
    public static CellMoments FromCsv(ModelSpec spec, string path, IEnumerable<string>? labelColumns = null,
        IEnumerable<string>? missingValues = null, bool decimalComma = false) =>
        FromChunks(spec, path, hand => CsvTableReader.ReadChunks(path, spec.Columns, ChunkRows, hand, labelColumns, missingValues, decimalComma));

    /// <summary>The moments of <paramref name="spec"/> on the Parquet file at <paramref name="path"/>, a row group at a time.</summary>
    public static CellMoments FromParquet(ModelSpec spec, string path, IEnumerable<string>? labelColumns = null,
        IEnumerable<string>? missingValues = null) =>
        FromChunks(spec, path, hand =>
        {
            foreach (var group in Data.Sources.ParquetTableReader.ReadRowGroups(path, spec.Columns, labelColumns, missingValues)) hand(group);
        });

    /// <summary>The moments of <paramref name="spec"/> on the chunks of rows that <paramref name="read"/> hands over, in
    /// the source's order. The reading (one thread) and the accumulation (another) overlap: chunks pass between them
    /// through a queue of two, in order, so the cells are met in the source's order whatever the timing.</summary>
    private static CellMoments FromChunks(ModelSpec spec, string path, Action<Action<DataTable>> read)
    {
        var columns = spec.Columns.ToList();
        CellMoments? moments = null;
        Pass? pass = null;
        long rowsRead = 0;
        using var queue = new System.Collections.Concurrent.BlockingCollection<DataTable>(2);
        Exception? failure = null;
        var consumer = Task.Run(() =>
        {
            try
            {
                foreach (var chunk in queue.GetConsumingEnumerable())
                {
                    rowsRead += chunk.RowCount;
                    foreach (var c in columns)
                        if (!chunk.Contains(c)) throw new DataException(chunk.MissingColumnMessage(c));
                    if (pass is null)
                    {
                        var plan = MomentPlan.Create(spec, c => chunk[c] is TextColumn t && !ModelFrame.IsAllNumbers(t) && !AllMissing(t));
                        moments = new CellMoments(plan) { Source = path };
                        pass = new Pass(moments);
                    }
                    pass.Add(chunk);
                }
            }
            catch (Exception e)
            {
                failure = e;
                foreach (var _ in queue.GetConsumingEnumerable()) { }
            }
        });
        try
        {
            read(chunk =>
            {
                if (Volatile.Read(ref failure) is not null) throw new ChunkConsumerFailed();
                queue.Add(chunk);
            });
        }
        catch (ChunkConsumerFailed) { }
        finally
        {
            queue.CompleteAdding();
            consumer.Wait();
        }
        if (failure is not null) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(failure);
        pass!.Finish();
        moments!.RowsRead = rowsRead;
        return moments;
    }

    /// <summary>Stops the parse when the accumulation has failed (its exception is the one thrown).</summary>
    private sealed class ChunkConsumerFailed : Exception;

    private static bool AllMissing(TextColumn t) => t.MissingCount == t.Length;

    /// <summary>The state of one pass: the plan's columns' types as first seen, the text columns' counts.</summary>
    private sealed class Pass
    {
        private readonly CellMoments _m;
        private readonly MomentPlan _plan;
        private readonly string[] _columns;
        private readonly HashSet<string> _textKeys = [];
        private readonly Dictionary<string, (long Numeric, long Present)> _textCounts = [];

        public Pass(CellMoments moments)
        {
            _m = moments;
            _plan = moments.Plan;
            _columns = _plan.Spec.Columns.ToArray();
            // A plain variable of a text column is a factor unless the column mostly holds numbers (ModelFrame's typo check).
            foreach (var (v, role) in _plan.Roles)
                if (role.Role == MomentRole.Key && v.Function == Formula.VariableFunction.None) _textKeys.Add(v.Column);
        }

        public void Add(DataTable chunk)
        {
            int n = chunk.RowCount;
            // Listwise deletion over every column the model reads, as ModelFrame.
            var keep = new bool[n];
            Array.Fill(keep, true);
            foreach (var name in _columns)
            {
                var col = chunk[name];
                int count = 0;
                for (int i = 0; i < n; i++)
                    if (col.IsMissing(i)) { keep[i] = false; count++; }
                _m.Missing[name] += count;
            }
            foreach (var name in _textKeys)
            {
                if (chunk[name] is not TextColumn t) { if (chunk[name].MissingCount < n) throw new StreamingNotPossibleException($"'{name}' holds numbers and text"); continue; }
                var (num, present) = _textCounts.GetValueOrDefault(name);
                _textCounts[name] = (num + t.NumericCount, present + t.Length - t.MissingCount);
            }
            var rows = Enumerable.Range(0, n).Where(i => keep[i]).ToArray();
            if (rows.Length == 0) return;
            int nb = _plan.Base.Length;
            var values = new double[nb][];
            for (int b = 0; b < nb; b++)
            {
                foreach (var c in _plan.Base[b].ValueColumns)
                    if (chunk[c] is TextColumn t && !ModelFrame.IsAllNumbers(t))
                        throw new StreamingNotPossibleException($"'{c}' holds text");
                values[b] = ModelFrame.Evaluate(_plan.Base[b], chunk, rows).Numeric!;
            }
            // Each used row's cell: the key columns' codes combined, then the chunk's distinct combinations looked up once.
            int nk = _plan.KeyColumns.Length;
            var codes = new int[nk][];
            var texts = new string[nk][];
            long radix = 1;
            for (int k = 0; k < nk; k++)
            {
                (codes[k], texts[k]) = Codes(chunk[_plan.KeyColumns[k]], rows);
                radix = checked(radix * Math.Max(texts[k].Length, 1));
            }
            var cellOf = new Dictionary<long, MomentCell>();
            Span<double> x = nb <= 64 ? stackalloc double[nb] : new double[nb];
            int y = _plan.Outcome, offset = _plan.Offset;
            for (int r = 0; r < rows.Length; r++)
            {
                long key = 0;
                for (int k = 0; k < nk; k++) key = key * texts[k].Length + codes[k][r];
                if (!cellOf.TryGetValue(key, out var cell))
                {
                    var names = new string[nk];
                    for (int k = 0; k < nk; k++) names[k] = texts[k][codes[k][r]];
                    cellOf[key] = cell = _m.Cell(names);
                }
                for (int b = 0; b < nb; b++) x[b] = values[b][r];
                double yv = offset >= 0 ? x[y] - x[offset] : x[y];
                if (yv is not (0 or 1)) _m.OutcomeZeroOne = false;
                _m.Add(cell, x);
            }
        }

        /// <summary>The chunk's codes of a key column on the used rows, and the text of each code (as written; a numeric
        /// column's as <see cref="ModelFrame.FactorCodes"/> writes it).</summary>
        private static (int[] Codes, string[] Texts) Codes(DataColumn column, int[] rows)
        {
            var codes = new int[rows.Length];
            if (column is TextColumn t)
            {
                var map = new Dictionary<int, int>();
                var texts = new List<string>();
                for (int i = 0; i < rows.Length; i++)
                {
                    int c = t.Codes[rows[i]];
                    if (!map.TryGetValue(c, out int k)) { k = texts.Count; map[c] = k; texts.Add(t.DistinctValues[c]); }
                    codes[i] = k;
                }
                return (codes, texts.ToArray());
            }
            var num = (NumericColumn)column;
            if (num.SpellingLost) throw new StreamingNotPossibleException($"'{num.Name}' is used as labels but holds numbers that are not plain integers");
            var byValue = new Dictionary<double, int>();
            var list = new List<string>();
            for (int i = 0; i < rows.Length; i++)
            {
                double v = num[rows[i]];
                if (!byValue.TryGetValue(v, out int k)) { k = list.Count; byValue[v] = k; list.Add(num.TextAt(rows[i])); }
                codes[i] = k;
            }
            return (codes, list.ToArray());
        }

        /// <summary>ModelFrame's check that a text column used as a factor is not a numeric column with typos.</summary>
        public void Finish()
        {
            foreach (var (name, (numeric, present)) in _textCounts)
                if (numeric > 0 && numeric >= present / 2)
                    throw new StreamingNotPossibleException($"'{name}' mostly holds numbers but has text");
        }
    }
}
