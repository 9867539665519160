using System.Globalization;

namespace BayesHlm.Data;

/// <summary>
/// Parses the decimal numbers CSV files are full of ("12.345", "-0.5e-3") on a fast path that is exact:
/// when the digits form an integer below 2^53 and the power of ten is at most 22, one multiplication or
/// division of two exactly representable doubles gives the correctly rounded result (Clinger 1990).
/// Anything else falls back to <see cref="double.TryParse(ReadOnlySpan{char}, NumberStyles, IFormatProvider, out double)"/>.
/// </summary>
internal static class FastDouble
{
    private static readonly double[] Powers =
    [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
        1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
    ];

    public static bool TryParse(ReadOnlySpan<char> s, out double value)
    {
        if (TryFast(s, out value)) return true;
        return double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out value);
    }

    private static bool TryFast(ReadOnlySpan<char> s, out double value)
    {
        value = 0;
        int i = 0, n = s.Length;
        if (n == 0 || n > 40) return false;
        bool negative = false;
        if (s[0] == '-' || s[0] == '+') { negative = s[0] == '-'; i++; }
        ulong mantissa = 0;
        int digits = 0, scale = 0;
        bool any = false;
        for (; i < n && (uint)(s[i] - '0') <= 9; i++, any = true)
        {
            if (mantissa == 0 && s[i] == '0') continue;
            if (++digits > 19) return false;
            mantissa = mantissa * 10 + (uint)(s[i] - '0');
        }
        if (i < n && s[i] == '.')
        {
            for (i++; i < n && (uint)(s[i] - '0') <= 9; i++, any = true)
            {
                scale--;
                if (mantissa == 0 && s[i] == '0') continue;
                if (++digits > 19) return false;
                mantissa = mantissa * 10 + (uint)(s[i] - '0');
            }
        }
        if (!any) return false;
        if (i < n && (s[i] == 'e' || s[i] == 'E'))
        {
            i++;
            bool expNegative = false;
            if (i < n && (s[i] == '-' || s[i] == '+')) { expNegative = s[i] == '-'; i++; }
            int exp = 0, expDigits = 0;
            for (; i < n && (uint)(s[i] - '0') <= 9; i++)
            {
                if (++expDigits > 4) return false;
                exp = exp * 10 + (s[i] - '0');
            }
            if (expDigits == 0) return false;
            scale += expNegative ? -exp : exp;
        }
        if (i != n) return false;
        if (mantissa > (1UL << 53) || scale < -22 || scale > 22) return false;
        double m = mantissa;
        value = scale >= 0 ? m * Powers[scale] : m / Powers[-scale];
        if (negative) value = -value;
        return true;
    }
}
