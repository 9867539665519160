namespace BayesHlm.Diagnostics;

/// <summary>
/// Sorts doubles with their positions by least-significant-digit radix sort on their IEEE bits (11-bit digits,
/// stable). Every summary needs the sorted draws and their permutation; for thousands of draws this is several
/// times faster than a comparison sort carrying an index array, and allocates nothing after construction.
/// NaN must not occur (the caller handles non-finite draws first).
/// </summary>
internal sealed class RadixSort
{
    private const int Bits = 11, Buckets = 1 << Bits;
    private readonly ulong[] _keys, _keys2;
    private readonly int[] _index2;
    private readonly int[] _count = new int[Buckets];

    public RadixSort(int n)
    {
        _keys = new ulong[n];
        _keys2 = new ulong[n];
        _index2 = new int[n];
    }

    /// <summary>Writes the values in ascending order to <paramref name="sorted"/> and their original positions to <paramref name="order"/>.</summary>
    public void Sort(ReadOnlySpan<double> values, Span<double> sorted, Span<int> order)
    {
        int n = values.Length;
        var keys = _keys.AsSpan(0, n);
        var keys2 = _keys2.AsSpan(0, n);
        var index = order[..n];
        var index2 = _index2.AsSpan(0, n);
        for (int i = 0; i < n; i++)
        {
            // Order-preserving map of a double to an unsigned integer: flip all bits of negatives, the sign of positives.
            ulong b = (ulong)BitConverter.DoubleToInt64Bits(values[i]);
            keys[i] = (b & 0x8000_0000_0000_0000UL) != 0 ? ~b : b ^ 0x8000_0000_0000_0000UL;
            index[i] = i;
        }
        for (int shift = 0; shift < 64; shift += Bits)
        {
            Array.Clear(_count);
            for (int i = 0; i < n; i++) _count[(int)((keys[i] >> shift) & (Buckets - 1))]++;
            if (_count[(int)((keys[0] >> shift) & (Buckets - 1))] == n) continue; // every key has this digit
            int sum = 0;
            for (int d = 0; d < Buckets; d++) { int c = _count[d]; _count[d] = sum; sum += c; }
            for (int i = 0; i < n; i++)
            {
                int d = (int)((keys[i] >> shift) & (Buckets - 1));
                int to = _count[d]++;
                keys2[to] = keys[i];
                index2[to] = index[i];
            }
            keys2.CopyTo(keys);
            index2.CopyTo(index);
        }
        for (int i = 0; i < n; i++) sorted[i] = values[index[i]];
    }
}
