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
            using var w = new StreamWriter(stream, new UTF8Encoding(false), 1 << 16);
            w.Write("chain,iteration");
            foreach (var name in draws.Names) { w.Write(','); w.Write(Quote(name)); }
            w.Write('\n');
            for (int c = 0; c < draws.Chains; c++)
                for (int i = 0; i < draws.Iterations; i++)
                {
                    w.Write((c + 1).ToString(CultureInfo.InvariantCulture));
                    w.Write(',');
                    w.Write((i + 1).ToString(CultureInfo.InvariantCulture));
                    for (int p = 0; p < draws.ParameterCount; p++)
                    {
                        w.Write(',');
                        double v = draws.Draws(p)[c * draws.Iterations + i];
                        w.Write(double.IsFinite(v) ? v.ToString("R", CultureInfo.InvariantCulture) : "NA");
                    }
                    w.Write('\n');
                }
        });
    }

    /// <summary>Names such as <c>cov[school:(Intercept),center(ses, school)]</c> hold commas: quote them.</summary>
    private static string Quote(string name) =>
        name.IndexOfAny([',', '"', '\n']) >= 0 ? "\"" + name.Replace("\"", "\"\"") + "\"" : name;
}
