using System.Numerics;
using System.Runtime.InteropServices;

namespace BayesHlm.Statistics.Linalg;

/// <summary>
/// Cholesky factorisation of a large dense symmetric matrix (the crossed kernel's rest block, a thousand or more
/// rows) in place, right-looking by panels of <see cref="Panel"/> columns: each element is updated once per panel by a
/// SIMD dot product of two contiguous panel rows, and the trailing update runs on every core. The unblocked loops of
/// <see cref="Dense"/> stream the whole triangle from memory for every column, which at n = 1,150 is several times slower.
/// </summary>
internal static class BlockedCholesky
{
    private const int Panel = 64;

    /// <summary>Lower factor L (LLᵀ = A) in the lower triangle of the row-major n×n <paramref name="a"/>; the strict
    /// upper triangle is left as it was. False when A is not positive definite; <paramref name="failedAt"/> is the
    /// pivot that failed (n on success).</summary>
    public static bool Factor(double[] a, int n, out int failedAt)
    {
        for (int k0 = 0; k0 < n; k0 += Panel)
        {
            int k1 = Math.Min(n, k0 + Panel);
            // 1. The diagonal block, unblocked (the panel's earlier columns are already subtracted).
            for (int j = k0; j < k1; j++)
            {
                double d = a[j * n + j] - Dot(a, j * n + k0, j * n + k0, j - k0);
                if (!(d > 0)) { failedAt = j; return false; }
                double root = Math.Sqrt(d);
                a[j * n + j] = root;
                for (int i = j + 1; i < k1; i++)
                    a[i * n + j] = (a[i * n + j] - Dot(a, i * n + k0, j * n + k0, j - k0)) / root;
            }
            if (k1 == n) break;
            // 2. The panel below it, each row solved against the diagonal block (rows are independent); 3. the trailing
            // lower triangle less the panel's outer product, two rows at a time. Work too small to share runs here, with
            // no closure to allocate (the sampler factorises a crossed design's dense block every sweep).
            int pairs = (n - k1 + 1) / 2;
            if (Sequential(n - k1))
                for (int i = k1; i < n; i++) SolvePanelRow(a, n, k0, k1, i);
            else SolvePanelInParallel(a, n, k0, k1);
            if (Sequential(pairs))
                for (int pair = 0; pair < pairs; pair++) UpdatePair(a, n, k0, k1, pair);
            else UpdateInParallel(a, n, k0, k1, pairs);
        }
        failedAt = n;
        return true;
    }

    /// <summary>Row i of the panel below the diagonal block, solved against it.</summary>
    private static void SolvePanelRow(double[] a, int n, int k0, int k1, int i)
    {
        for (int j = k0; j < k1; j++)
            a[i * n + j] = (a[i * n + j] - Dot(a, i * n + k0, j * n + k0, j - k0)) / a[j * n + j];
    }

    private static void SolvePanelInParallel(double[] a, int n, int k0, int k1) => ForRows(k1, n, i => SolvePanelRow(a, n, k0, k1, i));

    /// <summary>Pair <paramref name="pair"/> of the trailing rows: rows k1 + 2·pair and the next (alone when it is the last),
    /// less the panel's outer product. Four dot products share their loads, which halves the memory traffic per multiply-add.</summary>
    private static void UpdatePair(double[] a, int n, int k0, int k1, int pair)
    {
        int i = k1 + 2 * pair, width = k1 - k0;
        if (i + 1 < n) UpdateRowPair(a, n, k0, k1, width, i);
        else
        {
            int ri = i * n + k0;
            for (int j = k1; j <= i; j++) a[i * n + j] -= Dot(a, ri, j * n + k0, width);
        }
    }

    private static void UpdateInParallel(double[] a, int n, int k0, int k1, int pairs) => ForRows(0, pairs, pair => UpdatePair(a, n, k0, k1, pair));

    /// <summary>Rows i and i + 1 of the trailing update: columns k1…i in 2×2 blocks, then what is left.</summary>
    private static void UpdateRowPair(double[] a, int n, int k0, int k1, int width, int i)
    {
        int r0 = i * n + k0, r1 = r0 + n;
        int j = k1;
        for (; j + 1 <= i; j += 2)
        {
            Dot2x2(a, r0, r1, j * n + k0, (j + 1) * n + k0, width, out double s00, out double s01, out double s10, out double s11);
            a[i * n + j] -= s00;
            a[i * n + j + 1] -= s01;
            a[(i + 1) * n + j] -= s10;
            a[(i + 1) * n + j + 1] -= s11;
        }
        for (; j <= i; j++)
        {
            a[i * n + j] -= Dot(a, r0, j * n + k0, width);
            a[(i + 1) * n + j] -= Dot(a, r1, j * n + k0, width);
        }
        a[(i + 1) * n + i + 1] -= Dot(a, r1, r1, width);
    }

    private static void Dot2x2(double[] a, int x0, int x1, int y0, int y1, int length, out double s00, out double s01, out double s10, out double s11)
    {
        var span = a.AsSpan();
        var vx0 = MemoryMarshal.Cast<double, Vector<double>>(span.Slice(x0, length));
        var vx1 = MemoryMarshal.Cast<double, Vector<double>>(span.Slice(x1, length));
        var vy0 = MemoryMarshal.Cast<double, Vector<double>>(span.Slice(y0, length));
        var vy1 = MemoryMarshal.Cast<double, Vector<double>>(span.Slice(y1, length));
        Vector<double> a00 = Vector<double>.Zero, a01 = a00, a10 = a00, a11 = a00;
        for (int v = 0; v < vx0.Length; v++)
        {
            var p = vx0[v];
            var q = vx1[v];
            var u = vy0[v];
            var w = vy1[v];
            a00 += p * u; a01 += p * w; a10 += q * u; a11 += q * w;
        }
        s00 = Vector.Sum(a00); s01 = Vector.Sum(a01); s10 = Vector.Sum(a10); s11 = Vector.Sum(a11);
        for (int t = vx0.Length * Vector<double>.Count; t < length; t++)
        {
            s00 += a[x0 + t] * a[y0 + t]; s01 += a[x0 + t] * a[y1 + t];
            s10 += a[x1 + t] * a[y0 + t]; s11 += a[x1 + t] * a[y1 + t];
        }
    }

    /// <summary>Too little work in <paramref name="count"/> rows for the cores to share, or one core.</summary>
    private static bool Sequential(int count) => (long)count * count < 40_000 || Environment.ProcessorCount == 1;

    /// <summary>Rows [from, to) in parallel, interleaved so each core gets long and short rows.</summary>
    private static void ForRows(int from, int to, Action<int> row)
    {
        int workers = Math.Min(Environment.ProcessorCount, 8);
        Parallel.For(0, workers, w => { for (int i = from + w; i < to; i += workers) row(i); });
    }

    private static double Dot(double[] a, int x, int y, int length) => Dense.Dot(a.AsSpan(x, length), a.AsSpan(y, length));
}
