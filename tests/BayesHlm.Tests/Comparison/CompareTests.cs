using System.Globalization;
using System.Text.Json;
using BayesHlm.Comparison;
using BayesHlm.Data;
using BayesHlm.Estimation;
using BayesHlm.Model;
using BayesHlm.Sampling;
using BayesHlm.Statistics;
using BayesHlm.Tests.Cli;
using BayesHlm.Tests.Reference;

namespace BayesHlm.Tests.Comparison;

/// <summary>Bayes beside EB/ML: the group posterior means, Rao–Blackwellised from the variance draws alone, against
/// posteriordb's eight-schools reference; the parameter rows against the fit and the draws; the reasons computed.</summary>
public class CompareTests
{
    [Fact]
    public void EightSchools_GroupPosteriorMeans_MatchTheReference_AndTheReasonsAreGiven()
    {
        string dir = Path.Combine(RemlReference.SharedDirectory, "reference", "posteriors", "eight_schools");
        var spec = ModelSpec.FromFormula("y ~ 1 + (1 | school)").WithKnownResidual("sigma", isStandardDeviation: true);
        var stats = SufficientStatistics.Build(spec, DataTable.ReadCsv(Path.Combine(dir, "data.csv")));
        var priors = PriorSpec.Load(Path.Combine(dir, "case.json"));
        var reml = Reml.Fit(stats);
        var post = Gibbs.Sample(stats, priors, reml, new SamplerOptions { Chains = 4, Iterations = 11_000, Warmup = 1_000, Seed = 5 });
        var table = Compare.Posterior(stats, reml, post);

        // θ_j = μ + u_j: the reference's posterior means, from 10,000 NUTS draws (MCSE ≈ 0.05).
        var reference = File.ReadAllLines(Path.Combine(dir, "summary.csv")).Skip(1).Select(l => l.Split(','))
            .Where(c => c[0].StartsWith("\"theta[")).ToDictionary(c => c[0].Trim('"'), c => double.Parse(c[1], CultureInfo.InvariantCulture));
        Assert.Equal(8, table.Groups.Count);
        foreach (var g in table.Groups)
            Assert.True(Math.Abs(g.PosteriorMean - reference[$"theta[{g.Group}]"]) < 0.25, $"school {g.Group}: {g.PosteriorMean} vs {reference[$"theta[{g.Group}]"]}");
        // Shrinkage: with τ near zero every school is pulled most of the way to μ, beyond what REML's boundary fit says.
        Assert.All(table.Groups, g => Assert.InRange(g.PosteriorReliability, 0.02, 0.6));

        var tau = table.Parameters.Single(p => p.Parameter == "tau2[school:(Intercept)]");
        Assert.Equal(reml.Covariance.Single().Estimate, tau.Estimate);
        Assert.Equal(post.Draws.Draws("tau2[school:(Intercept)]").ToArray().Average(), tau.Mean, 1e-9);
        Assert.True(tau.Disagree);
        Assert.Contains(tau.Reasons, r => r.Contains("near zero") && r.Contains("at the boundary"));
        Assert.Contains(tau.Reasons, r => r.Contains("Only 8 groups"));
        // μ's prior N(0, 25) is not negligible beside 8 noisy schools.
        var mu = table.Parameters.Single(p => p.Parameter == "(Intercept)");
        Assert.Contains(mu.Reasons, r => r.Contains("prior dominates"));
    }

    [Fact]
    public void CompareCommand_WritesCompareCsv_KeptTo80Columns_AndRefusesADirectoryThatIsNotARun()
    {
        using var folder = new TestFolder();
        string dir = folder.PathOf("run");
        var fit = CliRunner.Run("fit", "models/hsb_slopes_as_outcomes.yaml", "--iter", "600", "--warmup", "300", "--out", dir, "--quiet");
        Assert.True(fit.ExitCode == 0, fit.ToString());
        var r = CliRunner.Run("compare", dir);
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("tau2[school:center(ses, school)] *", r.StdOut);
        Assert.Contains("most-shrunk", r.StdOut);
        Assert.DoesNotContain(r.StdOut.Split('\n'), l => l.Length > 80);
        var csv = File.ReadAllLines(Path.Combine(dir, "compare.csv"));
        Assert.Equal(1 + 10 + 160 * 2, csv.Length); // header, 10 parameters, 2 coefficients for each of 160 schools

        var bad = CliRunner.Run("compare", folder.Path);
        Assert.True(bad.ExitCode == 2, bad.ToString());
        Assert.Contains("not a run directory", bad.StdErr);
    }
}

/// <summary>A nested factor's name holds a colon (school:classroom): its variance's reasons count its own groups.</summary>
public class CompareNestedTests
{
    [Fact]
    public void NestedFactor_FewGroupsReason_CountsTheInnerFactorsGroups()
    {
        var rng = new Random(12);
        var rows = Enumerable.Range(0, 3 * 4 * 6).ToArray();
        double[] s = rows.Select(i => (double)(i / 24)).ToArray(), c = rows.Select(i => (double)(i / 6 % 4)).ToArray();
        var us = new[] { -2.0, 0.5, 1.5 };
        var uc = Enumerable.Range(0, 12).Select(_ => rng.NextStandardNormal()).ToArray();
        var y = rows.Select(i => 10 + us[(int)s[i]] + uc[(int)s[i] * 4 + (int)c[i]] + rng.NextStandardNormal()).ToArray();
        var stats = SufficientStatistics.Build(ModelSpec.FromFormula("y ~ 1 + (1 | s/c)"), DataTable.FromColumns([("s", s), ("c", c), ("y", y)]));
        var reml = Reml.Fit(stats);
        var post = Gibbs.Sample(stats, PriorSpec.Default, reml, new SamplerOptions { Chains = 2, Iterations = 800, Warmup = 300, Seed = 1 });
        var table = Compare.Posterior(stats, reml, post);
        var classroom = table.Parameters.Single(p => p.Parameter == "tau2[s:c:(Intercept)]");
        var school = table.Parameters.Single(p => p.Parameter == "tau2[s:(Intercept)]");
        Assert.Contains(classroom.Reasons, r => r.Contains("Only 12 groups"));
        Assert.Contains(school.Reasons, r => r.Contains("Only 3 groups"));
    }
}
