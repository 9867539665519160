namespace BayesHlm.Statistics.Linalg;

/// <summary>Small dense routines on row-major spans, for the q×q and p×p blocks of the kernel.
/// Written out because they run once per group per evaluation, where allocation and call overhead
/// of a general library dominate (STYLE.md §3).</summary>
internal static class Dense
{
    /// <summary>Lower Cholesky factor of the n×n SPD matrix in <paramref name="a"/>, in place (upper part zeroed).
    /// Returns false when a pivot is not positive.</summary>
    public static bool CholeskyInPlace(Span<double> a, int n) => Cholesky(a, n, tolerance: 0);

    /// <summary>Lower Cholesky factor of a positive semi-definite matrix in place: a (numerically) zero pivot
    /// gives a zero column. Returns false when the matrix is indefinite.</summary>
    public static bool SemiDefiniteCholeskyInPlace(Span<double> a, int n)
    {
        double scale = 0;
        for (int i = 0; i < n; i++) scale = Math.Max(scale, Math.Abs(a[i * n + i]));
        return Cholesky(a, n, tolerance: 1e-13 * Math.Max(scale, 1e-300));
    }

    /// <summary>Cholesky with pivots up to <paramref name="tolerance"/> taken as zero (a zero column, allowed only
    /// if the rest of the column is zero too); with tolerance 0 any pivot ≤ 0 fails.</summary>
    private static bool Cholesky(Span<double> a, int n, double tolerance)
    {
        for (int j = 0; j < n; j++)
        {
            double d = a[j * n + j];
            for (int k = 0; k < j; k++) d -= a[j * n + k] * a[j * n + k];
            bool zeroPivot = tolerance > 0 && Math.Abs(d) <= tolerance;
            if (!zeroPivot && !(d > 0)) return false;
            double root = zeroPivot ? 0 : Math.Sqrt(d);
            a[j * n + j] = root;
            for (int i = j + 1; i < n; i++)
            {
                double s = a[i * n + j];
                for (int k = 0; k < j; k++) s -= a[i * n + k] * a[j * n + k];
                if (zeroPivot && Math.Abs(s) > Math.Sqrt(tolerance)) return false;
                a[i * n + j] = zeroPivot ? 0 : s / root;
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

    /// <summary>A⁻¹ of a symmetric positive definite n×n <paramref name="a"/> (left as it is), by its Cholesky factor;
    /// null when it is not positive definite.</summary>
    public static double[]? TryInverse(ReadOnlySpan<double> a, int n)
    {
        var l = a[..(n * n)].ToArray();
        if (!CholeskyInPlace(l, n)) return null;
        var inverse = new double[n * n];
        InverseFromCholesky(l, n, inverse);
        return inverse;
    }

    /// <summary>into = L·x for a lower triangular n×n L (row-major; random effects u = Λb).</summary>
    public static void LowerTimes(ReadOnlySpan<double> l, int n, ReadOnlySpan<double> x, Span<double> into)
    {
        for (int i = 0; i < n; i++)
        {
            double s = 0;
            for (int t = 0; t <= i; t++) s += l[i * n + t] * x[t];
            into[i] = s;
        }
    }

    /// <summary>t = ΛᵀMΛ (q×q, Λ lower).</summary>
    public static void Congruence(ReadOnlySpan<double> lam, ReadOnlySpan<double> m, int q, Span<double> t)
    {
        for (int i = 0; i < q; i++)
            for (int j = 0; j < q; j++)
            {
                double sum = 0;
                for (int a = i; a < q; a++)
                    for (int c = j; c < q; c++) sum += lam[a * q + i] * m[a * q + c] * lam[c * q + j];
                t[i * q + j] = sum;
            }
    }

    /// <summary>xᵀy with SIMD lanes (the hot loops of the large dense factorisations).</summary>
    public static double Dot(ReadOnlySpan<double> x, ReadOnlySpan<double> y)
    {
        var vx = System.Runtime.InteropServices.MemoryMarshal.Cast<double, System.Numerics.Vector<double>>(x);
        var vy = System.Runtime.InteropServices.MemoryMarshal.Cast<double, System.Numerics.Vector<double>>(y.Slice(0, x.Length));
        var acc = System.Numerics.Vector<double>.Zero;
        for (int v = 0; v < vx.Length; v++) acc += vx[v] * vy[v];
        double s = System.Numerics.Vector.Sum(acc);
        for (int t = vx.Length * System.Numerics.Vector<double>.Count; t < x.Length; t++) s += x[t] * y[t];
        return s;
    }

    /// <summary>2 Σ log L_ii.</summary>
    public static double LogDeterminant(ReadOnlySpan<double> l, int n)
    {
        double s = 0;
        for (int i = 0; i < n; i++) s += Math.Log(l[i * n + i]);
        return 2 * s;
    }

    /// <summary>target += Σ_j u_j u_jᵀ over the rows u_j (length q) of <paramref name="u"/>; target q×q, kept symmetric.</summary>
    public static void AddScatter(ReadOnlySpan<double> u, int q, Span<double> target)
    {
        int rows = u.Length / q;
        if (q == 2)
        {
            // The same sums in the same order, held in registers rather than read back from the target each row.
            double t00 = target[0], t10 = target[2], t11 = target[3];
            for (int j = 0; j < rows; j++)
            {
                double u0 = u[2 * j], u1 = u[2 * j + 1];
                t00 += u0 * u0;
                t10 += u1 * u0;
                t11 += u1 * u1;
            }
            target[0] = t00;
            target[2] = t10;
            target[3] = t11;
            target[1] = t10;
            return;
        }
        for (int j = 0; j < rows; j++)
            for (int a = 0; a < q; a++)
            {
                double ua = u[j * q + a];
                for (int b = 0; b <= a; b++) target[a * q + b] += ua * u[j * q + b];
            }
        for (int a = 0; a < q; a++) for (int b = 0; b < a; b++) target[b * q + a] = target[a * q + b];
    }

    /// <summary>Symmetric to within rounding (a matrix typed by hand in JSON).</summary>
    public static bool IsSymmetric(double[][] m)
    {
        for (int i = 0; i < m.Length; i++)
            for (int j = 0; j < i; j++)
                if (Math.Abs(m[i][j] - m[j][i]) > 1e-12 * (Math.Abs(m[i][j]) + Math.Abs(m[j][i]) + 1e-300)) return false;
        return true;
    }

    /// <summary>Square, symmetric and positive definite.</summary>
    public static bool IsSymmetricPositiveDefinite(double[][] m) =>
        m.All(r => r.Length == m.Length) && IsSymmetric(m) && CholeskyInPlace(m.SelectMany(r => r).ToArray(), m.Length);
}
