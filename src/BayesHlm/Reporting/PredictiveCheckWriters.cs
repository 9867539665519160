using System.Text;
using System.Text.Json;
using BayesHlm.ModelChecks;

namespace BayesHlm.Reporting;

/// <summary>A posterior predictive check as text (80 columns) and as JSON.</summary>
public static class PredictiveCheckWriters
{
    /// <summary>p-values beyond these tails are called extreme.</summary>
    public const double Tail = 0.025;

    /// <summary>The table of statistics, the extreme ones named, and the grouped check's count.</summary>
    public static string ToText(PredictiveCheckResult check)
    {
        ArgumentNullException.ThrowIfNull(check);
        var sb = new StringBuilder();
        if (check.Prior)
            sb.Append($"Prior predictive check: {check.Draws:N0} data sets drawn from the priors alone (no data used)\n\n");
        else
            sb.Append($"Posterior predictive check: {check.Draws:N0} replicated data sets,\n")
              .Append(check.NewGroups ? "each in new groups\n\n" : "new observations in the same groups\n\n");
        var table = new TextTable("statistic", "observed", "replicated", "5%", "95%", "p");
        foreach (var s in check.Statistics)
        {
            var (mean, q5, q95) = s.ReplicatedSummary();
            table.Add(s.Name, Format.Num(s.Observed, 4), Format.Num(mean, 4), Format.Num(q5, 4), Format.Num(q95, 4), Format.Fixed(s.PValue, 3));
        }
        sb.Append(table.Render());
        sb.Append('\n').Append(Format.Wrap(check.Prior
            ? "p = Pr(T(y_rep) ≥ T(y)). Near 0 or 1, the priors make the data's value unlikely: look at the replicated range — priors that put y where it cannot be (or spread it over many orders of magnitude) are worth revisiting."
            : "p = Pr(T(y_rep) ≥ T(y)). Near 0 or 1, the model does not reproduce that feature of the data."));
        var extreme = check.Prior ? [] : check.Statistics.Where(s => s.PValue < Tail || s.PValue > 1 - Tail).ToList();
        if (extreme.Count > 0)
        {
            sb.Append('\n');
            foreach (var s in extreme)
                sb.Append(Format.Bullet($"{s.Name}: the data's value {Format.Num(s.Observed, 4)} is {(s.PValue < Tail ? "above" : "below")} almost every replicated value (p = {Format.Fixed(s.PValue, 3)}). {Advice(s.Name, s.PValue < Tail)}"));
        }
        if (check.GroupMeans is { } g && !check.Prior)
        {
            int outside = g.Extreme(0.05);
            sb.Append('\n').Append(Format.Wrap($"Mean of y per {g.Level}: {outside} of {g.Groups.Count} groups outside their replicated 90% interval. " +
                (check.NewGroups
                    ? "In new groups about 10% are expected outside; many more say the groups differ more than the model's group-level variance allows."
                    : "The groups' own effects were fitted to these means, so fewer than 10% outside is usual; many outside point to groups the model fits badly.")));
            var worst = Enumerable.Range(0, g.Groups.Count).Where(j => g.PValues[j] < 0.005 || g.PValues[j] > 0.995).OrderBy(j => Math.Min(g.PValues[j], 1 - g.PValues[j])).Take(5).ToList();
            if (worst.Count > 0)
                sb.Append(Format.Wrap($"Most extreme: {string.Join(", ", worst.Select(j => $"{g.Groups[j]} (p = {Format.Fixed(g.PValues[j], 3)})"))}."));
        }
        return sb.ToString();
    }

    private static string Advice(string statistic, bool dataAbove) => statistic switch
    {
        "skewness" => dataAbove ? "The outcome is more right-skewed than a normal model allows: consider a transformation (log) or another family." : "The outcome is more left-skewed than a normal model allows: consider a transformation or another family.",
        "max" => dataAbove ? "The data have a larger extreme than the model predicts: a heavy upper tail or outliers (look at the largest residuals)." : "The data stop short of the extremes the model predicts: a bounded outcome (a ceiling), or lighter tails than normal.",
        "min" => dataAbove ? "The data stop short of the extremes the model predicts: a bounded outcome (a floor), or lighter tails than normal." : "The data have a smaller extreme than the model predicts: a heavy lower tail or outliers (look at the largest residuals).",
        "sd" => dataAbove ? "The data vary more than the model predicts." : "The data vary less than the model predicts.",
        "share of zeros" => dataAbove ? "More zeros than a Poisson model predicts: zero inflation or overdispersion." : "Fewer zeros than the model predicts.",
        _ when statistic.StartsWith("sd of group means", StringComparison.Ordinal) || statistic.StartsWith("ICC", StringComparison.Ordinal) =>
            "The groups differ more (or less) than the model's group-level variance implies: a missing group-level predictor or random slope?",
        _ => "The model misses this feature of the data.",
    };

    /// <summary>Every statistic's observed value, p-value and replicated quantiles; the grouped check's p-values.</summary>
    public static string ToJson(PredictiveCheckResult check)
    {
        ArgumentNullException.ThrowIfNull(check);
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            w.WriteNumber("draws", check.Draws);
            w.WriteBoolean("new_groups", check.NewGroups);
            if (check.Prior) w.WriteBoolean("prior", true);
            w.WriteStartArray("statistics");
            foreach (var s in check.Statistics)
            {
                var (mean, q5, q95) = s.ReplicatedSummary();
                w.WriteStartObject();
                w.WriteString("name", s.Name);
                JsonArrays.WriteNumber(w, "observed", s.Observed);
                JsonArrays.WriteNumber(w, "p", s.PValue);
                if (double.IsFinite(mean))
                {
                    JsonArrays.WriteNumber(w, "replicated_mean", mean);
                    JsonArrays.WriteNumber(w, "replicated_q5", q5);
                    JsonArrays.WriteNumber(w, "replicated_q95", q95);
                }
                w.WriteEndObject();
            }
            w.WriteEndArray();
            if (check.GroupMeans is { } g)
            {
                w.WriteStartObject("group_means");
                w.WriteString("level", g.Level);
                w.WriteStartArray("groups");
                foreach (string name in g.Groups) w.WriteStringValue(name);
                w.WriteEndArray();
                JsonArrays.WriteFiniteOrNull(w, "observed", g.Observed);
                JsonArrays.Write(w, "p", g.PValues);
                w.WriteEndObject();
            }
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(stream.ToArray());
    }
}
