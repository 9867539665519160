using BayesHlm.Diagnostics;
using BayesHlm.Estimation;
using BayesHlm.Sampling;
using BayesHlm.Statistics;
using BayesHlm.Statistics.Linalg;
using MathNet.Numerics.Distributions;

namespace BayesHlm.Comparison;

/// <summary>One fixed effect or covariance parameter, REML (or ML) beside the posterior.</summary>
/// <param name="Parameter">The name as in the draws (<c>meanses</c>, <c>tau2[school:(Intercept)]</c>).</param>
/// <param name="Kind"><c>fixed</c>, <c>variance</c> or <c>covariance</c>.</param>
/// <param name="Estimate">The REML/ML estimate.</param>
/// <param name="StandardError">Its standard error (null at the boundary or when not available).</param>
/// <param name="Lower">Lower end of its 95% interval: t for fixed effects, Satterthwaite χ² for variances (SAS COVTEST CL), Wald for covariances.</param>
/// <param name="Upper">Upper end.</param>
/// <param name="Mean">Posterior mean.</param>
/// <param name="Median">Posterior median.</param>
/// <param name="Sd">Posterior sd.</param>
/// <param name="Lower95">Posterior 2.5% quantile.</param>
/// <param name="Upper95">Posterior 97.5% quantile.</param>
/// <param name="Difference">(posterior mean − estimate) / posterior sd.</param>
/// <param name="Disagree">True when the two differ materially: by more than one posterior sd, or the estimate outside the 95% posterior interval.</param>
/// <param name="Reasons">Why they differ, in plain words, where a computed reason applies.</param>
public sealed record ParameterComparison(string Parameter, string Kind, double Estimate, double? StandardError, double Lower, double Upper,
    double Mean, double Median, double Sd, double Lower95, double Upper95, double Difference, bool Disagree, IReadOnlyList<string> Reasons);

/// <summary>One group's random coefficient: per-group OLS, the EB prediction and the posterior mean side by side,
/// each one's shrinkage toward the fixed part, and the reliabilities.</summary>
/// <param name="Level">The grouping factor.</param>
/// <param name="Group">The group's label.</param>
/// <param name="Term">The random coefficient.</param>
/// <param name="Rows">Rows in the group.</param>
/// <param name="Ols">Per-group OLS estimate (null when the group's rows do not determine it).</param>
/// <param name="OlsSe">Its standard error.</param>
/// <param name="FixedPart">The prediction from the fixed effects alone (γ·W_j) at the REML estimates.</param>
/// <param name="Eb">The EB coefficient (fixed part + u_j) at the REML estimates.</param>
/// <param name="EbSe">Its standard error.</param>
/// <param name="Reliability">λ_j at the REML estimates (HLM's reliability).</param>
/// <param name="PosteriorMean">Posterior mean of the coefficient (Rao–Blackwellised over the draws of the variances).</param>
/// <param name="PosteriorSd">Posterior sd of the coefficient.</param>
/// <param name="PosteriorReliability">λ_j averaged over the posterior of the variances.</param>
/// <param name="EbShrinkage">(OLS − EB)/(OLS − fixed part): the share of the way from OLS to the fixed part; null when OLS
/// is within one of its SEs of the fixed part (the ratio then means nothing).</param>
/// <param name="PosteriorShrinkage">The same for the posterior mean.</param>
public sealed record GroupComparison(string Level, string Group, string Term, int Rows, double? Ols, double? OlsSe, double FixedPart, double Eb, double EbSe,
    double Reliability, double PosteriorMean, double PosteriorSd, double PosteriorReliability, double? EbShrinkage, double? PosteriorShrinkage)
{
    /// <summary>How far the posterior mean was pulled from the group's OLS estimate, in OLS standard errors.</summary>
    public double? PulledInOlsSe => Ols is double o && OlsSe is double se && se > 0 ? Math.Abs(o - PosteriorMean) / se : null;
}

