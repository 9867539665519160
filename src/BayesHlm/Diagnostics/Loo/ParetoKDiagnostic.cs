namespace BayesHlm.Diagnostics.Loo;

/// <summary>One band of loo 2.5.1's Pareto k table.</summary>
/// <param name="Interval">The band as loo labels it, e.g. "(0.5, 0.7]".</param>
/// <param name="Label">good, ok, bad or very bad.</param>
/// <param name="Count">Observations whose k̂ falls in the band.</param>
/// <param name="Proportion">Count / N.</param>
/// <param name="MinNEff">Smallest PSIS n_eff in the band; NaN when the band is empty.</param>
public sealed record ParetoKBand(string Interval, string Label, int Count, double Proportion, double MinNEff);

/// <summary>
/// The Pareto k̂ diagnostic of a PSIS-LOO: loo 2.5.1's bands (−∞, 0.5], (0.5, 0.7], (0.7, 1], (1, ∞) and the
/// observations above its fixed 0.7 threshold. loo 2.6 and later (Vehtari et al. 2024) use the sample-size
/// dependent threshold min(1 − 1/log10 S, 0.7), which is also reported: below 0.7 only for S &lt; 2,154 draws.
/// </summary>
public sealed class ParetoKDiagnostic
{
    /// <summary>k̂ up to this is good.</summary>
    public const double GoodThreshold = 0.5;
    /// <summary>k̂ above this (loo 2.5.1's fixed threshold) makes the PSIS estimate unreliable.</summary>
    public const double BadThreshold = 0.7;
    /// <summary>k̂ above this is very bad: the importance ratios have no finite mean.</summary>
    public const double VeryBadThreshold = 1;

    private static readonly (string Interval, string Label)[] BandNames =
        [("(-Inf, 0.5]", "good"), ("(0.5, 0.7]", "ok"), ("(0.7, 1]", "bad"), ("(1, Inf)", "very bad")];

    private readonly double[] _k;

    /// <param name="paretoK">k̂ of each observation.</param>
    /// <param name="nEff">PSIS n_eff of each observation.</param>
    /// <param name="draws">S, for the sample-size dependent threshold.</param>
    public ParetoKDiagnostic(IReadOnlyList<double> paretoK, IReadOnlyList<double> nEff, int draws)
    {
        ArgumentNullException.ThrowIfNull(paretoK);
        ArgumentNullException.ThrowIfNull(nEff);
        if (paretoK.Count != nEff.Count) throw new ArgumentException("One n_eff per k̂ is needed.", nameof(nEff));
        _k = paretoK.ToArray();
        SampleSizeThreshold = SampleSizeDependentThreshold(draws);
        var bands = new List<ParetoKBand>();
        for (int b = 0; b < BandNames.Length; b++)
        {
            var members = Enumerable.Range(0, _k.Length).Where(i => Band(_k[i]) == b).ToList();
            double minNEff = members.Count == 0 ? double.NaN : members.Min(i => nEff[i]);
            bands.Add(new ParetoKBand(BandNames[b].Interval, BandNames[b].Label, members.Count, (double)members.Count / _k.Length, minNEff));
        }
        Bands = bands;
    }

    /// <summary>The four bands, good first.</summary>
    public IReadOnlyList<ParetoKBand> Bands { get; }

    /// <summary>min(1 − 1/log10 S, 0.7): the threshold of loo ≥ 2.6 for S draws.</summary>
    public double SampleSizeThreshold { get; }

    /// <summary>True when every k̂ is at most 0.7 (loo then reports the Monte Carlo SE of elpd_loo).</summary>
    public bool AllBelowBadThreshold => _k.All(k => !(k > BadThreshold));

    /// <summary>Indices (0-based) of the observations whose k̂ exceeds <paramref name="threshold"/>, as loo's pareto_k_ids.</summary>
    /// <param name="threshold">The k̂ above which an observation is listed.</param>
    public IReadOnlyList<int> ObservationsAbove(double threshold) =>
        Enumerable.Range(0, _k.Length).Where(i => _k[i] > threshold).ToList();

    /// <summary>min(1 − 1/log10 S, 0.7) (Vehtari, Simpson, Gelman, Yao and Gabry 2024, "Pareto smoothed importance sampling").</summary>
    /// <param name="draws">S, the number of draws.</param>
    public static double SampleSizeDependentThreshold(int draws) => Math.Min(1 - 1 / Math.Log10(draws), BadThreshold);

    /// <summary>R's cut with right-closed intervals: +∞ falls in the last band, NaN in none.</summary>
    private static int Band(double k) =>
        k <= GoodThreshold ? 0 : k <= BadThreshold ? 1 : k <= VeryBadThreshold ? 2 : k > VeryBadThreshold ? 3 : -1;
}
