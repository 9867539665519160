using System.Text.Json;

namespace BayesHlm.Tests.Cli;

/// <summary><c>bayeshlm reml --ci profile</c>: the profile tables in the text, the limits in the JSON (variances on the
/// variance scale, covariances as correlations), and what it refuses.</summary>
public sealed class ProfileCommandTests : IDisposable
{
    private readonly TestFolder _dir = new();

    public void Dispose() => _dir.Dispose();

    private static CliResult Ok(CliResult r)
    {
        Assert.True(r.ExitCode == 0, $"expected exit code 0\n{r}");
        return r;
    }

    private static string[] LongLines(string text) =>
        text.Replace("\r\n", "\n").Split('\n').Where(l => l.Length > 80 && !l.StartsWith("Model ", StringComparison.Ordinal) && !l.StartsWith("Data ", StringComparison.Ordinal)).ToArray();

    [Theory]
    [InlineData("models/hsb_anova.yaml")]
    [InlineData("models/hsb_means_as_outcomes.yaml")]
    [InlineData("models/hsb_random_coef.yaml")]
    [InlineData("models/hsb_slopes_as_outcomes.yaml")]
    [InlineData("models/three_level.yaml")]
    [InlineData("models/eight_schools.yaml")]
    public void GaussianModels_PrintTheProfileTablesIn80Columns(string model)
    {
        var r = Ok(CliRunner.Run("reml", model, "--ci", "profile"));
        Assert.Contains("Profile-likelihood limits (95%, ML profile as lme4's confint)", r.StdOut);
        Assert.Contains("sd and correlation scale, not variances", r.StdOut);
        var longLines = LongLines(r.StdOut);
        Assert.True(longLines.Length == 0, $"{model}: lines over 80 characters:\n" + string.Join("\n", longLines));
    }

    [Fact]
    public void WithoutCi_NoProfileTable()
    {
        var r = Ok(CliRunner.Run("reml", "models/hsb_anova.yaml"));
        Assert.DoesNotContain("Profile-likelihood", r.StdOut);
    }

    [Fact]
    public void Json_HasTheLimitsOnTheScaleOfEachEntry()
    {
        string path = Path.Combine(_dir.Path, "fit.json");
        Ok(CliRunner.Run("reml", "models/hsb_slopes_as_outcomes.yaml", "--ci", "profile", "--level", "0.9", "--json", path));
        var root = JsonDocument.Parse(File.ReadAllText(path)).RootElement;
        var profile = root.GetProperty("profile");
        Assert.Equal(0.9, profile.GetProperty("level").GetDouble());
        var bySdName = profile.GetProperty("intervals").EnumerateArray().ToDictionary(i => i.GetProperty("parameter").GetString()!);
        foreach (var f in root.GetProperty("fixed").EnumerateArray())
        {
            var i = bySdName[f.GetProperty("term").GetString()!];
            Assert.Equal(i.GetProperty("lower").GetDouble(), f.GetProperty("profile_lower").GetDouble());
            Assert.Equal(i.GetProperty("upper").GetDouble(), f.GetProperty("profile_upper").GetDouble());
        }
        foreach (var c in root.GetProperty("covariance").EnumerateArray())
        {
            string group = c.GetProperty("group").GetString()!;
            bool correlation = c.GetProperty("term2").ValueKind != JsonValueKind.Null;
            string name = group == "Residual" ? "sigma"
                : correlation ? $"cor_{c.GetProperty("term2").GetString()}.{c.GetProperty("term1").GetString()}|{group}"
                : $"sd_{c.GetProperty("term1").GetString()}|{group}";
            var i = bySdName[name];
            double lower = i.GetProperty("lower").GetDouble(), upper = i.GetProperty("upper").GetDouble();
            if (correlation)
            {
                Assert.Equal("correlation", c.GetProperty("profile_scale").GetString());
                Assert.Equal((lower, upper), (c.GetProperty("profile_lower").GetDouble(), c.GetProperty("profile_upper").GetDouble()));
            }
            else Assert.Equal((lower * lower, upper * upper), (c.GetProperty("profile_lower").GetDouble(), c.GetProperty("profile_upper").GetDouble()));
            // The ML estimate of a variance lies inside its interval, on the variance scale too.
            if (!correlation) Assert.InRange(Math.Pow(i.GetProperty("estimate").GetDouble(), 2), c.GetProperty("profile_lower").GetDouble(), c.GetProperty("profile_upper").GetDouble());
        }
    }

    [Fact]
    public void BinomialModel_IsRefusedWithWhatToDo()
    {
        var r = CliRunner.Run("reml", "models/cbpp_binomial.yaml", "--ci", "profile");
        Assert.True(r.ExitCode == 2, r.ToString());
        Assert.Contains("--ci profile is for gaussian REML and ML fits", r.StdErr);
        Assert.Contains("Drop --ci profile", r.StdErr);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("1.5")]
    [InlineData("95")]
    public void LevelOutsideZeroToOne_IsRefused(string level)
    {
        var r = CliRunner.Run("reml", "models/hsb_anova.yaml", "--level", level);
        Assert.True(r.ExitCode == 2, r.ToString());
        Assert.Contains("--level is the intervals' coverage", r.StdErr);
    }
}
