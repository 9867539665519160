namespace BayesHlm.Diagnostics.Loo;

/// <summary>Quickselect (C++'s nth_element) on keys carrying items: PSIS needs only the largest tail of each
/// observation's draws in order, which costs O(S) against the O(S log S) of a full sort.</summary>
internal static class PartialSort
{
    private const int SmallRange = 16;
    private const int SampleSize = 256;

    /// <summary>Puts the <paramref name="count"/> largest keys, ascending, at the end of <paramref name="keys"/>
    /// (items move with their keys; the order of the rest is unspecified).</summary>
    /// <remarks>PSIS wants about the top tenth of a few thousand draws. A sorted sample of 256 keys gives a threshold
    /// that about 1.5 times that many keys pass; one pass moves those to the end, and only they are selected and
    /// sorted. Exact whatever the sample: when fewer than <paramref name="count"/> keys pass, the whole span is
    /// selected instead.</remarks>
    public static void SortLargest(Span<double> keys, Span<int> items, int count)
    {
        int s = keys.Length;
        int start = 0;
        if (s >= 4 * SampleSize && 4 * count < s)
        {
            Span<double> sample = stackalloc double[SampleSize];
            int stride = s / SampleSize;
            for (int j = 0; j < SampleSize; j++) sample[j] = keys[j * stride];
            sample.Sort();
            int fromTop = Math.Min(SampleSize, (int)Math.Ceiling(1.5 * count * SampleSize / s) + 4);
            double threshold = sample[SampleSize - fromTop];
            int w = s;
            for (int i = s - 1; i >= 0; i--)
                if (keys[i] >= threshold) Swap(keys, items, i, --w);
            if (s - w >= count) start = w;
        }
        var candidates = keys[start..];
        var candidateItems = items[start..];
        Select(candidates, candidateItems, candidates.Length - count);
        keys[(s - count)..].Sort(items[(s - count)..]);
    }

    /// <summary>Reorders so that <paramref name="keys"/>[<paramref name="nth"/>] is the value a full ascending sort
    /// would put there, no key before it is larger and none after it smaller; items move with their keys.</summary>
    public static void Select(Span<double> keys, Span<int> items, int nth)
    {
        int lo = 0, hi = keys.Length - 1;
        // Median-of-three pivots make quadratic inputs unlikely; past this depth a sort bounds the cost anyway.
        int depthLeft = 2 * (int)Math.Log2(Math.Max(keys.Length, 2)) + 4;
        while (hi - lo > SmallRange)
        {
            if (depthLeft-- == 0) break;
            int mid = lo + (hi - lo) / 2;
            if (keys[mid] < keys[lo]) Swap(keys, items, mid, lo);
            if (keys[hi] < keys[lo]) Swap(keys, items, hi, lo);
            if (keys[hi] < keys[mid]) Swap(keys, items, hi, mid);
            double pivot = keys[mid];
            int i = lo, j = hi;
            while (i <= j)
            {
                while (keys[i] < pivot) i++;
                while (keys[j] > pivot) j--;
                if (i <= j) Swap(keys, items, i++, j--);
            }
            // Now keys[lo..j] ≤ pivot ≤ keys[i..hi], and keys strictly between j and i equal the pivot.
            if (nth <= j) hi = j;
            else if (nth >= i) lo = i;
            else return;
        }
        keys[lo..(hi + 1)].Sort(items[lo..(hi + 1)]);
    }

    private static void Swap(Span<double> keys, Span<int> items, int a, int b)
    {
        (keys[a], keys[b]) = (keys[b], keys[a]);
        (items[a], items[b]) = (items[b], items[a]);
    }
}
