using BayesHlm.Diagnostics;

namespace BayesHlm.Tests.Diagnostics;

public sealed class DiagnosticsEdgeTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory().FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    [Fact]
    public void RRowNamesColumn_IsNotAParameter()
    {
        var path = Path.Combine(_dir, "d.csv");
        File.WriteAllText(path, "\"\",\"chain\",\"iteration\",\"mu\"\n" + string.Concat(Enumerable.Range(0, 8).Select(i => $"\"{i + 1}\",{i / 4 + 1},{i % 4 + 1},{Math.Cos(i)}\n")));
        var draws = DrawsReader.Read([path]).Draws;
        Assert.Equal(["mu"], draws.Names);
        Assert.Equal(2, draws.Chains);
    }

    [Fact]
    public void NonFiniteDraws_AreReportedAsSuch_NotAsConstant()
    {
        var x = Enumerable.Range(0, 40).Select(i => i == 7 ? double.NaN : Math.Sin(i)).ToArray();
        var table = PosteriorSummary.Summarise(new DrawSet(["bad"], 2, 20, [x]));
        Assert.False(table.Rows[0].Constant);
        Assert.Contains(table.Warnings, w => w.Contains("NaN or infinite") && w.Contains("bad"));
        Assert.DoesNotContain(table.Warnings, w => w.Contains("Constant"));
    }

    [Fact]
    public void SortedDrawsGoStaleWhenTheWorkspaceSortsOtherDraws()
    {
        var math = new ConvergenceMath(2, 10);
        double[] a = Enumerable.Range(0, 20).Select(i => Math.Sin(i)).ToArray();
        double[] b = Enumerable.Range(0, 20).Select(i => Math.Cos(i)).ToArray();
        var first = math.Sort(a);
        double median = first.Median;
        var second = math.Sort(b);
        Assert.Equal(ConvergenceMath.Median(b.Order().ToArray()), second.Median);
        bool threw = false;
        try { first.Rhat(); } catch (InvalidOperationException) { threw = true; }
        Assert.True(threw);
        Assert.Equal(median, math.Sort(a).Median);
        Assert.Throws<ArgumentException>(() => { math.Sort(new double[19]); });
    }
}