/// <summary>Bayes beside EB/ML for one model: every parameter, every group, and the notes that explain the differences.</summary>
public sealed record ComparisonTable(IReadOnlyList<ParameterComparison> Parameters, IReadOnlyList<GroupComparison> Groups,
    IReadOnlyList<(string Level, string Term, double Reliability, double PosteriorReliability)> AverageReliability)
{
    /// <summary>The EB/ML fit the posterior is set beside: REML, ML or Laplace.</summary>
    public string Method { get; init; } = "REML";
}

/// <summary>
/// Lines a posterior up against the EB/ML fit of the same model (ARCHITECTURE.md, Comparison). Group coefficients
/// need no saved random effects: for a sample of the variance draws, the kernel gives each group's conditional mean,
/// variance and reliability exactly, and these are averaged (Rao–Blackwellisation; the law of total variance for the sd).
/// </summary>
public static class Compare
{
    /// <summary>At most this many draws of the variances are used for the group-level averages. A heavy-tailed variance
    /// (eight schools' τ²) needs this many: from 200 of its 40,000 draws school 1's mean came out 6.61, from 1,000
    /// 6.21, from all 6.21 (reference 6.15).</summary>
    public const int GroupDraws = 1000;

    /// <summary>A finished run's posterior beside its EB/ML fit.</summary>
    public static ComparisonTable Posterior(Reporting.FinishedRun run)
    {
        ArgumentNullException.ThrowIfNull(run);
        return Posterior(run.Statistics, run.Reml, run.Draws, run.Priors);
    }

    /// <summary>A posterior just sampled beside the EB/ML fit of the same model.</summary>
    public static ComparisonTable Posterior(SufficientStatistics statistics, RemlFit reml, PosteriorSample posterior)
    {
        ArgumentNullException.ThrowIfNull(posterior);
        return Posterior(statistics, reml, posterior.Draws, posterior.Resolved);
    }

    /// <param name="statistics">The model on its data.</param>
    /// <param name="reml">The REML/ML fit of the same model.</param>
    /// <param name="draws">The posterior draws (names as the sampler writes them).</param>
    /// <param name="priors">The priors as used, resolved for <paramref name="statistics"/> (for the prior-versus-posterior
    /// check and the group averages).</param>
    public static ComparisonTable Posterior(SufficientStatistics statistics, RemlFit reml, DrawSet draws, ResolvedPriors priors)
    {
        ArgumentNullException.ThrowIfNull(statistics);
        ArgumentNullException.ThrowIfNull(reml);
        ArgumentNullException.ThrowIfNull(draws);
        ArgumentNullException.ThrowIfNull(priors);
        var resolved = priors;
        var parameters = new List<ParameterComparison>();
        // A binomial model's variances have no SE (as glmer): a missing SE is the boundary only for a REML or ML fit.
        bool gaussian = reml.Family == Model.Family.Gaussian;
        string method = gaussian ? reml.MethodName : "Laplace";
        for (int i = 0; i < reml.FixedEffects.Count; i++)
        {
            var f = reml.FixedEffects[i];
            double priorSd = Math.Sqrt(1 / resolved.FixedPrecision[i * statistics.P + i]);
            parameters.Add(Row(f.Term, "fixed", null, f.Estimate, f.StandardError, false, method, f.Lower, f.Upper, draws, statistics, priorSd, null, null));
        }
        foreach (var c in reml.Covariance)
        {
            string name = c.Group == "Residual" ? ParameterNames.ResidualVariance : c.IsVariance ? ParameterNames.Variance(c.Group, c.Term1!) : ParameterNames.Covariance(c.Group, c.Term1!, c.Term2!);
            if (!draws.Names.Contains(name)) continue;
            var (lower, upper) = CovarianceInterval(c);
            var (prior, quantile) = PriorOf(c, resolved);
            parameters.Add(Row(name, c.IsVariance ? "variance" : "covariance", c.Group == "Residual" ? null : c.Group, c.Estimate, c.StandardError,
                gaussian ? c.StandardError is null : c.IsVariance && c.Estimate < 1e-8, method, lower, upper, draws, statistics, double.NaN,
                prior, quantile));
        }
        var (groups, averages) = GroupLevel(statistics, reml, draws, resolved);
        return new ComparisonTable(parameters, groups, averages) { Method = method };
    }

