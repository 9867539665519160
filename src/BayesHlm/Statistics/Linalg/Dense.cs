namespace BayesHlm.Statistics.Linalg;

/// <summary>Small dense routines on row-major spans, for the q×q and p×p blocks of the kernel.
/// Written out because they run once per group per evaluation, where allocation and call overhead
/// of a general library dominate (STYLE.md §3).</summary>
internal static class Dense
{
    /// <summary>Lower Cholesky factor of the n×n SPD matrix in <paramref name="a"/>, in place (upper part zeroed).
    /// Returns false when a pivot is not positive.</summary>
    public static bool CholeskyInPlace(Span<double> a, int n)
    {
        for (int j = 0; j < n; j++)
        {
            double d = a[j * n + j];
            for (int k = 0; k < j; k++) d -= a[j * n + k] * a[j * n + k];
            if (!(d > 0)) return false;
            d = Math.Sqrt(d);
            a[j * n + j] = d;
            for (int i = j + 1; i < n; i++)
            {
                double s = a[i * n + j];
                for (int k = 0; k < j; k++) s -= a[i * n + k] * a[j * n + k];
                a[i * n + j] = s / d;
            }
            for (int k = j + 1; k < n; k++) a[j * n + k] = 0;
        }
        return true;
    }

    /// <summary>Lower Cholesky factor of a positive semi-definite matrix in place: a (numerically) zero pivot
    /// gives a zero column. Returns false when the matrix is indefinite.</summary>
    public static bool SemiDefiniteCholeskyInPlace(Span<double> a, int n)
    {
        double scale = 0;
        for (int i = 0; i < n; i++) scale = Math.Max(scale, Math.Abs(a[i * n + i]));
        double tol = 1e-13 * Math.Max(scale, 1e-300);
        for (int j = 0; j < n; j++)
        {
            double d = a[j * n + j];
            for (int k = 0; k < j; k++) d -= a[j * n + k] * a[j * n + k];
            if (d < -tol) return false;
            if (d <= tol)
            {
                for (int i = j; i < n; i++)
                {
                    double s = a[i * n + j];
                    for (int k = 0; k < j; k++) s -= a[i * n + k] * a[j * n + k];
                    if (i > j && Math.Abs(s) > Math.Sqrt(tol) * Math.Sqrt(Math.Max(scale, 1e-300))) return false;
                    a[i * n + j] = 0;
                }
            }
            else
            {
                d = Math.Sqrt(d);
                a[j * n + j] = d;
                for (int i = j + 1; i < n; i++)
                {
                    double s = a[i * n + j];
                    for (int k = 0; k < j; k++) s -= a[i * n + k] * a[j * n + k];
                    a[i * n + j] = s / d;
                }
            }
            for (int k = j + 1; k < n; k++) a[j * n + k] = 0;
        }
        return true;
    }

    /// <summary>Solves L x = b in place (L lower n×n, b a column of stride <paramref name="stride"/> starting at <paramref name="offset"/>).</summary>
    public static void ForwardSolve(ReadOnlySpan<double> l, int n, Span<double> b, int offset, int stride)
    {
        for (int i = 0; i < n; i++)
        {
            double s = b[offset + i * stride];
            for (int k = 0; k < i; k++) s -= l[i * n + k] * b[offset + k * stride];
            b[offset + i * stride] = s / l[i * n + i];
        }
    }

    /// <summary>Solves Lᵀ x = b in place.</summary>
    public static void BackSolve(ReadOnlySpan<double> l, int n, Span<double> b, int offset, int stride)
    {
        for (int i = n - 1; i >= 0; i--)
        {
            double s = b[offset + i * stride];
            for (int k = i + 1; k < n; k++) s -= l[k * n + i] * b[offset + k * stride];
            b[offset + i * stride] = s / l[i * n + i];
        }
    }

    /// <summary>(L Lᵀ)⁻¹ from the lower factor L, into <paramref name="result"/> (n×n).</summary>
    public static void InverseFromCholesky(ReadOnlySpan<double> l, int n, Span<double> result)
    {
        result.Slice(0, n * n).Clear();
        for (int c = 0; c < n; c++)
        {
            result[c * n + c] = 1;
            ForwardSolve(l, n, result, c, n);
            BackSolve(l, n, result, c, n);
        }
    }

    /// <summary>2 Σ log L_ii.</summary>
    public static double LogDeterminant(ReadOnlySpan<double> l, int n)
    {
        double s = 0;
        for (int i = 0; i < n; i++) s += Math.Log(l[i * n + i]);
        return 2 * s;
    }
}
