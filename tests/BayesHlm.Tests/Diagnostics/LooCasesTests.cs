using System.Text.Json;
using BayesHlm.Diagnostics.Loo;

namespace BayesHlm.Tests.Diagnostics;

/// <summary>
/// PSIS-LOO, WAIC and loo_compare against loo 2.5.1 on the cases of Reference/loo/loo_cases.R, which the shared
/// fixture does not cover: an odd chain length (loo's FFT scaling M/n² with M ≠ n), draws so autocorrelated that
/// r_eff takes the autocovariance's FFT path (Geyer's sequence past half the chain), a single chain, a tail capped
/// at 0.2·S with k̂ above 1, too few draws for a tail (k̂ = ∞, weights left raw), every k̂ below 0.7 (so the Monte
/// Carlo SE is a number), and two models compared. The matrices are rebuilt here by the script's generator.
/// </summary>
public sealed class LooCasesTests
{
    private const double Relative = 1e-6, KAbsolute = 1e-6;

    private static readonly Lazy<JsonElement> Cases = new(() => JsonDocument.Parse(File.ReadAllText(
        Path.Combine(RepositoryPaths.RepositoryDirectory, "tests", "BayesHlm.Tests", "Reference", "loo", "loo_cases.json"))).RootElement);

    public static TheoryData<string> CaseNames()
    {
        var data = new TheoryData<string>();
        foreach (var c in Cases.Value.GetProperty("cases").EnumerateArray()) data.Add(c.GetProperty("name").GetString()!);
        return data;
    }

    private static JsonElement Case(string name) =>
        Cases.Value.GetProperty("cases").EnumerateArray().Single(c => c.GetProperty("name").GetString() == name);

    /// <summary>loo_cases.R's make_loglik, operation for operation (Park–Miller uniforms, Box–Muller normals).</summary>
    private static PointwiseLogLikelihood Make(JsonElement c)
    {
        long state = c.GetProperty("seed").GetInt64();
        double Uniform()
        {
            state = 16807 * state % 2147483647;
            return state / 2147483647.0;
        }
        double Normal()
        {
            double u1 = Uniform(), u2 = Uniform();
            return Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
        }
        int chains = c.GetProperty("chains").GetInt32(), iterations = c.GetProperty("iterations").GetInt32();
        int n = c.GetProperty("n").GetInt32(), groups = c.GetProperty("groups").GetInt32();
        double phi = c.GetProperty("phi").GetDouble();
        bool useGroups = c.GetProperty("use_groups").GetBoolean();
        var shifts = c.GetProperty("shifts").EnumerateArray().Select(e => e.GetDouble()).ToArray();
        var y = new double[n];
        for (int i = 0; i < n; i++) y[i] = Normal();
        for (int i = 0; i < n; i++) y[i] += shifts[i];
        double innovation = Math.Sqrt(1 - phi * phi);
        int s = chains * iterations;
        var values = new double[s * n];
        var b = new double[groups];
        for (int ch = 0; ch < chains; ch++)
        {
            double mu = 0.15 * Normal(), ls = 0.1 * Normal();
            for (int g = 0; g < groups; g++) b[g] = 0.3 * Normal();
            for (int t = 0; t < iterations; t++)
            {
                if (t > 0)
                {
                    mu = phi * mu + innovation * 0.15 * Normal();
                    ls = phi * ls + innovation * 0.1 * Normal();
                    for (int g = 0; g < groups; g++) b[g] = phi * b[g] + innovation * 0.3 * Normal();
                }
                int draw = ch * iterations + t;
                for (int i = 0; i < n; i++)
                {
                    double m = mu + (useGroups ? b[i % groups] : 0);
                    double z = (y[i] - m) / Math.Exp(ls);
                    values[i * s + draw] = -0.5 * Math.Log(2 * Math.PI) - ls - 0.5 * z * z;
                }
            }
        }
        var chainOfDraw = Enumerable.Range(0, s).Select(d => d / iterations + 1).ToArray();
        return new PointwiseLogLikelihood(values, s, chainOfDraw, Enumerable.Range(1, n).Select(i => $"y{i}").ToArray());
    }

    private static double[] Values(JsonElement c, string key) =>
        c.GetProperty(key).EnumerateArray().Select(e => e.ValueKind == JsonValueKind.Null ? double.PositiveInfinity : e.GetDouble()).ToArray();

    private static void Close(double expected, double actual, string what)
    {
        if (double.IsPositiveInfinity(expected)) { Assert.True(!double.IsFinite(actual), $"{what}: expected NA/Inf, got {actual:R}"); return; }
        Assert.True(Math.Abs(actual - expected) <= Relative * Math.Abs(expected), $"{what}: expected {expected:R}, got {actual:R}");
    }

