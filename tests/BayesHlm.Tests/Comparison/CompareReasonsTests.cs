using BayesHlm.Comparison;
using BayesHlm.Data;
using BayesHlm.Estimation;
using BayesHlm.Model;
using BayesHlm.Sampling;
using BayesHlm.Statistics;

namespace BayesHlm.Tests.Comparison;

/// <summary>The comparison explains a variance by its prior too: when the REML estimate lies outside the prior's 99%
/// range of that variance (inverse-Wishart with an identity scale on rat weights of variance ~200), it says so.</summary>
public class CompareReasonsTests
{
    [Fact]
    public void AVarianceOutsideItsPriorsRange_IsExplainedByThePrior()
    {
        string dir = RepositoryPaths.Reference("posteriors", "rats");
        var stats = SufficientStatistics.Build(ModelSpec.FromFormula("weight ~ center(day) + (1 + center(day) | rat)"), DataTable.ReadCsv(Path.Combine(dir, "data.csv")));
        var reml = Reml.Fit(stats);
        var priors = PriorSpec.FromJson("""{"group:rat":{"dist":"inv_wishart","df":3,"scale":[[1,0],[0,1]]}}""");
        var post = Gibbs.Sample(stats, priors, reml, new SamplerOptions { Chains = 2, Iterations = 600, Warmup = 300, Seed = 4 });
        var table = Compare.Posterior(stats, reml, post);
        var intercept = table.Parameters.Single(p => p.Parameter == "tau2[rat:(Intercept)]");
        // InvWishart(3, I) puts a diagonal entry at InvGamma(1, 1/2): its 99.5% quantile is 0.5 / 0.005 ≈ 99.7, below 203.
        Assert.Contains(intercept.Reasons, r => r.Contains("lies above the prior's 99% range of this variance [0.09437, 99.75]"));
        var slope = table.Parameters.Single(p => p.Parameter == "tau2[rat:center(day)]");
        Assert.DoesNotContain(slope.Reasons, r => r.Contains("prior's 99% range"));
    }
}
