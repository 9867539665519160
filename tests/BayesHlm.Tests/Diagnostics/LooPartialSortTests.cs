using BayesHlm.Diagnostics.Loo;

namespace BayesHlm.Tests.Diagnostics;

/// <summary>The selection PSIS uses for its tail, against a full sort: any size, ties, the sample-threshold path
/// and its fallback.</summary>
public sealed class LooPartialSortTests
{
    [Theory]
    [InlineData(30, 7, false)]
    [InlineData(4000, 190, false)]
    [InlineData(4000, 801, false)]
    [InlineData(4000, 190, true)]    // many ties
    [InlineData(100_000, 950, false)]
    public void SortLargest_EndsWithTheLargestAscending_ItemsFollowKeys(int n, int count, bool ties)
    {
        var rng = new Random(n + count);
        var original = Enumerable.Range(0, n).Select(_ => ties ? Math.Round(3 * rng.NextDouble(), 1) : rng.NextDouble() * rng.NextDouble()).ToArray();
        var keys = original.ToArray();
        var items = Enumerable.Range(0, n).ToArray();
        PartialSort.SortLargest(keys, items, count);
        var expected = original.Order().Skip(n - count).ToArray();
        Assert.Equal(expected, keys[(n - count)..]);
        for (int i = 0; i < n; i++) Assert.Equal(original[items[i]], keys[i]);
        Assert.Equal(Enumerable.Range(0, n), items.Order());
    }

    [Fact]
    public void SortLargest_WhenTheSampleMissesTheTail_FallsBackToTheWholeSpan()
    {
        // Sampled positions (multiples of n/256) hold the largest values: the threshold passes too few keys.
        int n = 4096;
        var original = Enumerable.Range(0, n).Select(i => i % 16 == 0 ? 1000.0 + i : i * 1e-3).ToArray();
        var keys = original.ToArray();
        var items = Enumerable.Range(0, n).ToArray();
        PartialSort.SortLargest(keys, items, 400);
        Assert.Equal(original.Order().Skip(n - 400), keys[(n - 400)..]);
        for (int i = 0; i < n; i++) Assert.Equal(original[items[i]], keys[i]);
    }
}
