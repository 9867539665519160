using BayesHlm.Estimation.Glmm;
using BayesHlm.Model;
using BayesHlm.Statistics;
using BayesHlm.Statistics.Linalg;

namespace BayesHlm.ModelChecks;

/// <summary>One test statistic of the data: its value on y and on each replicated data set, and the posterior
/// predictive p-value Pr(T(y_rep) ≥ T(y)) (ties counted half, so that a discrete statistic that always ties — the
/// minimum of counts — gets 0.5, not 1).</summary>
public sealed record PredictiveStatistic(string Name, double Observed, double[] Replicated, double PValue)
{
    /// <summary>The replicated values' mean and 5% and 95% points (the nearest order statistics), NaN without a finite
    /// one: what every table of the check shows.</summary>
    public (double Mean, double Q5, double Q95) ReplicatedSummary()
    {
        var sorted = Replicated.Where(double.IsFinite).Order().ToArray();
        if (sorted.Length == 0) return (double.NaN, double.NaN, double.NaN);
        double Q(double p) => sorted[(int)Math.Round(p * (sorted.Length - 1))];
        return (sorted.Average(), Q(0.05), Q(0.95));
    }
}

/// <summary>Each group's mean of y against its replicated means: the grouped check of one level.</summary>
/// <param name="Level">The grouping level.</param>
/// <param name="Groups">Its groups' names.</param>
/// <param name="Observed">Each group's observed mean.</param>
/// <param name="Replicated">Each group's replicated means, draws contiguous (groups × draws).</param>
/// <param name="PValues">Each group's p-value.</param>
public sealed record GroupedCheck(string Level, IReadOnlyList<string> Groups, double[] Observed, double[] Replicated, double[] PValues)
{
    /// <summary>Groups whose p-value is below <paramref name="tail"/> or above 1 − <paramref name="tail"/>.</summary>
    public int Extreme(double tail) => PValues.Count(p => p < tail || p > 1 - tail);
}

/// <summary>What <see cref="PosteriorPredictiveCheck.Run"/> found.</summary>
/// <param name="Statistics">The test statistics, in the order shown.</param>
/// <param name="GroupMeans">The grouped check of the first grouping level (null without one).</param>
/// <param name="Observed">y.</param>
/// <param name="Sample">A few replicated data sets, for the density overlay.</param>
/// <param name="NewGroups">The replications drew new groups rather than new observations in the same groups.</param>
/// <param name="Draws">Number of replicated data sets.</param>
public sealed record PredictiveCheckResult(IReadOnlyList<PredictiveStatistic> Statistics, GroupedCheck? GroupMeans, double[] Observed,
    IReadOnlyList<double[]> Sample, bool NewGroups, int Draws)
{
    /// <summary>The draws are the priors' (a prior-only run): a prior predictive check.</summary>
    public bool Prior { get; init; }
}

/// <summary>
/// Posterior predictive checks (Gelman, Meng and Stern 1996; bayesplot's ppc_stat and ppc_dens_overlay): one
/// replicated data set per draw — new observations in the same groups, or in new groups (every effect drawn afresh from
/// N(0, Σ_k)) — and test statistics compared with the data's: mean, sd, min, max and skewness of y (a linear model),
/// the share of zeros (counts), and per grouping level the sd of the group means and the intraclass correlation.
/// The replications are not kept (their statistics are): the cost is one pass over the rows per draw.
/// </summary>
internal static class PosteriorPredictiveCheck
{
    /// <summary>How many replicated data sets the density overlay shows.</summary>
    public const int SampleSize = 50;

