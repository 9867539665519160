using System.Globalization;
using System.Text;
using BayesHlm.Tests.Cli;

namespace BayesHlm.Tests.Data;

/// <summary>Declared missing codes (--na-values, or na_values: in a model file) are read as missing, exactly as empty
/// fields are; a Bayesian run records them, so compare, plot and report read the data as the run did.</summary>
public class MissingCodeTests
{
    private static (string Coded, string Blank) Files(TestFolder folder)
    {
        var rng = new Random(5);
        var coded = new StringBuilder("g,x,y\n");
        var blank = new StringBuilder("g,x,y\n");
        for (int i = 0; i < 90; i++)
        {
            double x = rng.NextDouble(), y = x + i % 9 * 0.3 + rng.NextDouble();
            bool missing = i % 11 == 3;
            coded.Append(CultureInfo.InvariantCulture, $"{i % 9},{(missing ? "-99" : x.ToString("R", CultureInfo.InvariantCulture))},{y:R}\n");
            blank.Append(CultureInfo.InvariantCulture, $"{i % 9},{(missing ? "" : x.ToString("R", CultureInfo.InvariantCulture))},{y:R}\n");
        }
        return (folder.Write("coded.csv", coded.ToString()), folder.Write("blank.csv", blank.ToString()));
    }

    [Fact]
    public void DeclaredCodes_AreMissing_InRemlAndInARunReadBack()
    {
        using var folder = new TestFolder();
        var (coded, blank) = Files(folder);
        var expected = CliRunner.Run("reml", "--data", blank, "--formula", "y ~ x + (1 | g)");
        var declared = CliRunner.Run("reml", "--data", coded, "--formula", "y ~ x + (1 | g)", "--na-values=-99,999");
        Assert.True(declared.ExitCode == 0, declared.ToString());
        Assert.Contains("82 rows used of 90 read", declared.StdOut);
        string Table(string output) => output[output.IndexOf("Fixed effects", StringComparison.Ordinal)..];
        Assert.Equal(Table(expected.StdOut), Table(declared.StdOut));

        string model = folder.Write("m.yaml", $"data: {coded}\nformula: y ~ x + (1 | g)\nna_values: [-99]\nsampler: {{iter: 300, warmup: 150}}\n");
        var fit = CliRunner.Run("fit", model, "--out", folder.PathOf("run"), "--quiet");
        Assert.True(fit.ExitCode == 0, fit.ToString());
        Assert.Contains("\"missing_values\"", File.ReadAllText(folder.PathOf("run/run.json")));
        var compare = CliRunner.Run("compare", folder.PathOf("run"));
        Assert.True(compare.ExitCode == 0, compare.ToString());

        // Without the declaration, -99 is a number: the fit is another one.
        var undeclared = CliRunner.Run("reml", "--data", coded, "--formula", "y ~ x + (1 | g)");
        Assert.Contains("90 rows used of 90 read", undeclared.StdOut);
    }
}
