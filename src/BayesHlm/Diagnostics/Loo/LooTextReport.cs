using System.Globalization;
using System.Text;
using BayesHlm.Reporting;

namespace BayesHlm.Diagnostics.Loo;

/// <summary>
/// PSIS-LOO, WAIC and loo_compare as console text laid out as R's print methods of loo 2.5.1 lay them out
/// (one decimal, the Pareto k table with counts, percentages and the smallest n_eff per band), with warnings
/// that name the observations concerned and say what to do. Lines fit 80 columns.
/// </summary>
public static class LooTextReport
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;
    private const int NamesShown = 5;

    /// <summary>One model: the LOO table, its diagnostics, the WAIC table.</summary>
    /// <param name="model">The model's LOO and WAIC.</param>
    public static string ToText(LooModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var loo = model.Loo;
        var sb = new StringBuilder();
        sb.Append(Inv, $"{model.Name}: computed from {loo.Draws} by {loo.Names.Count} log-likelihood matrix (as loo 2.5.1)\n\n");
        Estimates(sb, ("elpd_loo", loo.ElpdLoo), ("p_loo", loo.PLoo), ("looic", loo.LooIc));
        sb.Append("------\n");
        sb.Append($"Monte Carlo SE of elpd_loo is {Fixed(loo.McseElpdLoo)}.\n\n");
        ParetoTable(sb, loo);
        sb.Append('\n');
        Estimates(sb, ("elpd_waic", model.Waic.ElpdWaic), ("p_waic", model.Waic.PWaic), ("waic", model.Waic.Criterion));
        int large = model.Waic.LargePWaicCount;
        if (large > 0)
            sb.Append('\n').Append(Format.Bullet(string.Create(Inv,
                $"{large} ({100.0 * large / loo.Names.Count:F1}%) p_waic estimates greater than {Waic.PWaicWarningThreshold}. We recommend trying loo instead.")));
        return sb.ToString();
    }

    /// <summary>loo_compare's table, best model first, with each model's own elpd_loo and SE.</summary>
    /// <param name="comparison">The comparison.</param>
    public static string ToText(LooComparison comparison)
    {
        ArgumentNullException.ThrowIfNull(comparison);
        var table = new TextTable("model", "elpd_diff", "se_diff", "elpd_loo", "se_elpd_loo", "p_loo", "looic");
        foreach (var r in comparison.Rows)
            table.Add(r.Name, Fixed(r.ElpdDiff), Fixed(r.SeDiff), Fixed(r.ElpdLoo.Estimate), Fixed(r.ElpdLoo.Se), Fixed(r.PLoo.Estimate), Fixed(r.LooIc.Estimate));
        return "Model comparison (loo_compare), best first:\n" + table.Render();
    }

    private static void Estimates(StringBuilder sb, params (string Name, LooEstimate Value)[] rows)
    {
        int nameWidth = rows.Max(r => r.Name.Length);
        int estimateWidth = Math.Max("Estimate".Length, rows.Max(r => Fixed(r.Value.Estimate).Length));
        int seWidth = Math.Max("SE".Length, rows.Max(r => Fixed(r.Value.Se).Length));
        sb.Append(' ', nameWidth + 1).Append("Estimate".PadLeft(estimateWidth)).Append(' ').Append("SE".PadLeft(seWidth)).Append('\n');
        foreach (var (name, value) in rows)
            sb.Append(name.PadRight(nameWidth + 1)).Append(Fixed(value.Estimate).PadLeft(estimateWidth)).Append(' ')
              .Append(Fixed(value.Se).PadLeft(seWidth)).Append('\n');
    }

    private static void ParetoTable(StringBuilder sb, LooResult loo)
    {
        var diagnostic = loo.Diagnostic;
        var bands = diagnostic.Bands;
        if (bands.Skip(1).All(b => b.Count == 0))
        {
            sb.Append("All Pareto k estimates are good (k < 0.5).\n");
            return;
        }
        sb.Append("Pareto k diagnostic values:\n");
        sb.Append($"{"",-25}{"Count",6}{"Pct.",8}{"Min. n_eff",12}\n");
        foreach (var b in bands)
            sb.Append(string.Create(Inv, $"{b.Interval,11}  {"(" + b.Label + ")",-12}{b.Count,6}{100 * b.Proportion,7:F1}%{(double.IsNaN(b.MinNEff) ? "NA" : Math.Round(b.MinNEff).ToString(Inv)),12}\n"));
        var bad = diagnostic.ObservationsAbove(ParetoKDiagnostic.BadThreshold);
        if (bad.Count == 0) sb.Append("\nAll Pareto k estimates are ok (k < 0.7).\n");
        else
        {
            var shown = bad.OrderByDescending(i => loo.ParetoK[i]).Take(NamesShown)
                .Select(i => string.Create(Inv, $"{loo.Names[i]} (k = {loo.ParetoK[i]:F2})"));
            string more = bad.Count > NamesShown ? $" and {bad.Count - NamesShown} more" : "";
            sb.Append('\n').Append(Format.Bullet(
                $"{Count(bad.Count, "observation has", "observations have")} Pareto k above {ParetoKDiagnostic.BadThreshold.ToString(Inv)}: " +
                $"{string.Join(", ", shown)}{more}. Their leave-one-out estimates are unreliable, and so are elpd_loo and its SE. " +
                "Refit the model leaving each of them out (exact LOO for those points), or use K-fold cross-validation; " +
                "such observations are often outliers that a model with heavier tails fits better."));
        }
        if (diagnostic.ObservationsAbove(diagnostic.SampleSizeThreshold).Count > 0) sb.Append(Format.Bullet(SampleSizeNote(loo)));
    }

    /// <summary>loo ≥ 2.6's threshold, for readers who compare with a newer loo.</summary>
    private static string SampleSizeNote(LooResult loo)
    {
        double threshold = loo.Diagnostic.SampleSizeThreshold;
        string note = string.Create(Inv,
            $"The threshold 0.7 is loo 2.5.1's; loo 2.6 and later use min(1 - 1/log10(S), 0.7) = {threshold:F2} for S = {loo.Draws} draws");
        int above = loo.Diagnostic.ObservationsAbove(threshold).Count;
        return threshold < ParetoKDiagnostic.BadThreshold ? note + $", which {Count(above, "observation exceeds", "observations exceed")}." : note + ".";
    }

    private static string Count(int n, string one, string many) => n == 1 ? $"1 {one}" : $"{n} {many}";

    private static string Fixed(double x) => double.IsNaN(x) ? "NA" : x.ToString("F1", Inv);
}
