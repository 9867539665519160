using System.Text;

namespace BayesHlm.Data;

/// <summary>
/// Canonical equivalence of names: 'résultat' typed with a precomposed é (NFC, as most editors write it) and with e and a
/// combining accent (NFD, as macOS file names and some exports write it) look identical and must name the same column.
/// Under InvariantGlobalization .NET's <see cref="string.Normalize()"/> leaves text as it is, so the tool decomposes by the
/// Unicode tables itself (<c>UnicodeCanonical.Tables.cs</c>, generated).
/// </summary>
internal static partial class UnicodeCanonical
{
    /// <summary>Compares strings by canonical equivalence (their NFD forms are equal).</summary>
    public static readonly IEqualityComparer<string> Comparer = new CanonicalComparer();

    /// <summary>The canonical decomposition (NFD) of <paramref name="text"/>; the same instance when nothing decomposes.</summary>
    public static string Decompose(string text)
    {
        if (IsAlreadyDecomposed(text)) return text;
        var sb = new StringBuilder(text.Length + 8);
        foreach (var rune in text.EnumerateRunes()) AppendDecomposed(sb, rune.Value);
        OrderCombiningMarks(sb);
        return sb.ToString();
    }

    /// <summary>True when the strings differ as written but are canonically equivalent.</summary>
    public static bool DifferOnlyInNormalisation(string a, string b) =>
        !string.Equals(a, b, StringComparison.Ordinal) && string.Equals(Decompose(a), Decompose(b), StringComparison.Ordinal);

    // Below U+00C0 nothing decomposes and nothing combines, so names in ASCII (nearly all) take no work.
    private static bool IsAlreadyDecomposed(string text)
    {
        foreach (char c in text)
            if (c >= '\u00C0') return false;
        return true;
    }

    private const int HangulFirst = 0xAC00, HangulCount = 11172, LeadFirst = 0x1100, VowelFirst = 0x1161, TrailFirst = 0x11A7;
    private const int VowelCount = 21, TrailCount = 28;

    private static void AppendDecomposed(StringBuilder sb, int codePoint)
    {
        int s = codePoint - HangulFirst;
        if (s is >= 0 and < HangulCount)
        {
            sb.Append((char)(LeadFirst + s / (VowelCount * TrailCount)));
            sb.Append((char)(VowelFirst + s % (VowelCount * TrailCount) / TrailCount));
            if (s % TrailCount != 0) sb.Append((char)(TrailFirst + s % TrailCount));
            return;
        }
        int at = Array.BinarySearch(DecomposedCodePoints, codePoint);
        if (at >= 0) sb.Append(Decompositions[at]);
        else sb.Append(new Rune(codePoint).ToString());
    }

    /// <summary>Unicode's canonical ordering: within each run of combining marks, a stable sort by combining class.</summary>
    private static void OrderCombiningMarks(StringBuilder sb)
    {
        var runes = sb.ToString().EnumerateRunes().Select(r => r.Value).ToArray();
        bool moved = false;
        for (int i = 1; i < runes.Length; i++)
        {
            int cls = CombiningClass(runes[i]);
            if (cls == 0) continue;
            for (int j = i; j > 0; j--)
            {
                int before = CombiningClass(runes[j - 1]);
                if (before <= cls) break;
                (runes[j - 1], runes[j]) = (runes[j], runes[j - 1]);
                moved = true;
            }
        }
        if (!moved) return;
        sb.Clear();
        foreach (int r in runes) sb.Append(new Rune(r).ToString());
    }

    /// <summary>The canonical combining class of a code point (0 for starters).</summary>
    public static int CombiningClass(int codePoint)
    {
        int lo = 0, hi = CombiningClassRanges.Length / 3 - 1;
        while (lo <= hi)
        {
            int mid = (lo + hi) >>> 1;
            if (codePoint < CombiningClassRanges[3 * mid]) hi = mid - 1;
            else if (codePoint > CombiningClassRanges[3 * mid + 1]) lo = mid + 1;
            else return CombiningClassRanges[3 * mid + 2];
        }
        return 0;
    }

    private sealed class CanonicalComparer : IEqualityComparer<string>
    {
        public bool Equals(string? x, string? y) =>
            x is null || y is null ? ReferenceEquals(x, y) : string.Equals(Decompose(x), Decompose(y), StringComparison.Ordinal);

        public int GetHashCode(string obj) => StringComparer.Ordinal.GetHashCode(Decompose(obj));
    }
}
