using BayesHlm.Data;
using BayesHlm.Diagnostics;
using BayesHlm.Model;
using BayesHlm.Sampling;
using BayesHlm.Statistics;
using MathNet.Numerics.Distributions;

namespace BayesHlm.Tests.Sampling;

/// <summary>
/// "Getting it right" (Geweke 2004): alternate drawing data from the model given the parameters and one sweep of
/// the sampler given the data. If every step leaves the posterior invariant, the parameters' marginal distribution
/// stays the prior. Checked for a random-intercept model with every variance step kind the sampler uses for one
/// level (conjugate gamma precisions, the Metropolis–Hastings walk on a uniform sd, and the ancillary interweaving move).
/// </summary>
public class GewekeTests
{
    [Theory]
    [InlineData("gamma")]
    [InlineData("uniform_sd")]
    public void SuccessiveConditionalSimulation_KeepsThePrior(string kind)
    {
        const int groups = 5, perGroup = 4;
        int iterations = 40_000;
        string priorsJson = kind == "gamma"
            ? """{"fixed":{"dist":"normal","mean":1,"variance":1},"residual":{"dist":"gamma_precision","shape":3,"rate":3},"group:g":{"dist":"gamma_precision","shape":3,"rate":2}}"""
            : """{"fixed":{"dist":"normal","mean":1,"variance":1},"residual":{"dist":"gamma_precision","shape":3,"rate":3},"group:g":{"dist":"uniform_sd","upper":2}}""";
        var spec = ModelSpec.FromFormula("y ~ 1 + (1 | g)");
        var priors = PriorSpec.FromJson(priorsJson);
        var rng = new Random(2004);
        var g = Enumerable.Range(0, groups * perGroup).Select(i => (double)(i / perGroup)).ToArray();

        // Start from a draw of the prior.
        double beta = 1 + rng.NextStandardNormal();
        double sigma2 = 1 / Gamma.Sample(rng, 3, 3);
        double tau2 = kind == "gamma" ? 1 / Gamma.Sample(rng, 3, 2) : Math.Pow(2 * rng.NextDouble(), 2);
        var u = Enumerable.Range(0, groups).Select(_ => Math.Sqrt(tau2) * rng.NextStandardNormal()).ToArray();
        var draws = new double[3][];
        for (int p = 0; p < 3; p++) draws[p] = new double[iterations];
        var row = new double[3 + groups];
        for (int t = 0; t < iterations; t++)
        {
            var y = g.Select(j => beta + u[(int)j] + Math.Sqrt(sigma2) * rng.NextStandardNormal()).ToArray();
            var stats = SufficientStatistics.Build(spec, DataTable.FromColumns([("g", g), ("y", y)]));
            var chain = new GibbsChain(stats, ResolvedPriors.Resolve(priors, stats), rng, sigma2, [new[] { tau2 }]);
            chain.Step();
            chain.Current(row, int.MaxValue);
            (beta, sigma2, tau2) = (row[0], row[1], row[2]);
            for (int j = 0; j < groups; j++) u[j] = row[3 + j];
            draws[0][t] = beta;
            draws[1][t] = sigma2;
            draws[2][t] = tau2;
        }

        var summary = PosteriorSummary.Summarise(new DrawSet(["beta", "sigma2", "tau2"], 1, iterations, draws));
        // For each parameter: the share of draws below prior quantiles 0.25, 0.5, 0.75, within 4.5 MCSE (from the ESS).
        Func<double, double>[] priorQuantile =
        [
            p => 1 + Normal.InvCDF(0, 1, p),
            p => 1 / Gamma.InvCDF(3, 3, 1 - p),
            kind == "gamma" ? p => 1 / Gamma.InvCDF(3, 2, 1 - p) : p => Math.Pow(2 * p, 2),
        ];
        for (int k = 0; k < 3; k++)
        {
            double ess = summary.Rows[k].EssBulk;
            Assert.True(ess > 500, $"{kind} {summary.Rows[k].Variable}: ESS {ess} too small for the check");
            foreach (double p in new[] { 0.25, 0.5, 0.75 })
            {
                double q = priorQuantile[k](p);
                double share = draws[k].Count(v => v < q) / (double)iterations;
                double tolerance = 4.5 * Math.Sqrt(p * (1 - p) / ess);
                Assert.True(Math.Abs(share - p) < tolerance, $"{kind} {summary.Rows[k].Variable}: {share:F4} of draws below the prior's {p} quantile {q:G4} (±{tolerance:F4})");
            }
        }
    }
}
