using BayesHlm.Data;
using BayesHlm.Estimation;
using BayesHlm.Model;
using BayesHlm.Statistics;

namespace BayesHlm.Tests.Data.Sources;

/// <summary>The checks every source must pass against the CSV file it was loaded from: the same sufficient statistics
/// (Σ C_j and each group's C_j, to 1e-10 relative), the same rows used and missing values, and the same REML fit.</summary>
internal static class SourceComparison
{
    /// <summary>The slopes-as-outcomes model of HSB, with within-school centring (group means computed from the rows).</summary>
    public const string Formula = "mathach ~ meanses*center(ses,school) + sector*center(ses,school) + (1 + center(ses,school) | school)";

    public static ModelSpec Spec => ModelSpec.FromFormula(Formula);

    /// <summary>hsb.csv with missing values (ses on every 50th row, mathach on every 77th) and a text column
    /// (sector_name: "public" or "catholic"), as a CSV file in <paramref name="folder"/>.</summary>
    public static string HsbWithGaps(TestFolder folder)
    {
        var lines = File.ReadAllLines(RepositoryPaths.Data("hsb.csv"));
        var header = lines[0].Split(',');
        int ses = Array.IndexOf(header, "ses"), math = Array.IndexOf(header, "mathach"), sector = Array.IndexOf(header, "sector");
        var output = new List<string> { lines[0] + ",sector_name" };
        for (int i = 1; i < lines.Length; i++)
        {
            var f = lines[i].Split(',');
            if (i % 50 == 0) f[ses] = "";
            if (i % 77 == 0) f[math] = "";
            output.Add(string.Join(',', f) + "," + (f[sector] == "1" ? "catholic" : "public"));
        }
        return folder.Write("hsb_gaps.csv", string.Join('\n', output) + "\n");
    }

    public static void SameStatistics(SufficientStatistics expected, SufficientStatistics actual)
    {
        Assert.Equal(expected.N, actual.N);
        Assert.Equal(expected.M, actual.M);
        Assert.Equal(expected.FixedNames, actual.FixedNames);
        Assert.Equal(expected.Frame.RowsRead, actual.Frame.RowsRead);
        Assert.Equal(expected.Frame.RowsUsed, actual.Frame.RowsUsed);
        Assert.Equal(expected.Frame.MissingByColumn.OrderBy(p => p.Key), actual.Frame.MissingByColumn.OrderBy(p => p.Key));
        Close(expected.Total(), actual.Total(), "Σ C_j");
        Assert.Equal(expected.LeafCount, actual.LeafCount);
        var names = expected.Levels[^1].Grouping.GroupNames;
        var actualLeaf = actual.Levels[^1].Grouping.GroupNames.Select((n, j) => (n, j)).ToDictionary(p => p.n, p => p.j);
        for (int j = 0; j < expected.LeafCount; j++)
            Close(expected.Leaf(j).ToArray(), actual.Leaf(actualLeaf[names[j]]).ToArray(), $"C_j of group {names[j]}");
    }

    public static void SameFit(RemlFit expected, RemlFit actual)
    {
        Assert.True(actual.Converged);
        Assert.Equal(expected.Observations, actual.Observations);
        Assert.Equal(expected.FixedEffects.Select(f => f.Term), actual.FixedEffects.Select(f => f.Term));
        Close(expected.FixedEffects.Select(f => f.Estimate).ToArray(), actual.FixedEffects.Select(f => f.Estimate).ToArray(), "fixed effects", 1e-8);
        Close(expected.FixedEffects.Select(f => f.StandardError).ToArray(), actual.FixedEffects.Select(f => f.StandardError).ToArray(), "standard errors", 1e-8);
        Close(expected.Covariance.Select(c => c.Estimate).ToArray(), actual.Covariance.Select(c => c.Estimate).ToArray(), "covariance parameters", 1e-8);
        Close([expected.Fit.Minus2LogLikelihood], [actual.Fit.Minus2LogLikelihood], "-2 log L", 1e-10);
    }

    /// <summary>Each entry equal to <paramref name="tolerance"/> relative (to the largest entry's size for entries near 0).</summary>
    public static void Close(double[] expected, double[] actual, string what, double tolerance = 1e-10)
    {
        Assert.Equal(expected.Length, actual.Length);
        double scale = expected.Max(Math.Abs);
        for (int i = 0; i < expected.Length; i++)
        {
            double bound = tolerance * Math.Max(Math.Abs(expected[i]), scale * 1e-6);
            Assert.True(Math.Abs(expected[i] - actual[i]) <= bound, $"{what}[{i}]: expected {expected[i]:R}, got {actual[i]:R}");
        }
    }
}