    /// <summary>The prior of a covariance parameter, and for a variance the quantiles of its marginal prior.</summary>
    private static (Model.VariancePrior? Prior, Func<double, double>? Quantile) PriorOf(CovarianceEstimate c, ResolvedPriors priors)
    {
        if (c.Group == "Residual") return (priors.Residual, priors.Residual is { } r ? p => r.VarianceQuantile(0, 1, p) : null);
        var levels = priors.Layout.Levels;
        int k = levels.ToList().FindIndex(l => l.Grouping.Name == c.Group);
        if (k < 0) return (null, null);
        var prior = priors.Levels[k];
        if (!c.IsVariance) return (prior, null);
        int a = levels[k].TermNames.ToList().IndexOf(c.Term1!), q = levels[k].Size;
        return (prior, p => prior.VarianceQuantile(a, q, p));
    }

    /// <summary>SAS COVTEST CL: a variance's interval from ν = 2Z² and χ²(ν) (positive, asymmetric); a covariance's is Wald.</summary>
    private static (double Lower, double Upper) CovarianceInterval(CovarianceEstimate c)
    {
        if (c.StandardError is not double se || !(se > 0)) return (double.NaN, double.NaN);
        if (!c.IsVariance) return (c.Estimate - 1.959964 * se, c.Estimate + 1.959964 * se);
        double z = c.Estimate / se, nu = 2 * z * z;
        return (nu * c.Estimate / ChiSquared.InvCDF(nu, 0.975), nu * c.Estimate / ChiSquared.InvCDF(nu, 0.025));
    }

    // group: the grouping factor of a random-effect variance or covariance ("school:classroom"), else null.
    private static ParameterComparison Row(string name, string kind, string? group, double estimate, double? se, bool atBoundary, string method, double lower, double upper,
        DrawSet draws, SufficientStatistics s, double priorSd, Model.VariancePrior? prior, Func<double, double>? priorQuantile)
    {
        var x = draws.Draws(name).ToArray();
        Array.Sort(x);
        double mean = x.Average(), sd = Math.Sqrt(x.Sum(v => (v - mean) * (v - mean)) / (x.Length - 1));
        double median = Diagnostics.ConvergenceMath.Quantile(x, 0.5), lo = Diagnostics.ConvergenceMath.Quantile(x, 0.025), hi = Diagnostics.ConvergenceMath.Quantile(x, 0.975);
        double diff = sd > 0 ? (mean - estimate) / sd : 0;
        bool disagree = Math.Abs(diff) > 1 || estimate < lo || estimate > hi;
        var reasons = new List<string>();
        if (kind == "variance" && group is not null)
        {
            int groups = s.Levels.FirstOrDefault(l => l.Grouping.Name == group)?.Grouping.Count ?? 0;
            double nearZero = x.Count(v => v < 0.1 * Math.Max(mean, 1e-300)) / (double)x.Length;
            if (atBoundary || (se is double seValue && estimate < 2 * seValue))
                reasons.Add($"The variance is near zero: the {method} estimate {Format(estimate)} is {(atBoundary ? "at the boundary" : $"within 2 SE ({Format(se!.Value)}) of it")}, " +
                            $"where {method} piles up, while the posterior keeps its mass away from zero (median {Format(median)}; " +
                            $"{nearZero:P0} of the draws are below a tenth of the posterior mean) and is skewed to the right.");
            if (groups > 0 && groups < 20 && method == "Laplace")
                reasons.Add($"Only {groups} groups inform this variance: with a binomial outcome the Laplace approximation and the posterior differ " +
                            $"most where groups are few, and the posterior interval [{Format(lo)}, {Format(hi)}] is asymmetric ({Format(median - lo)} below the median, {Format(hi - median)} above).");
            else if (groups > 0 && groups < 20)
                reasons.Add($"Only {groups} groups inform this variance: the REML SE understates its uncertainty, and the posterior interval " +
                            $"[{Format(lo)}, {Format(hi)}] is asymmetric ({Format(median - lo)} below the median, {Format(hi - median)} above).");
        }
        if (double.IsFinite(priorSd) && priorSd > 0 && sd / priorSd > 0.5)
            reasons.Add($"The prior dominates: the posterior sd {Format(sd)} is {sd / priorSd:P0} of the prior sd {Format(priorSd)}, so the data add little.");
        if (priorQuantile is not null)
        {
            double pLow = priorQuantile(0.005), pHigh = priorQuantile(0.995);
            if (double.IsFinite(pLow) && double.IsFinite(pHigh) && (estimate < pLow || estimate > pHigh))
                reasons.Add($"The prior and the data conflict: the REML estimate {Format(estimate)} lies {(estimate < pLow ? "below" : "above")} the prior's 99% range of this variance " +
                            $"[{Format(pLow)}, {Format(pHigh)}] ({prior?.ToJson()}); " +
                            (disagree ? $"the prior pulls the posterior (median {Format(median)}) away from the data. " : $"here the data still place the posterior (median {Format(median)}). ") +
                            "A prior scaled to the data (the defaults) avoids the conflict.");
        }
        if (disagree && reasons.Count == 0 && kind == "covariance")
            reasons.Add($"A covariance is set by how the groups' effects vary together, which few groups determine weakly; its posterior follows the prior on the whole " +
                        $"matrix ({prior?.ToJson()}) and the variances' draws. The posterior interval [{Format(lo)}, {Format(hi)}] is " +
                        $"{(se is double e && e > 0 ? $"{(hi - lo) / e:F1} REML SEs" : "wide")} wide.");
        if (disagree && reasons.Count == 0 && name == ParameterNames.ResidualVariance)
            reasons.Add($"The residual variance is estimated from {s.N:N0} rows and its prior is rarely the cause: a disagreement here usually comes from the random " +
                        "part (a variance near zero or at the boundary moves σ² with it) — see the rows above.");
        return new ParameterComparison(name, kind, estimate, se, lower, upper, mean, median, sd, lo, hi, diff, disagree, reasons);
    }

