using System.Globalization;
using System.Text;
using BayesHlm.Data;
using BayesHlm.Diagnostics;

namespace BayesHlm.Tests.Diagnostics;

/// <summary>Draws that would mislead the diagnostics are refused (a draw counted twice, a parameter in two columns),
/// and draws at the ends of double's range are summarised as well as any others.</summary>
public class DrawsInputTests
{
    [Fact]
    public void RepeatedDrawsAndRepeatedColumns_AreRefused_NamingTheLine()
    {
        using var folder = new TestFolder();
        var rows = Enumerable.Range(1, 10).Select(i => $"1,{i},{i * 0.1}").ToList();
        string dup = folder.Write("dup.csv", "chain,iteration,theta\n" + string.Join("\n", rows.Append("1,3,0.3")) + "\n");
        var e = Assert.Throws<DataException>(() => DrawsReader.Read([dup]));
        Assert.Contains("line 12: chain 1, iteration 3 is already at line 4", e.Message);

        string cols = folder.Write("cols.csv", "chain,iteration,theta,theta\n" + string.Join("\n", rows.Select(r => r + ",1")) + "\n");
        var c = Assert.Throws<DataException>(() => DrawsReader.Read([cols]));
        Assert.Contains("'theta' has two columns (3 and 4)", c.Message);
    }

    [Theory]
    [InlineData(1e300)]
    [InlineData(1e-300)]
    public void DrawsAtTheEndsOfTheRange_AreSummarisedLikeThoseOfOrdinarySize(double scale)
    {
        var rng = new Random(6);
        var unit = Enumerable.Range(0, 4000).Select(_ => 1 + rng.NextDouble()).ToArray();
        var ordinary = PosteriorSummary.Summarise(new DrawSet(["x"], 4, 1000, [unit])).Rows[0];
        var far = PosteriorSummary.Summarise(new DrawSet(["x"], 4, 1000, [unit.Select(v => v * scale).ToArray()])).Rows[0];
        Assert.False(far.Constant);
        Assert.Equal(ordinary.Sd * scale, far.Sd, ordinary.Sd * scale * 1e-12);
        Assert.Equal(ordinary.Mean * scale, far.Mean, ordinary.Mean * scale * 1e-12);
        Assert.Equal(ordinary.Rhat, far.Rhat, 1e-12);
        Assert.Equal(ordinary.EssBulk, far.EssBulk, 1e-6);
    }
}
