using BayesHlm.Diagnostics;
using BayesHlm.Reporting;

namespace BayesHlm.Tests.Sampling;

public sealed class DrawsFileTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory().FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    [Fact]
    public void DrawsCsv_RoundTripsExactly_WithNamesThatNeedQuotes()
    {
        var rng = new Random(3);
        string[] names = ["(Intercept)", "cov[school:(Intercept),center(ses, school)]", "u[school=1224:(Intercept)]"];
        var values = names.Select(_ => Enumerable.Range(0, 3 * 7).Select(_ => rng.NextDouble() * 1e3 - 500).ToArray()).ToArray();
        var draws = new DrawSet(names, 3, 7, values);
        string path = Path.Combine(_dir, "draws.csv");
        DrawsCsvWriter.Write(draws, path);
        var back = DrawsReader.Read([path]).Draws;
        Assert.Equal(names, back.Names);
        Assert.Equal(3, back.Chains);
        Assert.Equal(7, back.Iterations);
        for (int p = 0; p < names.Length; p++) Assert.True(back.Draws(p).SequenceEqual(draws.Draws(p)));
        Assert.Empty(Directory.GetFiles(_dir, "*.tmp"));
    }
}
