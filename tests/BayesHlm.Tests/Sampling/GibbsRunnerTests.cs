using BayesHlm.Estimation;
using BayesHlm.Data;
using BayesHlm.Model;
using BayesHlm.Sampling;
using BayesHlm.Statistics;
using BayesHlm.Tests.Reference;

namespace BayesHlm.Tests.Sampling;

/// <summary>The chain runner: reproducible from the seed whatever the threads, interruptible, from the public API.</summary>
public class GibbsRunnerTests
{
    private static (SufficientStatistics Stats, PriorSpec Priors) HsbAnova()
    {
        var stats = SufficientStatistics.Build(ModelSpec.FromFormula("mathach ~ 1 + (1 | school)"),
            DataTable.ReadCsv(Path.Combine(RemlReference.RepositoryDirectory, "models", "data", "hsb.csv")));
        var priors = PriorSpec.Load(Path.Combine(RemlReference.SharedDirectory, "reference", "posteriors", "hsb_anova", "case.json"));
        return (stats, priors);
    }

    [Fact]
    public void SameSeed_SameDraws_OnOneThreadAndOnMany()
    {
        var (stats, priors) = HsbAnova();
        var options = new SamplerOptions { Chains = 4, Iterations = 400, Warmup = 200, Seed = 42 };
        var one = Gibbs.Sample(stats, priors, Reml.Fit(stats), options with { MaxParallelism = 1 });
        var many = Gibbs.Sample(stats, priors, Reml.Fit(stats), options with { MaxParallelism = 4 });
        Assert.Equal(one.Draws.Names, many.Draws.Names);
        for (int p = 0; p < one.Draws.ParameterCount; p++)
            Assert.True(one.Draws.Draws(p).SequenceEqual(many.Draws.Draws(p)), $"{one.Draws.Names[p]} differs");
        var other = Gibbs.Sample(stats, priors, Reml.Fit(stats), options with { Seed = 43 });
        Assert.False(one.Draws.Draws(0).SequenceEqual(other.Draws.Draws(0)));
        // Chains differ from one another (their own streams, dispersed starts).
        Assert.False(one.Draws.Chain(0, 0).SequenceEqual(one.Draws.Chain(0, 1)));
    }

    [Fact]
    public void Cancelled_ReturnsTheDrawsEveryChainCompleted_MarkedInterrupted()
    {
        var (stats, priors) = HsbAnova();
        using var cancel = new CancellationTokenSource();
        var options = new SamplerOptions { Chains = 2, Iterations = 2_000_000, Warmup = 100, Seed = 1, MaxParallelism = 2 };
        // Long enough for every chain to keep draws even while other test classes load both cores.
        cancel.CancelAfter(TimeSpan.FromSeconds(5));
        var result = Gibbs.Sample(stats, priors, Reml.Fit(stats), options, cancel.Token);
        Assert.True(result.Interrupted);
        Assert.InRange(result.Draws.Iterations, 4, 1_999_899);
        Assert.All(Enumerable.Range(0, result.Draws.ParameterCount), p => Assert.All(result.Draws.Draws(p).ToArray(), v => Assert.True(double.IsFinite(v))));
    }

    [Fact]
    public void BadOptions_AreRefusedClearly()
    {
        var (stats, priors) = HsbAnova();
        var e = Assert.Throws<ModelSpecificationException>(() => Gibbs.Sample(stats, priors, Reml.Fit(stats), new SamplerOptions { Iterations = 100, Warmup = 100 }));
        Assert.Contains("must exceed warm-up", e.Message);
    }
}
