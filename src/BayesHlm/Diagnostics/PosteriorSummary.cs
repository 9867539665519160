using System.Globalization;
using MathNet.Numerics.Distributions;

namespace BayesHlm.Diagnostics;

/// <summary>Which summaries to compute.</summary>
public sealed record SummaryOptions
{
    /// <summary>Quantiles to report (R's type 7); 5% and 95% are always included, as posterior reports them.</summary>
    public IReadOnlyList<double> Probabilities { get; init; } = [0.05, 0.25, 0.5, 0.75, 0.95];
    /// <summary>Coverage of the central and highest-density intervals.</summary>
    public double IntervalLevel { get; init; } = 0.9;

    /// <summary>Quantiles 5, 25, 50, 75 and 95%, and 90% intervals.</summary>
    public static SummaryOptions Default { get; } = new();
}

/// <summary>One parameter's summary, named as the R package posterior names its columns.</summary>
public sealed record ParameterSummary(
    string Variable, double Mean, double Median, double Sd, double Mad,
    IReadOnlyList<(double Probability, double Value)> Quantiles,
    double Rhat, double RhatBasic, double EssBulk, double EssTail, double EssBasic, double EssMean,
    double McseMean, double McseSd, double McseQ5, double McseQ95,
    double CentralLower, double CentralUpper, double HdiLower, double HdiUpper,
    bool Constant)
{
    /// <summary>The 5% quantile (always computed).</summary>
    public double Q5 => Quantile(0.05);
    /// <summary>The 95% quantile (always computed).</summary>
    public double Q95 => Quantile(0.95);
    /// <summary>The quantile at probability <paramref name="p"/>, which must be one of <see cref="Quantiles"/>
    /// (<see cref="SummaryOptions.Probabilities"/>, 5% and 95%); an <see cref="InvalidOperationException"/> otherwise.</summary>
    public double Quantile(double p) => Quantiles.First(q => Math.Abs(q.Probability - p) < 1e-12).Value;
}

/// <summary>The summary of every parameter of a set of draws, and the warnings a user must see.</summary>
public sealed record DiagnosticsTable(IReadOnlyList<ParameterSummary> Rows, IReadOnlyList<string> Warnings, int Chains, int Iterations, SummaryOptions Options);

/// <summary>
/// Posterior summaries and convergence diagnostics (Vehtari, Gelman, Simpson, Carpenter and Bürkner 2021) for
/// draws from any sampler: mean, median, sd, MAD, quantiles, central and highest-density intervals, R̂ (rank-
/// normalised and classic split), bulk-, tail- and basic ESS, MCSE of the mean, the sd and the 5%/95% quantiles.
/// </summary>
public static class PosteriorSummary
{
    /// <summary>R̂ above this is a convergence warning (Vehtari et al. 2021).</summary>
    public const double RhatThreshold = 1.01;
    /// <summary>Bulk- and tail-ESS below this many per chain is a precision warning.</summary>
    public const double EssPerChainThreshold = 100;

