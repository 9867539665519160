using BayesHlm.Data;
using BayesHlm.Diagnostics.Loo;
using BayesHlm.Estimation;
using BayesHlm.Model;
using BayesHlm.ModelChecks;
using BayesHlm.Sampling;
using BayesHlm.Statistics;

namespace BayesHlm.Tests.ModelChecks;

/// <summary>
/// Leave-one-group-out on the HSB one-way ANOVA (mathach ~ 1 + (1 | school)): PSIS-LOO of the exact group-wise
/// log-likelihood of the full posterior against brute force — the model refitted without the school, and
/// log mean_s p(y_school | β_s, σ²_s, τ²_s) over the refit's draws, the same integral evaluated at parameters that
/// never saw the school. Ten schools of different sizes; the two agree within their Monte Carlo errors.
/// </summary>
[Trait("Category", "Slow")]
public class LeaveOneGroupOutTests
{
    // Explicit proper priors: defaults are scaled to the data, which would differ between the fit and each refit.
    private static readonly PriorSpec Priors = PriorSpec.FromJson("""
        {"fixed":{"dist":"normal","mean":0,"variance":10000},
         "residual":{"dist":"gamma_precision","shape":1,"rate":10},
         "group:school":{"dist":"half_cauchy_sd","scale":5}}
        """);

    private static readonly SamplerOptions Options = new() { Chains = 4, Warmup = 500, Iterations = 2500, Seed = 11 };

    [Fact]
    public void PsisOfTheExactGroupLikelihood_AgreesWithRefittingWithoutTheGroup()
    {
        var spec = ModelSpec.FromFormula("mathach ~ 1 + (1 | school)");
        var data = DataTable.ReadCsv(RepositoryPaths.Data("hsb.csv"));
        var (stats, design) = SufficientStatistics.BuildWithDesign(spec, data);
        var sampler = stats.ForSampler();
        var full = Gibbs.Sample(stats, Priors, Reml.Fit(stats), Options);
        var likelihood = new GroupLikelihood(sampler, design, 0);
        var reader = new DrawReader(sampler, ResolvedPriors.Resolve(Priors, stats), full.Draws);
        var values = likelihood.Compute(reader, 1);
        var loo = PsisLoo.Compute(new PointwiseLogLikelihood(values, reader.Count, reader.ChainOfDraw, likelihood.Names.ToArray()));

        var school = (TextOrNumbers(data, "school"));
        var failures = new List<string>();
        for (int j = 5; j < likelihood.Names.Count; j += 16)
        {
            string name = likelihood.Names[j];
            var keep = school.Select(v => v != name).ToArray();
            var without = SufficientStatistics.Build(spec, data.Subset(keep));
            var refit = Gibbs.Sample(without, Priors, Reml.Fit(without), Options);
            // The left-out school's marginal likelihood under each refit draw, from the full data's statistics.
            var refitReader = new DrawReader(sampler, ResolvedPriors.Resolve(Priors, stats), refit.Draws);
            var ll = likelihood.Compute(refitReader, 1).AsSpan(j * refitReader.Count, refitReader.Count).ToArray();
            double max = ll.Max();
            var w = ll.Select(v => Math.Exp(v - max)).ToArray();
            double mean = w.Average(), sd = Math.Sqrt(w.Sum(v => (v - mean) * (v - mean)) / (w.Length - 1));
            double bruteForce = max + Math.Log(mean);
            // Its Monte Carlo SE by the delta method, with the refit's draws taken as a quarter effective (autocorrelated chains).
            double seBrute = sd / mean / Math.Sqrt(w.Length / 4.0);
            double sePsis = loo.PointwiseMcseElpdLoo[j];
            double tolerance = 4 * Math.Sqrt(seBrute * seBrute + sePsis * sePsis);
            if (Math.Abs(loo.PointwiseElpdLoo[j] - bruteForce) > tolerance)
                failures.Add($"school {name}: PSIS {loo.PointwiseElpdLoo[j]:F4} (k = {loo.ParetoK[j]:F2}), refit {bruteForce:F4}, tolerance {tolerance:F4}");
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    private static string[] TextOrNumbers(DataTable data, string column)
    {
        var c = data[column];
        return Enumerable.Range(0, data.RowCount).Select(c.TextAt).ToArray();
    }
}
