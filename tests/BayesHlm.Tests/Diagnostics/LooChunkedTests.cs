using BayesHlm.Diagnostics.Loo;

namespace BayesHlm.Tests.Diagnostics;

/// <summary>PSIS-LOO and WAIC computed a block of observations at a time (as runs are, so the whole matrix is never held)
/// give loo 2.5.1's numbers for the reference matrix: every pointwise value and total of shared/reference/loo.</summary>
public class LooChunkedTests
{
    [Fact]
    public void BlockByBlock_IsTheWholeMatrixsResult()
    {
        var ll = PointwiseLogLikelihood.ReadCsv(RepositoryPaths.Reference("loo", "loglik.csv"));
        var whole = LooModel.Compute("whole", ll);
        int blocks = 0;
        // 4,000 draws: blocks of 1,000 observations would be the whole; the reader hands out 7 at a time here.
        var chunked = LooModel.Compute("blocks", ll.Draws, ll.ChainOfDraw.ToArray(), ll.Names.ToArray(), (from, to, into) =>
        {
            blocks++;
            for (int i = from; i < to; i++) ll.Observation(i).CopyTo(into.AsSpan((i - from) * ll.Draws, ll.Draws));
        }, blockSize: 7);
        Assert.True(blocks > 1);
        using var expected = System.Text.Json.JsonDocument.Parse(File.ReadAllText(RepositoryPaths.Reference("loo", "expected.json")));
        double Expected(string key) => expected.RootElement.GetProperty(key)[0].GetDouble();
        Assert.Equal(Expected("elpd_loo"), chunked.Loo.ElpdLoo.Estimate, 1e-6 * Math.Abs(Expected("elpd_loo")));
        Assert.Equal(Expected("elpd_waic"), chunked.Waic.ElpdWaic.Estimate, 1e-6 * Math.Abs(Expected("elpd_waic")));
        for (int i = 0; i < ll.Observations; i++)
        {
            Assert.Equal(whole.Loo.PointwiseElpdLoo[i], chunked.Loo.PointwiseElpdLoo[i], 1e-12);
            Assert.Equal(whole.Loo.ParetoK[i], chunked.Loo.ParetoK[i], 1e-12);
            Assert.Equal(whole.Waic.PointwisePWaic[i], chunked.Waic.PointwisePWaic[i], 1e-12);
        }
        Assert.Equal(whole.Loo.McseElpdLoo, chunked.Loo.McseElpdLoo);
    }
}
