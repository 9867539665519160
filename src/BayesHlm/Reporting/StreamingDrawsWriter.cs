using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using BayesHlm.Sampling;

namespace BayesHlm.Reporting;

/// <summary>How far a chain's part file was written when a checkpoint was taken: its first <see cref="Bytes"/> bytes,
/// holding <see cref="Rows"/> draws, whose SHA-256 is <see cref="Sha256"/>.</summary>
internal sealed record PartMark(long Bytes, int Rows, byte[] Sha256);

/// <summary>
/// Streams draws to disk while the chains run: each chain's rows go, formatted as draws.csv rows, to its own
/// <c>draws.chainN.csv.part</c> beside the target, so a long run's draws are on disk as they are made and the
/// formatting overlaps the sampling. <see cref="Complete"/> joins the parts (the first <c>kept</c> rows of each chain, so
/// every chain has as many draws as the summary) into draws.csv under a temporary name and renames it. The file is the
/// same, byte for byte, as <see cref="DrawsCsvWriter"/> writes. The parts stay until <see cref="DeleteParts"/>: a
/// checkpoint (<see cref="Mark"/>) points into them, and a resumed run continues them (<see cref="ContinueFrom"/>).
/// </summary>
public sealed class StreamingDrawsWriter : IDrawSink, IDisposable
{
    private readonly string _path;
    private FileStream[] _parts = [];
    private IncrementalHash[] _hashes = [];
    private byte[][] _rows = [];
    private List<long>[] _rowEnds = [];
    private byte[] _header = [];

    /// <param name="path">The draws.csv to write.</param>
    public StreamingDrawsWriter(string path) => _path = Path.GetFullPath(path);

    private string PartPath(int chain) => Path.Combine(Path.GetDirectoryName(_path)!, $"{Path.GetFileNameWithoutExtension(_path)}.chain{chain + 1}.csv.part");

    /// <summary>Creates one part file per chain beside the target; draws.csv itself is written by <see cref="Complete"/>.</summary>
    public void Begin(IReadOnlyList<string> names, int chains)
    {
        ArgumentNullException.ThrowIfNull(names);
        Directory.CreateDirectory(Path.GetDirectoryName(_path)!);
        Prepare(names, chains);
        _parts = Enumerable.Range(0, chains).Select(c => new FileStream(PartPath(c), FileMode.Create, FileAccess.Write, FileShare.Read, 1 << 16)).ToArray();
    }

    private void Prepare(IReadOnlyList<string> names, int chains)
    {
        _header = DrawsCsvWriter.Header(names);
        // A row buffer and a running hash per chain: chains write at the same time.
        _rows = Enumerable.Range(0, chains).Select(_ => new byte[DrawsCsvWriter.RowBytes(names.Count)]).ToArray();
        _rowEnds = Enumerable.Range(0, chains).Select(_ => new List<long>()).ToArray();
        _hashes = Enumerable.Range(0, chains).Select(_ => IncrementalHash.CreateHash(HashAlgorithmName.SHA256)).ToArray();
    }

    /// <summary>Appends one kept draw to the part file of <paramref name="chain"/>; chains may call it at the same time, each for its own.</summary>
    public void Write(int chain, int index, double[] values)
    {
        ArgumentNullException.ThrowIfNull(values);
        var buffer = _rows[chain];
        var span = buffer.AsSpan();
        int at = DrawsCsvWriter.RowStart(span, chain, index);
        foreach (double v in values) at += DrawsCsvWriter.Value(span[at..], v);
        span[at++] = (byte)'\n';
        // FileStream's position counts its buffered bytes: where each row ends, without flushing.
        _parts[chain].Write(buffer, 0, at);
        _hashes[chain].AppendData(buffer, 0, at);
        _rowEnds[chain].Add(_parts[chain].Position);
    }

    /// <summary>Hands the rows of <paramref name="chain"/> written so far to the operating system (a killed process
    /// loses none of them) and says how far they go. On the chain's own thread, as <see cref="Write"/>.</summary>
    internal PartMark Mark(int chain)
    {
        _parts[chain].Flush();
        return new PartMark(_parts[chain].Position, _rowEnds[chain].Count, _hashes[chain].GetCurrentHash());
    }

    /// <summary>The draws an interrupted run's part files hold up to the checkpoints' marks, read without changing
    /// anything: per chain, its kept draws row after row (what <see cref="ChainContinuation.KeptDraws"/> takes).</summary>
    /// <param name="path">The run's draws.csv (the parts lie beside it).</param>
    /// <param name="names">The parameters, in the order of the draws' columns.</param>
    /// <param name="marks">Per chain, its checkpoint's mark.</param>
    /// <exception cref="ModelSpecificationException">A part file is missing, shorter than its mark, not the one the
    /// checkpoint saw, or not rows this run wrote.</exception>
    internal static double[][] ReadParts(string path, IReadOnlyList<string> names, IReadOnlyList<PartMark> marks)
    {
        ArgumentNullException.ThrowIfNull(names);
        ArgumentNullException.ThrowIfNull(marks);
        var writer = new StreamingDrawsWriter(path);
        return marks.Select((mark, c) => ReadRows(writer.CheckedPrefix(c, mark), c, names.Count, mark.Rows, writer.PartPath(c))).ToArray();
    }

