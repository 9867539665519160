using System.Globalization;
using System.Text;
using BayesHlm.Tests.Cli;

namespace BayesHlm.Tests.Statistics;

/// <summary>Models whose random effects cannot be identified are refused before fitting, with what is wrong and what to
/// do — by REML and by the sampler alike — instead of a "converged" fit with a variance of 1e20 or a crash.</summary>
public class IdentifiabilityTests
{
    /// <summary>30 groups of 8 rows; x varies within groups, w is constant within them, x2 = 2x, c is y's group mean.</summary>
    private static string Synthetic()
    {
        var rng = new Random(8);
        var sb = new StringBuilder("g,x,x2,w,y,c\n");
        for (int j = 0; j < 30; j++)
        {
            double w = rng.NextDouble(), u = rng.NextDouble();
            for (int i = 0; i < 8; i++)
            {
                double x = rng.NextDouble();
                sb.Append(CultureInfo.InvariantCulture, $"{j},{x:R},{2 * x:R},{w:R},{u + x + rng.NextDouble():R},{u + w:R}\n");
            }
        }
        return sb.ToString();
    }

    public static TheoryData<string, string> Cases() => new()
    {
        { "y ~ x + w + (1 + w | g)", "random slope of 'w' on 'g' cannot be estimated" },
        { "y ~ x + (1 + x + x2 | g)", "are collinear" },
        { "y ~ x + (1 | g/g)", "they are the same 30 groups" },
        { "y ~ x + factor(g) + (1 | g)", "leaves nothing for the random intercepts of 'g'" },
        { "c ~ x + (1 | g)", "does not vary within any group of 'g'" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void UnidentifiableRandomEffects_AreRefusedBeforeFitting_ByRemlAndBySample(string formula, string fragment)
    {
        using var folder = new TestFolder();
        string data = folder.Write("d.csv", Synthetic());
        var reml = CliRunner.Run("reml", "--data", data, "--formula", formula);
        Assert.True(reml.ExitCode == 2, reml.ToString());
        Assert.Contains(fragment, reml.StdErr);
        Assert.DoesNotContain("   at ", reml.StdErr);
        var sample = CliRunner.Run("sample", "--data", data, "--formula", formula, "--out", folder.PathOf("run"), "--quiet");
        Assert.True(sample.ExitCode == 2, sample.ToString());
        Assert.Contains(fragment, sample.StdErr);
    }

    [Fact]
    public void ARandomSlopeOnAVariableThatVariesWithinGroups_IsStillFitted()
    {
        using var folder = new TestFolder();
        var r = CliRunner.Run("reml", "--data", folder.Write("d.csv", Synthetic()), "--formula", "y ~ x + w + (1 + x | g)");
        Assert.True(r.ExitCode == 0, r.ToString());
    }
}

/// <summary>When two grouping factors are crossed by their labels, the fit is the crossed one (as lme4's), and the warning
/// names the nesting that the data show.</summary>
public class NestingAdviceTests
{
    [Fact]
    public void ClassroomsNumberedWithinSchools_AreFittedCrossed_WithAdviceToWriteSchoolSlashClassroom_AndThatFits()
    {
        string data = RepositoryPaths.Data("three_level_sim.csv");
        var r = CliRunner.Run("reml", "--data", data, "--formula", "y ~ x + (1 | school) + (1 | classroom)");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("4 groups of classroom", r.StdOut);
        Assert.Contains("the model you mean", r.StdOut);
        Assert.Contains("(1 | school/classroom)", r.StdOut);
        var advised = CliRunner.Run("reml", "--data", data, "--formula", "y ~ x + (1 | school/classroom)");
        Assert.True(advised.ExitCode == 0, advised.ToString());
        Assert.Contains("160 groups of school:classroom", advised.StdOut);
        Assert.DoesNotContain("the model you mean", advised.StdOut);
    }

    [Fact]
    public void TrulyCrossedFactors_GetNoNestingAdvice()
    {
        var r = CliRunner.Run("reml", "--data", Path.Combine(RepositoryPaths.SharedDirectory, "data", "crossed_sim.csv"), "--formula", "y ~ x + (1 | school) + (1 | neighbourhood)");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.DoesNotContain("the model you mean", r.StdOut);
    }
}
