using System.Globalization;
using System.Text;
using BayesHlm.Data;
using BayesHlm.Estimation;
using BayesHlm.Model;
using BayesHlm.Tests.Cli;

namespace BayesHlm.Tests.Data;

/// <summary>Grouping columns are labels: compared as written (trimmed), never as the numbers they look like. "01" and
/// "1" are two schools; 17-digit ids that a double cannot tell apart stay apart; BY values likewise.</summary>
public class GroupLabelTests
{
    /// <summary>18 groups of 6 rows: y = group effect + x + noise, ids given by <paramref name="id"/>.</summary>
    private static string Csv(Func<int, string> id)
    {
        var rng = new Random(4);
        var sb = new StringBuilder("school,x,y\n");
        for (int j = 0; j < 18; j++)
        {
            double effect = 2 * rng.NextDouble() - 1;
            for (int i = 0; i < 6; i++)
            {
                double x = rng.NextDouble();
                sb.Append(CultureInfo.InvariantCulture, $"{id(j)},{x:R},{(effect + x + 0.5 * (rng.NextDouble() - 0.5)):R}\n");
            }
        }
        return sb.ToString();
    }

    public static TheoryData<string> Spellings() => ["padded", "long"];

    private static Func<int, string> Ids(string kind) => kind switch
    {
        // 1..9 and 01..09: the same numbers, different labels.
        "padded" => j => j < 9 ? (j + 1).ToString(CultureInfo.InvariantCulture) : "0" + (j - 8).ToString(CultureInfo.InvariantCulture),
        // 17-digit ids one apart: doubles round several of them to one value.
        _ => j => (12345678901234560L + j).ToString(CultureInfo.InvariantCulture),
    };

    [Theory]
    [MemberData(nameof(Spellings))]
    public void GroupIds_AreComparedAsWritten(string kind)
    {
        using var folder = new TestFolder();
        string path = folder.Write("data.csv", Csv(Ids(kind)));
        var spec = ModelSpec.FromFormula("y ~ x + (1 | school)");
        var fit = Reml.Fit(spec, DataTable.ReadCsv(path, spec.LabelColumns));
        Assert.Equal(18, fit.GroupCounts[0].Count);
        Assert.Equal(Enumerable.Range(0, 18).Select(Ids(kind)).Order(StringComparer.Ordinal), fit.Groups[0].GroupNames.Order(StringComparer.Ordinal));

        var cli = CliRunner.Run("reml", "--data", path, "--formula", "y ~ x + (1 | school)");
        Assert.True(cli.ExitCode == 0, cli.ToString());
        Assert.Contains("18 groups of school", cli.StdOut);
        var by = CliRunner.Run("reml", "--data", path, "--formula", "y ~ x", "--by", "school");
        Assert.True(by.ExitCode == 0, by.ToString());
        Assert.Contains($"school = {Ids(kind)(17)}", by.StdOut);
    }

    [Fact]
    public void ALabelColumnReadAsNumbers_WithOtherSpellings_IsRefusedWithTheFix()
    {
        using var folder = new TestFolder();
        string path = folder.Write("data.csv", Csv(Ids("padded")));
        var e = Assert.Throws<DataException>(() => Reml.Fit(ModelSpec.FromFormula("y ~ x + (1 | school)"), DataTable.ReadCsv(path)));
        Assert.Contains("LabelColumns", e.Message);
        // Plain integer ids read as numbers are exact, and still fit.
        string plain = folder.Write("plain.csv", Csv(j => (j + 1).ToString(CultureInfo.InvariantCulture)));
        Assert.Equal(18, Reml.Fit(ModelSpec.FromFormula("y ~ x + (1 | school)"), DataTable.ReadCsv(plain)).GroupCounts[0].Count);
    }
}

/// <summary>A factor with one level in the rows used cannot be estimated: said, never dropped silently (also per BY value).</summary>
public class OneLevelFactorTests
{
    [Fact]
    public void AOneLevelFactor_IsRefused_AndPerByValueReported()
    {
        using var folder = new TestFolder();
        var sb = new StringBuilder("school,sex,region,x,y\n");
        var rng = new Random(2);
        for (int j = 0; j < 12; j++)
            for (int i = 0; i < 5; i++)
                sb.Append(CultureInfo.InvariantCulture, $"{j},{(j < 9 || i % 2 == 0 ? "M" : "F")},{(j < 6 ? "north" : "south")},{rng.NextDouble():R},{rng.NextDouble() + j % 3:R}\n");
        string path = folder.Write("boys.csv", sb.ToString());
        // In the north every student is M.
        string north = folder.Write("north.csv", string.Join("\n", sb.ToString().Split('\n').Where(l => !l.Contains("south"))));
        var r = CliRunner.Run("reml", "--data", north, "--formula", "y ~ x + sex + (1 | school)");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("sex has one level ('M')", r.StdErr);
        Assert.DoesNotContain("   at ", r.StdErr);

        // By region: the north says why it has no fit, the south (M and F) is fitted.
        var by = CliRunner.Run("reml", "--data", path, "--formula", "y ~ x + sex + (1 | school)", "--by", "region");
        Assert.Contains("region = north: The factor sex has one level", by.StdOut + by.StdErr);
        Assert.Contains("=== region = south ===", by.StdOut);
    }
}
