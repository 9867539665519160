using System.Globalization;
using System.Text;
using BayesHlm.Prediction;

namespace BayesHlm.Reporting;

/// <summary>Predictions as CSV (every row) and as an 80-column preview.</summary>
public static class PredictionWriters
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>One line per predicted row: its data line, its groups (and whether each was new), then the fit's and the
    /// new observation's mean, sd, 2.5% and 97.5% quantiles.</summary>
    public static string ToCsv(PredictionTable table)
    {
        ArgumentNullException.ThrowIfNull(table);
        var sb = new StringBuilder("line");
        foreach (string level in table.Levels) sb.Append(',').Append(CsvText.Quote(level)).Append(',').Append(CsvText.Quote($"{level}_new"));
        sb.Append(",fit_mean,fit_sd,fit_q2.5,fit_q97.5,pred_mean,pred_sd,pred_q2.5,pred_q97.5\n");
        foreach (var r in table.Rows)
        {
            sb.Append(r.Line.ToString(Inv));
            for (int k = 0; k < table.Levels.Count; k++) sb.Append(',').Append(CsvText.Quote(r.Groups[k])).Append(',').Append(r.NewGroup[k] ? "true" : "false");
            foreach (var s in new[] { r.Fit, r.Predicted })
                sb.Append(',').Append(s.Mean.ToString("R", Inv)).Append(',').Append(s.Sd.ToString("R", Inv))
                  .Append(',').Append(s.Lower.ToString("R", Inv)).Append(',').Append(s.Upper.ToString("R", Inv));
            sb.Append('\n');
        }
        return sb.ToString();
    }


    /// <summary>The first <paramref name="rows"/> rows, and what the columns mean.</summary>
    public static string ToText(PredictionTable table, int rows = 10)
    {
        ArgumentNullException.ThrowIfNull(table);
        var sb = new StringBuilder();
        string fit = table.Family switch
        {
            Model.Family.Gaussian => "E(y)",
            Model.Family.Poisson => "rate",
            _ => "Pr(y=1)",
        };
        if (table.Family == Model.Family.Binomial) fit = "p";
        var t = new TextTable("line", "group", fit, "2.5%", "97.5%", "new y", "2.5%", "97.5%");
        foreach (var r in table.Rows.Take(rows))
            t.Add(r.Line.ToString(Inv), r.Groups.Length == 0 ? "" : r.Groups[0] + (r.NewGroup.Any(b => b) ? " (new)" : ""),
                Format.Num(r.Fit.Mean, 4), Format.Num(r.Fit.Lower, 4), Format.Num(r.Fit.Upper, 4),
                Format.Num(r.Predicted.Mean, 4), Format.Num(r.Predicted.Lower, 4), Format.Num(r.Predicted.Upper, 4));
        sb.Append(t.Render());
        if (table.Rows.Count > rows) sb.Append($"… and {table.Rows.Count - rows:N0} more rows.\n");
        int fresh = table.Rows.Count(r => r.NewGroup.Any(b => b));
        sb.Append('\n').Append(Format.Wrap(
            $"{table.Rows.Count:N0} rows predicted" + (table.RowsDropped > 0 ? $" ({table.RowsDropped:N0} rows of the new data left out: a value the model needs is missing)" : "") + ". " +
            (table.AllNewGroups ? "Every row as in a new group: its effects drawn from N(0, Σ) per draw. "
                : fresh > 0 ? $"{fresh:N0} rows are in groups the run has not seen: their effects drawn from N(0, Σ) per draw. " : "") +
            $"{fit}: the expected outcome given the parameters; new y: a new observation (posterior predictive)."));
        foreach (string note in table.Notes) sb.Append(Format.Wrap(note));
        return sb.ToString();
    }
}
