using BayesHlm.Diagnostics;

namespace BayesHlm.Tests.Diagnostics;

/// <summary>
/// Where Geyer's initial positive sequence stops at once (max_t = 0), posterior and loo both compute
/// <c>sum(rho_hat_t[1:max_t])</c> with R's 1:0 = c(1, 0), i.e. ρ̂₀ = 1, so τ̂ = 2 and ESS = S/2. Values from
/// posterior 1.4.0 (Debian's r-cran-posterior):
/// <code>
/// a &lt;- matrix(c(0.3,-1.2,0.8,2.1,-0.4,1.5,0.2,-0.9, 1.1,0.5,-0.7,0.3,1.9,-1.4,0.6,0.0,
///                -0.2,0.9,1.3,-1.1,0.4,0.7,-0.5,1.6, 0.8,-0.3,0.1,1.2,-0.8,0.5,2.0,-0.6), ncol = 4)
/// ess_basic(a); ess_mean(a)                                   # 16 16
/// alt &lt;- matrix(rep(c(1,-1), 200) + rep(c(0, 0.01, 0.02, 0.03), each = 100) * seq_len(400) / 400, ncol = 4)
/// ess_basic(alt)                                              # 200
/// </code>
/// </summary>
public sealed class GeyerEssTests
{
    [Fact]
    public void ShortChains_SplitHalvesOfFour_EssIsHalfTheDraws()
    {
        double[] a = [0.3, -1.2, 0.8, 2.1, -0.4, 1.5, 0.2, -0.9, 1.1, 0.5, -0.7, 0.3, 1.9, -1.4, 0.6, 0.0,
                      -0.2, 0.9, 1.3, -1.1, 0.4, 0.7, -0.5, 1.6, 0.8, -0.3, 0.1, 1.2, -0.8, 0.5, 2.0, -0.6];
        var row = PosteriorSummary.Summarise(new DrawSet(["a"], 4, 8, [a])).Rows[0];
        Assert.Equal(16, row.EssBasic, 1e-9);
        Assert.Equal(16, row.EssMean, 1e-9);
    }

    [Fact]
    public void AlternatingChains_SequenceStopsAtOnce_EssIsHalfTheDraws()
    {
        double[] slope = [0, 0.01, 0.02, 0.03];
        var alt = Enumerable.Range(0, 400).Select(i => (i % 2 == 0 ? 1 : -1) + slope[i / 100] * (i + 1) / 400.0).ToArray();
        var row = PosteriorSummary.Summarise(new DrawSet(["alt"], 4, 100, [alt])).Rows[0];
        Assert.Equal(200, row.EssBasic, 1e-9);
    }
}