    private static string Format(double v) => Reporting.Format.Num(v, 4);

    private static (List<GroupComparison>, List<(string, string, double, double)>) GroupLevel(SufficientStatistics s, RemlFit reml, DrawSet draws, ResolvedPriors priors)
    {
        // The draws' Σ_k are as the user wrote the random columns: so are the sampler's statistics.
        s = s.ForSampler();
        var rows = new List<GroupComparison>();
        var averages = new List<(string, string, double, double)>();
        // The groups' conditional posteriors are Gaussian only for a gaussian outcome; a logistic model's are not
        // Rao-Blackwellised here (its parameters are compared above).
        if (s.Levels.Count == 0 || s.Spec.Family != Model.Family.Gaussian) return (rows, averages);
        // Sums over a thinned sample of the variance draws of each group's conditional mean, mean square, variance and reliability.
        // Each draw factorises the kernel and its posterior; where that means a large dense block (crossed factors with
        // thousands of groups) 25 draws of the variances carry the groups' exact conditional means as well.
        int budget = s.Crossed && CrossedFactorization.DenseRandomEffects(s) > CrossedFactorization.ExactDrawUpTo ? 25 : GroupDraws;
        int total = draws.Chains * draws.Iterations, used = Math.Min(budget, total);
        var sum = s.Levels.Select(l => new double[l.Grouping.Count * l.Size]).ToArray();
        var sumSq = s.Levels.Select(l => new double[l.Grouping.Count * l.Size]).ToArray();
        var sumVar = s.Levels.Select(l => new double[l.Grouping.Count * l.Size]).ToArray();
        var sumRel = s.Levels.Select(l => new double[l.Grouping.Count * l.Size]).ToArray();
        var map = new ThetaMap(s.Levels);
        var layout = priors.Layout;
        var prior = priors.KernelPrior(s);
        // The draws are independent given the data: fixed blocks of them run in parallel, each with its own kernel and
        // sums, added in block order — the same sums whatever the threads.
        const int blocks = 8;
        var parts = new GroupSums[blocks];
        Parallel.For(0, blocks, b =>
        {
            var local = parts[b] = new GroupSums(s, map);
            for (int d = b * used / blocks; d < (b + 1) * used / blocks; d++)
            {
                int index = (int)((long)d * total / used);
                double sigma2 = s.KnownResidualVariance ? 1 : draws.Draws(ParameterNames.ResidualVariance)[index];
                var sigma = layout.Unpack(e => draws.Draws(e.Name)[index]);
                var theta = map.FromCovariances(sigma, sigma2);
                if (theta is null) continue;
                map.ToLambdas(theta, local.Lambdas);
                if (!local.Kernel.Update(local.Lambdas, prior, sigma2)) continue;
                var effects = GroupEffectsBuilder.Build(s, local.Kernel, sigma2);
                for (int k = 0; k < effects.Count; k++)
                {
                    var e = effects[k];
                    int q = e.Terms.Count;
                    for (int j = 0; j < e.GroupNames.Count; j++)
                        for (int a = 0; a < q; a++)
                        {
                            double mean = e.Coefficients[j]?[a] ?? double.NaN, se = e.CoefficientSe[j]?[a] ?? double.NaN;
                            local.Sum[k][j * q + a] += mean;
                            local.SumSq[k][j * q + a] += mean * mean;
                            local.SumVar[k][j * q + a] += se * se;
                            local.SumRel[k][j * q + a] += e.Reliability[j][a];
                        }
                }
            }
        });
        foreach (var local in parts)
            for (int k = 0; k < sum.Length; k++)
                for (int i = 0; i < sum[k].Length; i++)
                {
                    sum[k][i] += local.Sum[k][i];
                    sumSq[k][i] += local.SumSq[k][i];
                    sumVar[k][i] += local.SumVar[k][i];
                    sumRel[k][i] += local.SumRel[k][i];
                }
        for (int k = 0; k < reml.Groups.Count; k++)
        {
            var g = reml.Groups[k];
            int q = g.Terms.Count;
            var relSum = new double[q];
            var postRelSum = new double[q];
            for (int j = 0; j < g.GroupNames.Count; j++)
                for (int a = 0; a < q; a++)
                {
                    int i = j * q + a;
                    double mean = sum[k][i] / used, variance = sumVar[k][i] / used + Math.Max(sumSq[k][i] / used - mean * mean, 0);
                    double eb = g.Coefficients[j]?[a] ?? double.NaN, fixedPart = eb - g.RandomEffects[j][a];
                    double? ols = g.Ols[j]?[a], olsSe = g.OlsSe[j]?[a];
                    double? Shrink(double v) => ols is double o && olsSe is double se && Math.Abs(o - fixedPart) > se ? (o - v) / (o - fixedPart) : null;
                    rows.Add(new GroupComparison(g.Group, g.GroupNames[j], g.Terms[a], g.RowCounts[j], ols, olsSe, fixedPart, eb, g.CoefficientSe[j]?[a] ?? double.NaN,
                        g.Reliability[j][a], mean, Math.Sqrt(variance), sumRel[k][i] / used, Shrink(eb), Shrink(mean)));
                    relSum[a] += g.Reliability[j][a];
                    postRelSum[a] += sumRel[k][i] / used;
                }
            for (int a = 0; a < q; a++) averages.Add((g.Group, g.Terms[a], relSum[a] / g.GroupNames.Count, postRelSum[a] / g.GroupNames.Count));
        }
        return (rows, averages);
    }

    /// <summary>One block's kernel and sums over its share of the variance draws.</summary>
    private sealed class GroupSums(SufficientStatistics s, ThetaMap map)
    {
        public readonly GaussianKernel Kernel = GaussianKernel.For(s);
        public readonly double[][] Lambdas = map.NewLambdas();
        public readonly double[][] Sum = s.Levels.Select(l => new double[l.Grouping.Count * l.Size]).ToArray();
        public readonly double[][] SumSq = s.Levels.Select(l => new double[l.Grouping.Count * l.Size]).ToArray();
        public readonly double[][] SumVar = s.Levels.Select(l => new double[l.Grouping.Count * l.Size]).ToArray();
        public readonly double[][] SumRel = s.Levels.Select(l => new double[l.Grouping.Count * l.Size]).ToArray();
    }
}
