using System.Globalization;
using System.Text;
using BayesHlm.Diagnostics;

namespace BayesHlm.Reporting;

/// <summary>
/// Writes draws as draws.csv (ARCHITECTURE.md): columns chain, iteration, then one per parameter, every value
/// round-trippable ("R" format), quoted names where a name needs it. Readable by <see cref="DrawsReader"/>, by R's
/// posterior (as_draws_df of read.csv) and by ArviZ. Written to a temporary name and renamed when complete.
/// </summary>
public static class DrawsCsvWriter
{
    /// <summary>Writes <paramref name="draws"/> to <paramref name="path"/> as draws.csv, rows chain after chain.</summary>
    public static void Write(DrawSet draws, string path)
    {
        ArgumentNullException.ThrowIfNull(draws);
        AtomicFile.Write(path, stream =>
        {
            stream.Write(Header(draws.Names));
            // Rows are formatted in blocks on every core (UTF-8 directly, no strings) and written in order:
            // formatting ten million numbers is what a large run's writing costs.
            int rows = draws.Chains * draws.Iterations;
            int blocks = (rows + RowsPerBlock - 1) / RowsPerBlock, wave = 2 * Environment.ProcessorCount;
            var buffers = new byte[]?[wave];
            var lengths = new int[wave];
            for (int first = 0; first < blocks; first += wave)
            {
                int count = Math.Min(wave, blocks - first);
                Parallel.For(0, count, b => lengths[b] = FormatBlock(draws, (first + b) * RowsPerBlock, Math.Min(rows, (first + b + 1) * RowsPerBlock), ref buffers[b]));
                for (int b = 0; b < count; b++) stream.Write(buffers[b]!, 0, lengths[b]);
            }
        });
    }

    private const int RowsPerBlock = 1024;

    private static int FormatBlock(DrawSet draws, int from, int to, ref byte[]? buffer)
    {
        int needed = (to - from) * RowBytes(draws.ParameterCount);
        if (buffer is null || buffer.Length < needed) buffer = new byte[needed];
        var span = buffer.AsSpan();
        int at = 0;
        for (int row = from; row < to; row++)
        {
            at += RowStart(span[at..], row / draws.Iterations, row % draws.Iterations);
            for (int p = 0; p < draws.ParameterCount; p++) at += Value(span[at..], draws.Draws(p)[row]);
            span[at++] = (byte)'\n';
        }
        return at;
    }

    /// <summary>The header line, UTF-8: chain, iteration, then the parameter names.</summary>
    internal static byte[] Header(IReadOnlyList<string> names)
    {
        var header = new StringBuilder("chain,iteration");
        foreach (var name in names) header.Append(',').Append(CsvText.Quote(name));
        return new UTF8Encoding(false).GetBytes(header.Append('\n').ToString());
    }

    /// <summary>The most bytes a row of <paramref name="parameters"/> values takes: a separator and at most 24 characters
    /// ("-1.2345678901234567E-308") per value, the two indices, the newline.</summary>
    internal static int RowBytes(int parameters) => 26 * (parameters + 2) + 2;

    /// <summary>Writes "chain,iteration" (1-based) for the 0-based <paramref name="chain"/> and <paramref name="index"/>; returns the bytes written.</summary>
    internal static int RowStart(Span<byte> span, int chain, int index)
    {
        (chain + 1).TryFormat(span, out int at, default, CultureInfo.InvariantCulture);
        span[at++] = (byte)',';
        (index + 1).TryFormat(span[at..], out int w, default, CultureInfo.InvariantCulture);
        return at + w;
    }

    /// <summary>Writes ",value" (round-trippable) or ",NA"; returns the bytes written.</summary>
    internal static int Value(Span<byte> span, double v)
    {
        span[0] = (byte)',';
        if (!double.IsFinite(v)) { span[1] = (byte)'N'; span[2] = (byte)'A'; return 3; }
        v.TryFormat(span[1..], out int w, "R", CultureInfo.InvariantCulture);
        return 1 + w;
    }

}