    private static void CloseAll(JsonElement c, string key, IReadOnlyList<double> actual)
    {
        var expected = Values(c, key);
        Assert.Equal(expected.Length, actual.Count);
        for (int i = 0; i < expected.Length; i++) Close(expected[i], actual[i], $"{key}[{i + 1}]");
    }

    private static void ClosePair(JsonElement c, string key, LooEstimate actual)
    {
        var expected = Values(c, key);
        Close(expected[0], actual.Estimate, key + " estimate");
        Close(expected[1], actual.Se, key + " SE");
    }

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void MatchesLoo(string name)
    {
        var c = Case(name);
        var ll = Make(c);
        var loo = PsisLoo.Compute(ll);
        var waic = Waic.Compute(ll);
        CloseAll(c, "r_eff", loo.RelativeEfficiency);
        var expectedK = Values(c, "pareto_k");
        for (int i = 0; i < expectedK.Length; i++)
            Assert.True(double.IsPositiveInfinity(expectedK[i]) ? double.IsPositiveInfinity(loo.ParetoK[i]) : Math.Abs(loo.ParetoK[i] - expectedK[i]) <= KAbsolute,
                        $"k[{i + 1}]: expected {expectedK[i]:R}, got {loo.ParetoK[i]:R}");
        CloseAll(c, "pointwise_elpd_loo", loo.PointwiseElpdLoo);
        CloseAll(c, "pointwise_p_loo", loo.PointwisePLoo);
        CloseAll(c, "pointwise_mcse_elpd_loo", loo.PointwiseMcseElpdLoo);
        CloseAll(c, "n_eff", loo.NEff);
        CloseAll(c, "pointwise_p_waic", waic.PointwisePWaic);
        ClosePair(c, "elpd_loo", loo.ElpdLoo);
        ClosePair(c, "p_loo", loo.PLoo);
        ClosePair(c, "looic", loo.LooIc);
        ClosePair(c, "elpd_waic", waic.ElpdWaic);
        ClosePair(c, "p_waic", waic.PWaic);
        ClosePair(c, "waic", waic.Criterion);
        var mcse = c.GetProperty("mcse_elpd_loo");
        if (mcse.ValueKind == JsonValueKind.Null) Assert.True(double.IsNaN(loo.McseElpdLoo));
        else Close(mcse.GetDouble(), loo.McseElpdLoo, "mcse_elpd_loo");
        Assert.Equal(c.GetProperty("pareto_k_counts").EnumerateArray().Select(e => e.GetInt32()), loo.Diagnostic.Bands.Select(b => b.Count));
    }

    [Fact]
    public void CasesCoverWhatTheFixtureDoesNot()
    {
        var cases = Cases.Value.GetProperty("cases").EnumerateArray().ToList();
        Assert.Contains(cases, c => c.GetProperty("mcse_elpd_loo").ValueKind == JsonValueKind.Number);
        Assert.Contains(cases, c => Values(c, "pareto_k").Any(double.IsPositiveInfinity));
        Assert.Contains(cases, c => Values(c, "pareto_k").Any(k => k > 1 && double.IsFinite(k)));
        Assert.Contains(cases, c => c.GetProperty("iterations").GetInt32() % 2 == 1);
        Assert.Contains(cases, c => c.GetProperty("chains").GetInt32() == 1);
        Assert.Contains(cases, c => Values(c, "r_eff").Any(r => r < 0.01));
    }

    [Fact]
    public void Compare_MatchesLooCompare()
    {
        var expected = Cases.Value.GetProperty("compare");
        var models = expected.GetProperty("models").EnumerateArray().Select(m => m.GetString()!)
            .Select(m => (m, PsisLoo.Compute(Make(Case(m))))).ToList();
        var comparison = LooComparison.Compare(models);
        Assert.Equal(expected.GetProperty("order").EnumerateArray().Select(e => e.GetString()), comparison.Rows.Select(r => r.Name));
        var diff = Values(expected, "elpd_diff");
        var se = Values(expected, "se_diff");
        for (int i = 0; i < diff.Length; i++)
        {
            Assert.Equal(diff[i], comparison.Rows[i].ElpdDiff, 1e-6 * Math.Max(Math.Abs(diff[i]), 1));
            Assert.Equal(se[i], comparison.Rows[i].SeDiff, 1e-6 * Math.Max(Math.Abs(se[i]), 1));
        }
    }
}