    /// <summary>Continues the part files of an interrupted run from the checkpoints' marks (read before by
    /// <see cref="ReadParts"/>): each is cut back to its mark — rows written after the checkpoint are the resumed
    /// chain's to write again — and its rows and hash so far are taken up, so <see cref="Write"/> and
    /// <see cref="Complete"/> go on as if the run had never stopped.</summary>
    internal void ContinueFrom(IReadOnlyList<string> names, IReadOnlyList<PartMark> marks)
    {
        ArgumentNullException.ThrowIfNull(names);
        ArgumentNullException.ThrowIfNull(marks);
        Prepare(names, marks.Count);
        _parts = new FileStream[marks.Count];
        for (int c = 0; c < marks.Count; c++)
        {
            var prefix = CheckedPrefix(c, marks[c]);
            _hashes[c].AppendData(prefix);
            for (int i = 0; i < prefix.Length; i++)
                if (prefix[i] == (byte)'\n') _rowEnds[c].Add(i + 1);
            _parts[c] = new FileStream(PartPath(c), FileMode.Open, FileAccess.Write, FileShare.Read, 1 << 16);
            _parts[c].SetLength(marks[c].Bytes);
            _parts[c].Seek(0, SeekOrigin.End);
        }
    }

    /// <summary>The first <see cref="PartMark.Bytes"/> of <paramref name="chain"/>'s part, checked against the mark's hash.</summary>
    private byte[] CheckedPrefix(int chain, PartMark mark)
    {
        string path = PartPath(chain);
        if (!File.Exists(path) || new FileInfo(path).Length < mark.Bytes)
            throw new ModelSpecificationException($"'{path}' is missing or shorter than its checkpoint says: the draws kept before the interruption are lost, so the run cannot be resumed. Run the model again (--force).");
        var prefix = new byte[mark.Bytes];
        using (var read = File.OpenRead(path)) read.ReadExactly(prefix);
        if (!SHA256.HashData(prefix).AsSpan().SequenceEqual(mark.Sha256))
            throw new ModelSpecificationException($"'{path}' is not the file the checkpoint was taken with (its SHA-256 differs): the directory mixes runs, so the run cannot be resumed. Run the model again (--force).");
        return prefix;
    }

    /// <summary>The values of the rows in a part (as <see cref="Write"/> formats them: "NA" for a value that is not finite).</summary>
    private static double[] ReadRows(byte[] part, int chain, int parameters, int rows, string path)
    {
        var values = new double[rows * parameters];
        string text = Encoding.UTF8.GetString(part);
        int at = 0;
        for (int row = 0; row < rows; row++)
        {
            int end = text.IndexOf('\n', at);
            var fields = text.AsSpan(at, (end < 0 ? text.Length : end) - at);
            int field = 0;
            foreach (var range in fields.Split(','))
            {
                var f = fields[range];
                bool ok = field switch
                {
                    0 => int.TryParse(f, CultureInfo.InvariantCulture, out int c) && c == chain + 1,
                    1 => int.TryParse(f, CultureInfo.InvariantCulture, out int i) && i == row + 1,
                    _ when field - 2 < parameters => f.SequenceEqual("NA") ? Store(double.NaN) : double.TryParse(f, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) && Store(v),
                    _ => false,
                };
                if (!ok) throw new ModelSpecificationException($"'{path}', row {row + 1}: not a row this run wrote, so the run cannot be resumed. Run the model again (--force).");
                field++;
            }
            if (end < 0 || field != parameters + 2)
                throw new ModelSpecificationException($"'{path}', row {row + 1}: not a row this run wrote, so the run cannot be resumed. Run the model again (--force).");
            at = end + 1;

            bool Store(double v)
            {
                values[row * parameters + field - 2] = v;
                return true;
            }
        }
        if (at != part.Length) throw new ModelSpecificationException($"'{path}' holds more than the {rows} rows its checkpoint says, so the run cannot be resumed. Run the model again (--force).");
        return values;
    }

    /// <summary>Writes draws.csv from the parts, <paramref name="kept"/> rows per chain.</summary>
    public void Complete(int kept)
    {
        foreach (var w in _parts) w.Dispose();
        AtomicFile.Write(_path, stream =>
        {
            stream.Write(_header);
            for (int c = 0; c < _parts.Length; c++)
            {
                long bytes = kept == 0 ? 0 : _rowEnds[c][kept - 1];
                using var part = File.OpenRead(PartPath(c));
                var buffer = new byte[1 << 20];
                long left = bytes;
                while (left > 0)
                {
                    int read = part.Read(buffer, 0, (int)Math.Min(buffer.Length, left));
                    if (read == 0) throw new IOException($"{PartPath(c)} is shorter than the draws written to it.");
                    stream.Write(buffer, 0, read);
                    left -= read;
                }
            }
        });
    }

    /// <summary>Deletes the part files: when the run is complete, or failed.</summary>
    public void DeleteParts()
    {
        foreach (var w in _parts) w.Dispose();
        for (int c = 0; c < _parts.Length; c++)
            if (File.Exists(PartPath(c))) File.Delete(PartPath(c));
    }

    /// <summary>Closes the parts (and keeps them: an interrupted run is resumed from them).</summary>
    public void Dispose()
    {
        foreach (var w in _parts) w.Dispose();
        foreach (var h in _hashes) h.Dispose();
    }
}
