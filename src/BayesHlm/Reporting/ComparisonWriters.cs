using System.Globalization;
using System.Text;
using BayesHlm.Comparison;

namespace BayesHlm.Reporting;

/// <summary>compare.csv (parameters, then groups) and the console tables of a comparison.</summary>
public static class ComparisonWriters
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>One CSV: a row per parameter (section "parameter"), then a row per group coefficient (section "group").</summary>
    public static string ToCsv(ComparisonTable table)
    {
        ArgumentNullException.ThrowIfNull(table);
        var sb = new StringBuilder();
        sb.Append("section,name,kind,reml_estimate,reml_se,reml_lower,reml_upper,post_mean,post_median,post_sd,post_lower,post_upper,difference_in_sd,disagree,")
          .Append("group,term,rows,ols,fixed_part,eb,eb_se,reliability,post_reliability,eb_shrinkage,post_shrinkage,reasons\n");
        foreach (var p in table.Parameters)
            sb.Append(string.Join(",", "parameter", CsvText.Quote(p.Parameter), p.Kind, N(p.Estimate), N(p.StandardError), N(p.Lower), N(p.Upper), N(p.Mean), N(p.Median),
                N(p.Sd), N(p.Lower95), N(p.Upper95), N(p.Difference), p.Disagree ? "TRUE" : "FALSE", "", "", "", "", "", "", "", "", "", "", "", CsvText.Quote(string.Join(" ", p.Reasons)))).Append('\n');
        foreach (var g in table.Groups)
            sb.Append(string.Join(",", "group", CsvText.Quote(g.Level), "coefficient", "", "", "", "", N(g.PosteriorMean), "", N(g.PosteriorSd), "", "", "", "",
                CsvText.Quote(g.Group), CsvText.Quote(g.Term), g.Rows.ToString(Inv), N(g.Ols), N(g.FixedPart), N(g.Eb), N(g.EbSe), N(g.Reliability), N(g.PosteriorReliability),
                N(g.EbShrinkage), N(g.PosteriorShrinkage), "")).Append('\n');
        return sb.ToString();
    }

    /// <summary>80-column tables: parameters side by side, the notes, average reliabilities, and the <paramref name="top"/> most-shrunk groups.</summary>
    public static string ToText(ComparisonTable table, int top = 10)
    {
        ArgumentNullException.ThrowIfNull(table);
        var sb = new StringBuilder();
        sb.Append($"{table.Method} estimates (95% CI) beside the posterior (mean, sd, 95% interval)\n\n");
        var t = new TextTable("Parameter", table.Method, "95% CI", "Mean", "sd", "95% interval", "diff");
        foreach (var p in table.Parameters)
            t.Add(p.Parameter + (p.Disagree ? " *" : ""), Format.Num(p.Estimate, 4), Interval(p.Lower, p.Upper), Format.Num(p.Mean, 4), Format.Num(p.Sd, 3),
                Interval(p.Lower95, p.Upper95), Format.Fixed(p.Difference, 2));
        sb.Append(t.Render());
        sb.Append($"(diff: posterior mean − {table.Method}, in posterior sds; * the two disagree materially)\n");
        var notes = table.Parameters.Where(p => p.Reasons.Count > 0).ToList();
        if (notes.Count > 0)
        {
            sb.Append("\nWhy they differ\n");
            foreach (var p in notes)
                foreach (var r in p.Reasons) sb.Append(Format.Bullet($"{p.Parameter}: {r}"));
        }
        if (table.AverageReliability.Count > 0)
        {
            sb.Append("\nReliability (average over groups)\n");
            var r = new TextTable("Level", "Coefficient", "HLM (REML)", "Posterior");
            foreach (var (level, term, rel, post) in table.AverageReliability) r.Add(level, term, Format.Fixed(rel, 3), Format.Fixed(post, 3));
            sb.Append(r.Render());
        }
        var shrunk = table.Groups.Where(g => g.PulledInOlsSe is not null).OrderByDescending(g => g.PulledInOlsSe!.Value).Take(top).ToList();
        if (shrunk.Count > 0)
        {
            sb.Append($"\nThe {shrunk.Count} most-shrunk group coefficients (OLS → EB → posterior mean)\n");
            var g = new TextTable("Group: coefficient", "n", "OLS", "EB", "Post.", "Rel.", "Pull", "Share");
            foreach (var x in shrunk)
                g.Add($"{x.Level}={x.Group}: {x.Term}", x.Rows.ToString(Inv), Format.Num(x.Ols ?? double.NaN, 4), Format.Num(x.Eb, 4), Format.Num(x.PosteriorMean, 4),
                    Format.Fixed(x.Reliability, 2), Format.Fixed(x.PulledInOlsSe!.Value, 1), x.PosteriorShrinkage is double sh ? Format.Fixed(sh, 2) : ".");
            sb.Append(g.Render());
            sb.Append("(Pull: |OLS − posterior mean| in OLS SEs. Share: of the way from OLS to the\n" +
                      " fixed part, where OLS is over one SE from it. Low reliability: more shrinkage.)\n");
        }
        return sb.ToString();
    }

    private static string Interval(double lo, double hi) => double.IsFinite(lo) && double.IsFinite(hi) ? $"[{Format.Num(lo, 3)}, {Format.Num(hi, 3)}]" : ".";

    private static string N(double? v) => v is double x && double.IsFinite(x) ? x.ToString("R", Inv) : "";

}
