using System.Globalization;

namespace BayesHlm.Reporting;

/// <summary>Number formatting for reports: invariant culture, fixed significant digits, p-values as SAS prints them.</summary>
internal static class Format
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public static string Num(double x, int digits = 5)
    {
        if (double.IsNaN(x)) return ".";
        if (double.IsInfinity(x)) return x > 0 ? "Inf" : "-Inf";
        if (x == 0) return "0";
        double a = Math.Abs(x);
        if (a >= 1e7 || a < 1e-4) return x.ToString("0.####E+0", Inv);
        int decimals = Math.Max(0, digits - 1 - (int)Math.Floor(Math.Log10(a)));
        return x.ToString("F" + Math.Min(decimals, 8), Inv);
    }

    public static string Fixed(double x, int decimals) => double.IsNaN(x) ? "." : x.ToString("F" + decimals, Inv);

    public static string P(double p) =>
        double.IsNaN(p) ? "." : p < 0.0001 ? "<.0001" : p.ToString("F4", Inv);

    /// <summary>A paragraph wrapped to <paramref name="width"/> columns, ending in a newline.</summary>
    public static string Wrap(string text, int width = 80)
    {
        var sb = new System.Text.StringBuilder();
        int column = 0;
        foreach (var word in text.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            if (column > 0 && column + 1 + word.Length > width) { sb.Append('\n'); column = 0; }
            else if (column > 0) { sb.Append(' '); column++; }
            sb.Append(word);
            column += word.Length;
        }
        return sb.Append('\n').ToString();
    }

    /// <summary>Joins parts with a separator, breaking lines before 80 columns, continuation lines indented.</summary>
    public static string Wrap(string prefix, string[] parts, string separator)
    {
        var sb = new System.Text.StringBuilder(prefix);
        int lineStart = 0;
        for (int i = 0; i < parts.Length; i++)
        {
            if (i > 0 && sb.Length - lineStart + separator.Length + parts[i].Length > 80)
            {
                sb.Append(separator.TrimEnd()).Append('\n');
                lineStart = sb.Length;
                sb.Append(new string(' ', prefix.Length + 2));
            }
            else if (i > 0) sb.Append(separator);
            sb.Append(parts[i]);
        }
        return sb.Append('\n').ToString();
    }

    /// <summary>A warning as a bulleted paragraph wrapped to <paramref name="width"/> columns ("  ! " then indented lines).</summary>
    public static string Bullet(string text, int width = 80)
    {
        var sb = new System.Text.StringBuilder();
        int column = 0;
        foreach (var word in text.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            if (column == 0) { sb.Append("  ! "); column = 4; }
            else if (column + 1 + word.Length > width) { sb.Append("\n    "); column = 4; }
            else { sb.Append(' '); column++; }
            sb.Append(word);
            column += word.Length;
        }
        return sb.Append('\n').ToString();
    }
}