    public static PredictiveCheckResult Run(RowPredictor rows, bool newGroups, ulong seed)
    {
        if (!newGroups) rows.RequireGroupEffects("A check with new observations in the same groups");
        var s = rows.Statistics;
        var family = rows.Family;
        var statistics = StatisticsFor(family, s);
        int draws = rows.Draws, n = rows.N, count = statistics.Count;
        var grouping = rows.Rows.GroupOfRow;
        var groupSizes = grouping.Select((g, k) => Sizes(g, s.Levels[k].Grouping.Count)).ToArray();
        var observedSummary = new Summary(grouping, groupSizes).Of(rows.Y);
        var observed = statistics.Select(t => t.Value(observedSummary)).ToArray();
        var replicated = new double[count][];
        for (int t = 0; t < count; t++) replicated[t] = new double[draws];
        int groups = s.Levels.Count > 0 ? s.Levels[0].Grouping.Count : 0;
        var groupMeans = new double[groups * draws];
        var observedMeans = groups > 0 ? GroupMeans(rows.Y, grouping[0], groupSizes[0]) : [];
        var sample = new double[Math.Min(SampleSize, draws)][];
        Parallel.For(0, draws, () => (Work: rows.NewWorkspace(), Y: new double[n], Means: new double[groups], Summary: new Summary(grouping, groupSizes)), (d, _, w) =>
        {
            var rng = new ChainRandom(seed ^ ((ulong)(d + 1) * 0xBF58476D1CE4E5B9UL));
            double sigma2 = newGroups ? PredictNewGroups(rows, d, w.Work, rng) : rows.Predict(d, w.Work);
            Replicate(rows, w.Work.Eta, sigma2, rng, w.Y);
            w.Summary.Of(w.Y);
            for (int t = 0; t < count; t++) replicated[t][d] = statistics[t].Value(w.Summary);
            if (groups > 0)
            {
                GroupMeans(w.Y, grouping[0], groupSizes[0], w.Means);
                for (int g = 0; g < groups; g++) groupMeans[g * draws + d] = w.Means[g];
            }
            // Evenly spaced draws for the overlay, whatever the thread that reaches them.
            if (d % Math.Max(1, draws / sample.Length) == 0 && d / Math.Max(1, draws / sample.Length) < sample.Length)
                sample[d / Math.Max(1, draws / sample.Length)] = (double[])w.Y.Clone();
            return w;
        }, _ => { });
        var result = statistics.Select((t, i) => new PredictiveStatistic(t.Name, observed[i], replicated[i], PValue(observed[i], replicated[i]))).ToList();
        GroupedCheck? grouped = null;
        if (groups > 0)
        {
            var p = new double[groups];
            for (int g = 0; g < groups; g++) p[g] = PValue(observedMeans[g], groupMeans.AsSpan(g * draws, draws));
            grouped = new GroupedCheck(s.Levels[0].Grouping.Name, s.Levels[0].Grouping.GroupNames, observedMeans, groupMeans, p);
        }
        return new PredictiveCheckResult(result, grouped, (double[])rows.Y.Clone(), sample.Where(x => x is not null).ToList(), newGroups, draws);
    }

    /// <summary>Pr(T_rep &gt; T) + ½Pr(T_rep = T).</summary>
    public static double PValue(double observed, ReadOnlySpan<double> replicated)
    {
        double above = 0;
        foreach (double r in replicated) above += r > observed ? 1 : r == observed ? 0.5 : 0;
        return above / replicated.Length;
    }

    /// <summary>η with every group's effects drawn from N(0, Σ_k): data from groups like these, not these groups.</summary>
    private static double PredictNewGroups(RowPredictor rows, int d, RowPredictor.Workspace w, Random rng)
    {
        double sigma2 = rows.Predict(d, w);
        var s = rows.Statistics;
        // Take the drawn (or saved) effects back out, and put new ones in.
        Span<double> z = stackalloc double[s.Levels.Count == 0 ? 1 : s.Levels.Max(l => l.Size)];
        for (int k = 0; k < s.Levels.Count; k++)
        {
            int q = s.Levels[k].Size;
            var l = (double[])w.Sigma[k].Clone();
            if (!Dense.SemiDefiniteCholeskyInPlace(l, q)) throw new InvalidOperationException($"Draw {d + 1}'s covariance matrix is not positive semi-definite.");
            var u = w.U[k];
            for (int j = 0; j < u.Length / q; j++)
            {
                for (int a = 0; a < q; a++) z[a] = rng.NextStandardNormal();
                for (int a = 0; a < q; a++)
                {
                    double v = 0;
                    for (int b = 0; b <= a; b++) v += l[a * q + b] * z[b];
                    u[j * q + a] = v - u[j * q + a]; // the change: new minus old
                }
            }
        }
        rows.Rows.AddRandomPart(w.U, w.Eta);
        return sigma2;
    }

    /// <summary>y_rep given η: the family's level-1 draw.</summary>
    private static void Replicate(RowPredictor rows, double[] eta, double sigma2, Random rng, double[] into)
    {
        var weights = rows.Weights;
        for (int i = 0; i < into.Length; i++)
            into[i] = LevelOne.Draw(rows.Family, eta[i], rows.Trials[i], sigma2 / (weights?[i] ?? 1), rng);
    }

    private static int[] Sizes(int[] group, int groups)
    {
        var n = new int[groups];
        foreach (int g in group) n[g]++;
        return n;
    }

    private static double[] GroupMeans(double[] y, int[] group, int[] sizes)
    {
        var means = new double[sizes.Length];
        GroupMeans(y, group, sizes, means);
        return means;
    }

