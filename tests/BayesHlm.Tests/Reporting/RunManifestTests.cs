using BayesHlm.Estimation;
using BayesHlm.Model;
using BayesHlm.Reporting;
using BayesHlm.Sampling;

namespace BayesHlm.Tests.Reporting;

/// <summary>run.json has one writer and one reader: what is written reads back as the same manifest, and a finished
/// run loaded from its directory is the run that was made (ML stays ML, the priors as used, the draws).</summary>
public class RunManifestTests
{
    /// <summary>A gaussian run streams a large file into the statistics (memory in groups, not rows): HSB 25 times over
    /// (180,000 rows, 4,000 schools, 8.7 MB of CSV), as CSV and as Parquet (row groups of 5,000, so schools straddle
    /// them), gives the draws of the statistics built from the whole table, to 1e-8.</summary>
    [Fact]
    public void StreamedRuns_FromCsvAndParquet_GiveTheDrawsOfTheTable()
    {
        using var folder = new TestFolder();
        var spec = ModelSpec.FromFormula("mathach ~ meanses * center(ses, school) + (1 + center(ses, school) | school)");
        var options = new SamplerOptions { Chains = 2, Iterations = 200, Warmup = 100, Seed = 5 };
        string csv = folder.PathOf("hsb25.csv"), parquet = folder.PathOf("hsb25.parquet");
        ReplicatedHsb.Write(csv, 25);
        Assert.True(new FileInfo(csv).Length >= BayesHlm.Statistics.SufficientStatistics.StreamFromBytes);
        var table = BayesHlm.Data.DataTable.ReadCsv(csv, spec.LabelColumns);
        BayesHlm.Data.Sources.ParquetTableWriter.Write(BayesHlm.Data.DataTable.ReadCsv(csv), parquet, rowGroupSize: 5000);
        var stats = BayesHlm.Statistics.SufficientStatistics.Build(spec, table);
        var whole = Gibbs.Sample(stats, PriorSpec.Default, Reml.Fit(stats), options);
        foreach (var file in new[] { csv, parquet })
        {
            var run = BayesianRun.Execute(new RunRequest(file, spec, PriorSpec.Default, options), folder.PathOf(Path.GetExtension(file)[1..]));
            // Streamed: one pass, its time all in 'read'.
            if (BayesHlm.Statistics.SufficientStatistics.WorthStreaming(file)) Assert.Equal(0, run.Manifest.Timings.Statistics);
            foreach (var name in whole.Draws.Names)
            {
                var a = whole.Draws.Draws(name).ToArray();
                var b = run.Posterior!.Draws.Draws(name).ToArray();
                for (int i = 0; i < a.Length; i++) Assert.True(Math.Abs(a[i] - b[i]) <= 1e-8 * (1 + Math.Abs(a[i])), $"{file}, {name}[{i}]: {b[i]:R} against {a[i]:R}");
            }
        }
    }

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
