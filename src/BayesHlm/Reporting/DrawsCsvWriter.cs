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
    public static void Write(DrawSet draws, string path)
    {
        ArgumentNullException.ThrowIfNull(draws);
        AtomicFile.Write(path, stream =>
        {
            var header = new StringBuilder("chain,iteration");
            foreach (var name in draws.Names) header.Append(',').Append(Quote(name));
            header.Append('\n');
            stream.Write(new UTF8Encoding(false).GetBytes(header.ToString()));
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
        int width = 26 * (draws.ParameterCount + 2) + 2; // a separator and at most 24 characters ("-1.2345678901234567E-308") per value
        int needed = (to - from) * width;
        if (buffer is null || buffer.Length < needed) buffer = new byte[needed];
        var span = buffer.AsSpan();
        int at = 0;
        for (int row = from; row < to; row++)
        {
            int c = row / draws.Iterations, i = row % draws.Iterations;
            (c + 1).TryFormat(span[at..], out int w, default, CultureInfo.InvariantCulture); at += w;
            span[at++] = (byte)',';
            (i + 1).TryFormat(span[at..], out w, default, CultureInfo.InvariantCulture); at += w;
            for (int p = 0; p < draws.ParameterCount; p++)
            {
                span[at++] = (byte)',';
                double v = draws.Draws(p)[row];
                if (double.IsFinite(v)) { v.TryFormat(span[at..], out w, "R", CultureInfo.InvariantCulture); at += w; }
                else { span[at++] = (byte)'N'; span[at++] = (byte)'A'; }
            }
            span[at++] = (byte)'\n';
        }
        return at;
    }

    /// <summary>Names such as <c>cov[school:(Intercept),center(ses, school)]</c> hold commas: quote them.</summary>
    internal static string Quote(string name) =>
        name.IndexOfAny([',', '"', '\n']) >= 0 ? "\"" + name.Replace("\"", "\"\"") + "\"" : name;
}