    private static void GroupMeans(double[] y, int[] group, int[] sizes, double[] means)
    {
        Array.Clear(means);
        for (int i = 0; i < y.Length; i++) means[group[i]] += y[i];
        for (int g = 0; g < means.Length; g++) means[g] = sizes[g] > 0 ? means[g] / sizes[g] : double.NaN;
    }

    private sealed record Statistic(string Name, Func<Summary, double> Value);

    private static List<Statistic> StatisticsFor(Family family, SufficientStatistics s)
    {
        var list = new List<Statistic> { new("mean", x => x.Mean) };
        // A 0/1 outcome's sd, skewness, min and max follow from its mean.
        if (family != Family.Bernoulli)
        {
            list.Add(new("sd", x => x.Sd));
            list.Add(new("min", x => x.Min));
            list.Add(new("max", x => x.Max));
            list.Add(new("skewness", x => x.Skewness));
        }
        if (family == Family.Poisson) list.Add(new("share of zeros", x => x.ZeroShare));
        for (int k = 0; k < s.Levels.Count; k++)
        {
            int level = k;
            string name = s.Levels[k].Grouping.Name;
            list.Add(new($"sd of group means [{name}]", x => x.GroupMeanSd[level]));
            list.Add(new($"ICC [{name}]", x => x.Icc[level]));
        }
        return list;
    }

    /// <summary>Everything the statistics read from one data set, in one pass over the rows plus one per level.</summary>
    private sealed class Summary
    {
        private readonly int[][] _group;
        private readonly int[][] _sizes;
        private readonly double[][] _sums;

        public Summary(int[][] group, int[][] sizes)
        {
            _group = group;
            _sizes = sizes;
            _sums = sizes.Select(n => new double[n.Length]).ToArray();
            GroupMeanSd = new double[sizes.Length];
            Icc = new double[sizes.Length];
        }

        public double Mean, Sd, Min, Max, Skewness, ZeroShare;
        public double[] GroupMeanSd { get; }
        public double[] Icc { get; }

        public Summary Of(double[] y)
        {
            int n = y.Length;
            double sum = 0, min = double.PositiveInfinity, max = double.NegativeInfinity, zeros = 0;
            foreach (double v in y) { sum += v; if (v < min) min = v; if (v > max) max = v; if (v == 0) zeros++; }
            double mean = sum / n, m2 = 0, m3 = 0;
            foreach (double v in y) { double d = v - mean; double d2 = d * d; m2 += d2; m3 += d2 * d; }
            Mean = mean; Min = min; Max = max; ZeroShare = zeros / n;
            Sd = Math.Sqrt(m2 / Math.Max(1, n - 1));
            Skewness = m2 > 0 ? m3 / n / Math.Pow(m2 / n, 1.5) : 0;
            for (int k = 0; k < _sums.Length; k++) Groups(y, k, mean, m2);
            return this;
        }

        /// <summary>The sd of the group means, and the one-way ANOVA estimator of the intraclass correlation,
        /// (MSB − MSW)/(MSB + (n₀ − 1)MSW), from the group sums: SS_within = SS_total − SS_between.</summary>
        private void Groups(double[] y, int k, double mean, double totalSquares)
        {
            var sums = _sums[k];
            var group = _group[k];
            var sizes = _sizes[k];
            Array.Clear(sums);
            for (int i = 0; i < y.Length; i++) sums[group[i]] += y[i] - mean;
            int groups = 0;
            double between = 0, sizeSquares = 0, meanSum = 0, meanSquares = 0;
            for (int g = 0; g < sums.Length; g++)
            {
                if (sizes[g] == 0) continue;
                groups++;
                double deviation = sums[g] / sizes[g];
                between += sizes[g] * deviation * deviation;
                sizeSquares += (double)sizes[g] * sizes[g];
                meanSum += deviation;
                meanSquares += deviation * deviation;
            }
            int n = y.Length;
            GroupMeanSd[k] = groups > 1 ? Math.Sqrt(Math.Max(0, (meanSquares - meanSum * meanSum / groups) / (groups - 1))) : double.NaN;
            if (groups < 2 || n <= groups) { Icc[k] = double.NaN; return; }
            double msb = between / (groups - 1), msw = Math.Max(0, totalSquares - between) / (n - groups), n0 = (n - sizeSquares / n) / (groups - 1);
            double denominator = msb + (n0 - 1) * msw;
            Icc[k] = denominator > 0 ? (msb - msw) / denominator : double.NaN;
        }
    }
}