    /// <summary>Summarises every parameter of <paramref name="draws"/> (in parallel) and lists the warnings: R̂ above
    /// <see cref="RhatThreshold"/>, bulk- or tail-ESS below <see cref="EssPerChainThreshold"/> per chain.</summary>
    /// <param name="draws">The draws, warm-up excluded.</param>
    /// <param name="options">Quantiles and interval level; <see cref="SummaryOptions.Default"/> when null.</param>
    public static DiagnosticsTable Summarise(DrawSet draws, SummaryOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(draws);
        options ??= SummaryOptions.Default;
        var probs = options.Probabilities.Concat([0.05, 0.95]).Distinct().Order().ToArray();
        var rows = new ParameterSummary[draws.ParameterCount];
        // Parameters are independent: summarise them on every core, each worker with its own workspace.
        // At most one worker per core: each holds a workspace the size of a parameter's draws.
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount };
        Parallel.For(0, draws.ParameterCount, parallel, () => new ConvergenceMath(draws.Chains, draws.Iterations), (p, _, math) =>
        {
            rows[p] = SummariseOne(draws.Names[p], draws.Draws(p), math, probs, options.IntervalLevel);
            return math;
        }, _ => { });
        var warnings = Warnings(draws, rows);
        return new DiagnosticsTable(rows, warnings, draws.Chains, draws.Iterations, options);
    }

    private static ParameterSummary SummariseOne(string name, ReadOnlySpan<double> x, ConvergenceMath math, double[] probs, double level)
    {
        double largest = 0;
        foreach (double v in x)
        {
            if (!double.IsFinite(v))
            {
                // As posterior: any NaN or infinite draw makes every summary of the parameter missing.
                double nan = double.NaN;
                return new ParameterSummary(name, nan, nan, nan, nan, probs.Select(p => (p, nan)).ToArray(),
                    nan, nan, nan, nan, nan, nan, nan, nan, nan, nan, nan, nan, nan, nan, Constant: false);
            }
            largest = Math.Max(largest, Math.Abs(v));
        }
        // Draws near the ends of double's range (1e300 squares to ∞, 1e-300 spreads below ε) are summarised scaled by
        // a power of two — exact — and the summaries of location and scale scaled back; R̂ and ESS do not change with scale.
        if (largest > 0 && (largest > 1e100 || largest < 1e-100))
        {
            int exponent = Math.ILogB(largest);
            var scaled = new double[x.Length];
            for (int i = 0; i < x.Length; i++) scaled[i] = Math.ScaleB(x[i], -exponent);
            return Rescale(SummariseScaled(name, scaled, math, probs, level), exponent);
        }
        return SummariseScaled(name, x, math, probs, level);
    }

    private static ParameterSummary Rescale(ParameterSummary r, int exponent)
    {
        double S(double v) => Math.ScaleB(v, exponent);
        return r with
        {
            Mean = S(r.Mean), Median = S(r.Median), Sd = S(r.Sd), Mad = S(r.Mad), Quantiles = r.Quantiles.Select(q => (q.Probability, S(q.Value))).ToArray(),
            McseMean = S(r.McseMean), McseSd = S(r.McseSd), McseQ5 = S(r.McseQ5), McseQ95 = S(r.McseQ95),
            CentralLower = S(r.CentralLower), CentralUpper = S(r.CentralUpper), HdiLower = S(r.HdiLower), HdiUpper = S(r.HdiUpper),
        };
    }

    private static ParameterSummary SummariseScaled(string name, ReadOnlySpan<double> x, ConvergenceMath math, double[] probs, double level)
    {
        int n = x.Length;
        double mean = 0;
        foreach (double v in x) mean += v;
        mean /= n;
        double ss = 0, m4 = 0;
        foreach (double v in x) { double d = v - mean; ss += d * d; m4 += d * d * d * d; }
        double sd = Math.Sqrt(ss / (n - 1));
        var draws = math.Sort(x);
        var sorted = draws.Values;
        double median = draws.Median;
        double mad = 1.4826 * draws.MedianAbsoluteDeviation();
        var quantiles = new (double, double)[probs.Length];
        for (int i = 0; i < probs.Length; i++) quantiles[i] = (probs[i], draws.Quantile(probs[i]));
        double lo = (1 - level) / 2;
        var (hdiLower, hdiUpper) = Hdi(sorted, level);
        // A constant parameter has no R̂, ESS or MCSE (posterior gives NA).
        if (ConvergenceMath.IsConstant(sorted))
        {
            double nan = double.NaN;
            return new ParameterSummary(name, mean, median, sd, mad, quantiles, nan, nan, nan, nan, nan, nan, nan, nan, nan, nan,
                draws.Quantile(lo), draws.Quantile(1 - lo), hdiLower, hdiUpper, Constant: true);
        }

        double essBasic = draws.EssBasic();
        double essQ5 = draws.EssQuantile(0.05), essQ95 = draws.EssQuantile(0.95);
        double essSq = draws.EssOfSquaredDeviation(mean);
        double evar = ss / n;
        double mcseSd = Math.Sqrt((m4 / n - evar * evar) / essSq / evar / 4);
        return new ParameterSummary(
            name, mean, median, sd, mad, quantiles,
            draws.Rhat(), draws.RhatBasic(), draws.EssBulk(), Math.Min(essQ5, essQ95), essBasic, essBasic,
            sd / Math.Sqrt(essBasic), mcseSd, McseQuantile(sorted, 0.05, essQ5), McseQuantile(sorted, 0.95, essQ95),
            draws.Quantile(lo), draws.Quantile(1 - lo), hdiLower, hdiUpper, Constant: false);
    }

    /// <summary>posterior's mcse_quantile: half the width of the ±1 sd interval of the quantile's beta posterior, read off the sorted draws.</summary>
    private static double McseQuantile(ReadOnlySpan<double> sorted, double prob, double ess)
    {
        if (double.IsNaN(ess)) return double.NaN;
        int s = sorted.Length;
        double a1 = BetaQuantile(ess * prob + 1, ess * (1 - prob) + 1, 0.1586553);
        double a2 = BetaQuantile(ess * prob + 1, ess * (1 - prob) + 1, 0.8413447);
        double th1 = sorted[Math.Max((int)Math.Floor(a1 * s), 1) - 1];
        double th2 = sorted[Math.Min((int)Math.Ceiling(a2 * s), s) - 1];
        return (th2 - th1) / 2;
    }

    /// <summary>Quantile of Beta(a, b) by Newton's method on the regularised incomplete beta function, from a normal
    /// start and guarded by bisection: a few function evaluations where a general inverse takes dozens.</summary>
    internal static double BetaQuantile(double a, double b, double p)
    {
        double mean = a / (a + b), sd = Math.Sqrt(a * b / ((a + b) * (a + b) * (a + b + 1)));
        double x = Math.Clamp(mean + sd * ConvergenceMath.NormalQuantile(p), 1e-12, 1 - 1e-12);
        double lo = 0, hi = 1;
        double logBeta = MathNet.Numerics.SpecialFunctions.BetaLn(a, b);
        for (int i = 0; i < 100; i++)
        {
            double f = MathNet.Numerics.SpecialFunctions.BetaRegularized(a, b, x) - p;
            if (f > 0) hi = x; else lo = x;
            double density = Math.Exp((a - 1) * Math.Log(x) + (b - 1) * Math.Log(1 - x) - logBeta);
            double next = density > 0 ? x - f / density : (lo + hi) / 2;
            if (!(next > lo && next < hi)) next = (lo + hi) / 2;
            if (Math.Abs(next - x) <= 1e-15 * Math.Max(x, 1e-300)) return next;
            x = next;
        }
        return x;
    }

    /// <summary>The shortest interval holding ⌊level·n⌋ + 1 of the sorted draws (as ArviZ computes the HDI).</summary>
    public static (double Lower, double Upper) Hdi(ReadOnlySpan<double> sorted, double level)
    {
        int n = sorted.Length;
        int inc = (int)Math.Floor(level * n);
        if (inc >= n) return (sorted[0], sorted[n - 1]);
        int best = 0;
        double width = double.PositiveInfinity;
        for (int i = 0; i + inc < n; i++)
        {
            double w = sorted[i + inc] - sorted[i];
            if (w < width) { width = w; best = i; }
        }
        return (sorted[best], sorted[best + inc]);
    }

    private static List<string> Warnings(DrawSet draws, ParameterSummary[] rows)
    {
        var warnings = new List<string>();
        string List(IEnumerable<string> names)
        {
            var all = names.ToList();
            return all.Count <= 8 ? string.Join(", ", all) : string.Join(", ", all.Take(8)) + $" and {all.Count - 8} more";
        }
        var nonFinite = rows.Where(r => !double.IsFinite(r.Mean)).Select(r => r.Variable).ToList();
        if (nonFinite.Count > 0)
            warnings.Add($"Draws that are NaN or infinite (no R̂ or ESS): {List(nonFinite)}. The sampler produced invalid values: check the model and its initial values.");
        var constant = rows.Where(r => r.Constant).Select(r => r.Variable).ToList();
        if (constant.Count > 0)
            warnings.Add($"Constant in every draw (no R̂ or ESS): {List(constant)}. A fixed quantity, or a sampler that never moved it.");
        var rhat = rows.Where(r => r.Rhat > RhatThreshold).Select(r => $"{r.Variable} ({r.Rhat.ToString("F3", CultureInfo.InvariantCulture)})").ToList();
        if (rhat.Count > 0)
            warnings.Add($"R̂ above {RhatThreshold}: {List(rhat)}. The chains have not mixed: run longer (more warm-up and draws), or reparameterise.");
        double essMin = EssPerChainThreshold * draws.Chains;
        var lowBulk = rows.Where(r => r.EssBulk < essMin).Select(r => $"{r.Variable} ({r.EssBulk:F0})").ToList();
        if (lowBulk.Count > 0)
            warnings.Add($"Bulk-ESS below {essMin:F0} ({EssPerChainThreshold:F0} per chain): {List(lowBulk)}. Means and medians are imprecise: run more iterations or thin less.");
        var lowTail = rows.Where(r => r.EssTail < essMin).Select(r => $"{r.Variable} ({r.EssTail:F0})").ToList();
        if (lowTail.Count > 0)
            warnings.Add($"Tail-ESS below {essMin:F0} ({EssPerChainThreshold:F0} per chain): {List(lowTail)}. The 5% and 95% quantiles (interval ends) are imprecise: run more iterations.");
        if (draws.Chains > 1)
        {
            var stuck = new List<string>();
            var far = new List<string>();
            for (int p = 0; p < draws.ParameterCount; p++)
            {
                if (rows[p].Constant || !double.IsFinite(rows[p].Mean)) continue;
                var means = new double[draws.Chains];
                var sds = new double[draws.Chains];
                for (int c = 0; c < draws.Chains; c++)
                {
                    var chain = draws.Chain(p, c);
                    double m = 0;
                    foreach (double v in chain) m += v;
                    m /= chain.Length;
                    double s = 0;
                    foreach (double v in chain) s += (v - m) * (v - m);
                    means[c] = m;
                    sds[c] = Math.Sqrt(s / Math.Max(chain.Length - 1, 1));
                    if (ConvergenceMath.IsConstant(chain)) stuck.Add($"{draws.Names[p]} (chain {c + 1})");
                }
                if (!(rows[p].Rhat > RhatThreshold)) continue;
                // Against the median of the other chains' means, so one stray chain does not drag the rest with it.
                for (int c = 0; c < draws.Chains; c++)
                {
                    var others = Enumerable.Range(0, draws.Chains).Where(o => o != c).Select(o => means[o]).Order().ToArray();
                    double center = ConvergenceMath.Median(others);
                    double within = Enumerable.Range(0, draws.Chains).Where(o => o != c).Average(o => sds[o]);
                    if (Math.Abs(means[c] - center) > 0.5 * within) far.Add($"{draws.Names[p]} (chain {c + 1})");
                }
            }
            if (stuck.Count > 0)
                warnings.Add($"Stuck chains (the same value in every draw of the chain): {List(stuck)}. Check the initial values and the proposal of that sampler.");
            if (far.Count > 0)
                warnings.Add($"Chains whose mean sits far from the other chains': {List(far)}. Such a chain may be in another mode or not yet converged: run longer, check for multimodality, and discard a chain only with reason.");
        }
        return warnings;
    }
}
