using BayesHlm.Estimation;
using BayesHlm.Model;
using BayesHlm.Reporting;
using BayesHlm.Sampling;

namespace BayesHlm.Tests.Reporting;

/// <summary>run.json has one writer and one reader: what is written reads back as the same manifest, and a finished
/// run loaded from its directory is the run that was made (ML stays ML, the priors as used, the draws).</summary>
public class RunManifestTests
{
    [Fact]
    public void RunJson_ReadsBackAsWritten_AndTheRunLoadsAsItWasMade()
    {
        using var folder = new TestFolder();
        string dir = folder.PathOf("run");
        var spec = ModelSpec.FromFormula("mathach ~ ses + (1 | school)");
        var priors = PriorSpec.FromJson("""{"residual":{"dist":"log_normal_sd","meanlog":1.9,"sdlog":0.5}}""");
        var options = new SamplerOptions { Chains = 2, Iterations = 300, Warmup = 150, Seed = 9, Initial = new Dictionary<string, double> { ["sigma2"] = 30 } };
        var made = BayesianRun.Execute(new RunRequest(RepositoryPaths.Data("hsb.csv"), spec, priors, options)
            { Name = "manifest", Command = "bayeshlm sample …", Reml = new RemlOptions { Method = EstimationMethod.Ml } }, dir);

        string text = File.ReadAllText(Path.Combine(dir, "run.json"));
        var read = RunManifest.Read(Path.Combine(dir, "run.json"));
        Assert.Equal(text, read.ToJson());
        Assert.Equal(made.Manifest.ToJson(), read.ToJson());
        Assert.True(read.Complete);
        Assert.Equal(EstimationMethod.Ml, read.Method);
        Assert.Equal(spec.ToFormula(), read.Model.ToFormula());
        Assert.Equal(30, read.Sampler.Initial!["sigma2"]);
        Assert.Equal(150, read.DrawsPerChain);
        Assert.Equal(160, read.Data.Groups["school"]);

        var run = FinishedRun.Load(dir);
        Assert.Equal(EstimationMethod.Ml, run.Reml.Method);
        Assert.Equal(made.Posterior!.Priors.ToJson(), run.Priors.Complete.ToJson());
        Assert.Equal(made.Posterior.Draws.Names, run.Draws.Names);
        Assert.Equal(made.Posterior.Draws.Draws("sigma2").ToArray(), run.Draws.Draws("sigma2").ToArray());
    }

    [Fact]
    public void AMalformedRunJson_SaysWhichPartIsMissing()
    {
        using var folder = new TestFolder();
        string path = folder.PathOf("run.json");
        File.WriteAllText(path, """{"status":"complete","data":{"path":"x.csv"}}""");
        var e = Assert.Throws<ModelSpecificationException>(() => RunManifest.Read(path));
        Assert.Contains("'model'", e.Message);
    }
}
