using System.Globalization;
using BayesHlm.Sampling;

namespace BayesHlm.Reporting;

/// <summary>
/// Streams draws to disk while the chains run: each chain's rows go, formatted as draws.csv rows, to its own
/// <c>draws.chainN.csv.part</c> beside the target, so a long run's draws are on disk as they are made and the
/// formatting overlaps the sampling. <see cref="Complete"/> joins the parts (the first <c>kept</c> rows of each chain, so
/// every chain has as many draws as the summary) into draws.csv under a temporary name, renames it, and deletes the
/// parts. The file is the same, byte for byte, as <see cref="DrawsCsvWriter"/> writes.
/// </summary>
public sealed class StreamingDrawsWriter : IDrawSink, IDisposable
{
    private readonly string _path;
    private FileStream[] _parts = [];
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
        _header = DrawsCsvWriter.Header(names);
        Directory.CreateDirectory(Path.GetDirectoryName(_path)!);
        _parts = Enumerable.Range(0, chains).Select(c => new FileStream(PartPath(c), FileMode.Create, FileAccess.Write, FileShare.Read, 1 << 16)).ToArray();
        // A row buffer per chain: chains write at the same time.
        _rows = Enumerable.Range(0, chains).Select(_ => new byte[DrawsCsvWriter.RowBytes(names.Count)]).ToArray();
        _rowEnds = Enumerable.Range(0, chains).Select(_ => new List<long>()).ToArray();
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
        _rowEnds[chain].Add(_parts[chain].Position);
    }

    /// <summary>Writes draws.csv from the parts, <paramref name="kept"/> rows per chain, and deletes the parts.</summary>
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
        DeleteParts();
    }

    private void DeleteParts()
    {
        for (int c = 0; c < _parts.Length; c++)
            if (File.Exists(PartPath(c))) File.Delete(PartPath(c));
    }

    /// <summary>Closes the parts; when <see cref="Complete"/> was not reached they are deleted (no draws.csv is written).</summary>
    public void Dispose()
    {
        foreach (var w in _parts) w.Dispose();
        DeleteParts();
    }
}
