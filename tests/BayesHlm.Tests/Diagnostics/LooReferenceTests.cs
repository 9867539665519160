using System.Text.Json;
using BayesHlm.Diagnostics.Loo;

namespace BayesHlm.Tests.Diagnostics;

/// <summary>
/// PSIS-LOO and WAIC against the R package loo 2.5.1 on shared/reference/loo (4 chains × 1,000 draws × 72
/// observations of an autocorrelated Gibbs run, two planted outliers with k̂ above 0.7): every number of
/// expected.json to 1e-6 relative, k̂ to 1e-6 absolute.
/// </summary>
public sealed class LooReferenceTests
{
    private const double Relative = 1e-6, KAbsolute = 1e-6;

    private static readonly Lazy<PointwiseLogLikelihood> LogLik = new(() => PointwiseLogLikelihood.ReadCsv(RepositoryPaths.Reference("loo", "loglik.csv")));
    private static readonly Lazy<LooResult> Loo = new(() => PsisLoo.Compute(LogLik.Value));
    private static readonly Lazy<JsonElement> Expected = new(() => JsonDocument.Parse(File.ReadAllText(RepositoryPaths.Reference("loo", "expected.json"))).RootElement);

    private static double[] Array(string key) => Expected.Value.GetProperty(key).EnumerateArray().Select(e => e.GetDouble()).ToArray();

    private static void Close(double expected, double actual, string what)
    {
        double tolerance = Relative * Math.Max(Math.Abs(expected), 1e-300);
        Assert.True(Math.Abs(actual - expected) <= tolerance, $"{what}: expected {expected:R}, got {actual:R} (relative error {Math.Abs(actual - expected) / Math.Abs(expected):E2})");
    }

    private static void CloseAll(string key, IReadOnlyList<double> actual)
    {
        var expected = Array(key);
        Assert.Equal(expected.Length, actual.Count);
        for (int i = 0; i < expected.Length; i++) Close(expected[i], actual[i], $"{key}[{i + 1}]");
    }

    private static void CloseEstimate(string key, LooEstimate actual)
    {
        var expected = Array(key);
        Close(expected[0], actual.Estimate, key + " estimate");
        Close(expected[1], actual.Se, key + " SE");
    }

    [Fact]
    public void Reads_FourChainsOfThousandDraws_SeventyTwoObservations()
    {
        var ll = LogLik.Value;
        Assert.Equal((4000, 4, 1000, 72), (ll.Draws, ll.Chains, ll.DrawsPerChain, ll.Observations));
        Assert.Equal("X1", ll.Names[0]);
        Assert.Equal("X72", ll.Names[71]);
    }

    [Fact]
    public void RelativeEfficiency_MatchesLoo() => CloseAll("r_eff", RelativeEfficiency.Compute(LogLik.Value));

    [Fact]
    public void ParetoK_MatchesLoo_IncludingTheOutliers()
    {
        var expected = Array("pareto_k");
        var k = Loo.Value.ParetoK;
        Assert.Equal(expected.Length, k.Count);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(k[i] - expected[i]) <= KAbsolute, $"k[{i + 1}]: expected {expected[i]:R}, got {k[i]:R}");
        Assert.Contains(expected, v => v > 0.7);
    }

    [Fact]
    public void PointwiseValues_MatchLoo()
    {
        CloseAll("pointwise_elpd_loo", Loo.Value.PointwiseElpdLoo);
        CloseAll("pointwise_p_loo", Loo.Value.PointwisePLoo);
        CloseAll("n_eff", Loo.Value.NEff);
    }

    [Fact]
    public void Estimates_MatchLoo()
    {
        CloseEstimate("elpd_loo", Loo.Value.ElpdLoo);
        CloseEstimate("p_loo", Loo.Value.PLoo);
        CloseEstimate("looic", Loo.Value.LooIc);
    }

    [Fact]
    public void McseElpdLoo_IsNullAsInLoo_WhenAKExceedsPointSeven()
    {
        Assert.Equal(JsonValueKind.Null, Expected.Value.GetProperty("mcse_elpd_loo").ValueKind);
        Assert.True(double.IsNaN(Loo.Value.McseElpdLoo));
        Assert.All(Loo.Value.PointwiseMcseElpdLoo, m => Assert.True(m > 0 && double.IsFinite(m)));
    }

    [Fact]
    public void Waic_MatchesLoo()
    {
        var waic = Waic.Compute(LogLik.Value);
        CloseEstimate("elpd_waic", waic.ElpdWaic);
        CloseEstimate("p_waic", waic.PWaic);
        CloseEstimate("waic", waic.Criterion);
    }
}
