using System.Globalization;
using System.Text;

namespace BayesHlm.Benchmarks;

/// <summary>A synthetic numeric CSV: g (group id), x1..x8, y; seeded, so every run writes the same file.</summary>
internal static class LargeCsv
{
    public const int Rows = 1_000_000;
    public const int Groups = 1000;
    public const string Formula = "y ~ x1 + x2 + x3 + (1 + x1 | g)";

    public static string Write(int rows = Rows, int groups = Groups, int seed = 20240611)
    {
        string path = Path.Combine(Path.GetTempPath(), $"bayeshlm-bench-{Environment.ProcessId}-{Guid.NewGuid():N}.csv");
        var rng = new Random(seed);
        var u0 = new double[groups];
        var u1 = new double[groups];
        for (int j = 0; j < groups; j++) { u0[j] = 2 * Normal(rng); u1[j] = 0.5 * Normal(rng); }
        var inv = CultureInfo.InvariantCulture;
        using var w = new StreamWriter(path, false, new UTF8Encoding(false), 1 << 20);
        w.Write("g,x1,x2,x3,x4,x5,x6,x7,x8,y\n");
        var x = new double[8];
        var sb = new StringBuilder(256);
        for (int i = 0; i < rows; i++)
        {
            int g = rng.Next(groups);
            for (int k = 0; k < 8; k++) x[k] = Normal(rng);
            double y = 5 + u0[g] + (1 + u1[g]) * x[0] + 0.5 * x[1] - 0.3 * x[2] + Normal(rng);
            sb.Clear();
            sb.Append(g + 1);
            for (int k = 0; k < 8; k++) sb.Append(',').Append(x[k].ToString("F4", inv));
            sb.Append(',').Append(y.ToString("F4", inv)).Append('\n');
            w.Write(sb);
        }
        return path;
    }

    internal static double Normal(Random rng)
    {
        double u1 = 1.0 - rng.NextDouble();
        double u2 = rng.NextDouble();
        return Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
    }
}
