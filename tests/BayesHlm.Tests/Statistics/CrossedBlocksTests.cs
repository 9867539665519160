using BayesHlm.Data;
using BayesHlm.Model;
using BayesHlm.Statistics;

namespace BayesHlm.Tests.Statistics;

/// <summary>The crossed statistics by group and by pair of factors give what the rows give: each group's residual
/// cross-product Z_gᵀ(y − Xβ − Σ_(h≠f) Z_h u_h) and the residual sum of squares, for random β and u, on three crossed
/// factors (one with a slope) whose groups share cells unevenly, some pairs several times.</summary>
public class CrossedBlocksTests
{
    [Fact]
    public void ResidualsAndSumOfSquares_EqualTheRows()
    {
        var rng = new Random(5);
        int n = 300;
        var g = Enumerable.Range(0, n).Select(_ => (double)rng.Next(17)).ToArray();
        var h = Enumerable.Range(0, n).Select(_ => (double)rng.Next(9)).ToArray();
        var k = Enumerable.Range(0, n).Select(_ => (double)rng.Next(3)).ToArray();
        var x = Enumerable.Range(0, n).Select(_ => rng.NextStandardNormal() + 2).ToArray();
        var y = Enumerable.Range(0, n).Select(i => 3 + x[i] + g[i] * 0.1 + rng.NextStandardNormal()).ToArray();
        var stats = SufficientStatistics.Build(ModelSpec.FromFormula("y ~ 1 + (1 + x | g) + (1 | h) + (1 | k)"),
            DataTable.FromColumns([("g", g), ("h", h), ("k", k), ("x", x), ("y", y)])).ForSampler();
        Assert.True(stats.Crossed);
        var beta = new[] { rng.NextStandardNormal() };
        var u = stats.Levels.Select(l => Enumerable.Range(0, l.Grouping.Count * l.Size).Select(_ => rng.NextStandardNormal()).ToArray()).ToArray();
        double[][] columns = [g, h, k];
        int Group(int level, int i) => stats.Levels[level].Grouping.GroupNames.ToList().IndexOf(columns[Array.IndexOf(["g", "h", "k"], stats.Levels[level].Grouping.Name)][i].ToString(System.Globalization.CultureInfo.InvariantCulture));
        double[] Z(int level, int i) => stats.Levels[level].TermNames.Select(t => t == "(Intercept)" ? 1 : x[i]).ToArray();
        double Fit(int level, int i) => Z(level, i).Select((z, a) => z * u[level][Group(level, i) * stats.Levels[level].Size + a]).Sum();
        double held(int i) => y[i] - stats.OutcomeShift - beta[0];

        double rss = Enumerable.Range(0, n).Sum(i => Math.Pow(held(i) - Enumerable.Range(0, 3).Sum(l => Fit(l, i)), 2));
        Assert.Equal(rss, stats.Blocks.ResidualSumOfSquares(beta, u), 1e-9 * rss);

        for (int level = 0; level < 3; level++)
        {
            int q = stats.Levels[level].Size;
            var into = new double[q];
            for (int group = 0; group < stats.Levels[level].Grouping.Count; group++)
            {
                stats.Blocks.Residual(level, group, beta, u, into);
                for (int a = 0; a < q; a++)
                {
                    double expected = Enumerable.Range(0, n).Where(i => Group(level, i) == group)
                        .Sum(i => Z(level, i)[a] * (held(i) - Enumerable.Range(0, 3).Where(l => l != level).Sum(l => Fit(l, i))));
                    Assert.Equal(expected, into[a], 1e-9 * (1 + Math.Abs(expected)));
                }
            }
        }
    }
}
