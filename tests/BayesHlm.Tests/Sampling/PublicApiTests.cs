using BayesHlm.Estimation;
using BayesHlm.Data;
using BayesHlm.Diagnostics;
using BayesHlm.Model;
using BayesHlm.Reporting;
using BayesHlm.Sampling;
using BayesHlm.Statistics;

namespace BayesHlm.Tests.Sampling;

/// <summary>The README's C# tour of the Bayesian fit, with the public API only: declare level by level, set priors,
/// sample, read draws and summaries as objects, and write a run directory.</summary>
public class PublicApiTests
{
    [Fact]
    public void ReadmeTour_DeclareSetPriorsSampleSummarise_AndWriteARun()
    {
        string hsb = RepositoryPaths.Data("hsb.csv");
        var data = DataTable.ReadCsv(hsb);
        var model = HlmBuilder.Level1("mathach = b0 + b1*center(ses, school) + e")
            .Level2("school", "b0 = g00 + g01*meanses + u0", "b1 = g10 + g11*meanses + u1")
            .Build();
        var stats = SufficientStatistics.Build(model, data);
        var priors = PriorSpec.FromJson("""{"group:school":{"dist":"inv_wishart","df":3,"scale":[[1,0],[0,1]]}}""");
        var post = Gibbs.Sample(stats, priors, Reml.Fit(stats), new SamplerOptions { Chains = 2, Iterations = 600, Warmup = 200, Seed = 1 });
        var tau2 = post.Draws.Draws("tau2[school:center(ses, school)]");
        Assert.Equal(800, tau2.Length);
        Assert.All(tau2.ToArray(), v => Assert.True(v > 0));
        var summary = PosteriorSummary.Summarise(post.Draws);
        Assert.Contains(summary.Rows, r => r.Variable == "meanses:center(ses, school)");
        Assert.IsType<VariancePrior.HalfTSd>(post.Priors.Residual);            // the default, filled in
        Assert.IsType<VariancePrior.InverseWishart>(post.Priors.Groups["school"]); // as given

        // The long form gives the same draws: resolved priors and the start from the REML fit.
        var full = Gibbs.Sample(stats, ResolvedPriors.Resolve(priors, stats), StartValues.FromFit(Reml.Fit(stats), stats),
            new SamplerOptions { Chains = 2, Iterations = 600, Warmup = 200, Seed = 1 });
        Assert.Equal(tau2.ToArray(), full.Draws.Draws("tau2[school:center(ses, school)]").ToArray());

        using var folder = new TestFolder();
        string dir = folder.PathOf("run");
        var run = BayesianRun.Execute(new RunRequest(hsb, model, priors, new() { Chains = 2, Iterations = 400, Warmup = 200, Seed = 1 }), dir);
        Assert.False(run.Interrupted);
        Assert.Equal(200, run.Posterior!.Draws.Iterations);
        Assert.True(File.Exists(Path.Combine(dir, "run.json")));
        Assert.Equal(run.Reml!.FixedEffects.Count, run.Statistics!.P);
        // draws.csv was streamed to disk during sampling: the same bytes as writing the kept draws at the end, no parts left.
        string rewritten = Path.Combine(dir, "rewritten.csv");
        DrawsCsvWriter.Write(run.Posterior.Draws, rewritten);
        Assert.Equal(File.ReadAllBytes(rewritten), File.ReadAllBytes(Path.Combine(dir, "draws.csv")));
        Assert.Empty(Directory.GetFiles(dir, "*.part"));

        // Read back as compare, plot and report read it.
        var finished = FinishedRun.Load(dir);
        var table = BayesHlm.Comparison.Compare.Posterior(finished);
        Assert.Contains(table.Parameters, p => p.Parameter == "tau2[school:center(ses, school)]");
        Assert.Equal(run.Posterior.Draws.Draws("sigma2").ToArray(), finished.Draws.Draws("sigma2").ToArray());
    }
}
