namespace BayesHlm.Diagnostics.Loo;

/// <summary>One model's row of a <see cref="LooComparison"/>.</summary>
/// <param name="Name">The model's name.</param>
/// <param name="ElpdDiff">Σ_i (elpd_loo_i of this model − elpd_loo_i of the best): 0 for the best, negative otherwise.</param>
/// <param name="SeDiff">√N · sd of those pointwise differences (0 for the best).</param>
/// <param name="ElpdLoo">The model's own elpd_loo and SE.</param>
/// <param name="PLoo">The model's p_loo and SE.</param>
/// <param name="LooIc">The model's looic and SE.</param>
public sealed record LooComparisonRow(string Name, double ElpdDiff, double SeDiff, LooEstimate ElpdLoo, LooEstimate PLoo, LooEstimate LooIc);

/// <summary>
/// loo 2.5.1's <c>loo_compare</c>: models ordered by elpd_loo, best first (ties in the order given), each with
/// its elpd difference to the best and the SE of that difference from the paired pointwise differences —
/// much smaller than the SEs of the two elpd_loo when the models err on the same observations.
/// </summary>
public sealed class LooComparison
{
    private LooComparison(IReadOnlyList<LooComparisonRow> rows) => Rows = rows;

    /// <summary>The models, best (highest elpd_loo) first.</summary>
    public IReadOnlyList<LooComparisonRow> Rows { get; }

    /// <summary>Compares two or more models fitted to the same observations. A <see cref="DataException"/> when
    /// their numbers of observations differ (loo: "Not all models have the same number of data points").</summary>
    /// <param name="models">Name and PSIS-LOO of each model.</param>
    public static LooComparison Compare(IReadOnlyList<(string Name, LooResult Loo)> models)
    {
        ArgumentNullException.ThrowIfNull(models);
        if (models.Count < 2) throw new ArgumentException("A comparison needs at least two models.", nameof(models));
        int n = models[0].Loo.PointwiseElpdLoo.Count;
        if (models.Any(m => m.Loo.PointwiseElpdLoo.Count != n))
            throw new DataException("The models have different numbers of observations (" +
                                    string.Join(", ", models.Select(m => $"{m.Name}: {m.Loo.PointwiseElpdLoo.Count}")) +
                                    "). loo_compare needs the same observations under every model.");
        var ordered = models.OrderByDescending(m => m.Loo.ElpdLoo.Estimate).ToList();
        var best = ordered[0].Loo.PointwiseElpdLoo;
        var diff = new double[n];
        var rows = new List<LooComparisonRow>();
        foreach (var (name, loo) in ordered)
        {
            for (int i = 0; i < n; i++) diff[i] = loo.PointwiseElpdLoo[i] - best[i];
            var d = LooEstimate.Of(diff);
            rows.Add(new LooComparisonRow(name, d.Estimate, d.Se, loo.ElpdLoo, loo.PLoo, loo.LooIc));
        }
        return new LooComparison(rows);
    }
}
