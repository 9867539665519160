using System.Globalization;
using System.Text;
using System.Text.Json;
using BayesHlm.Diagnostics;

namespace BayesHlm.Reporting;

/// <summary>A <see cref="DiagnosticsTable"/> as summary.csv (columns named as the R package posterior names them),
/// as JSON, and as an 80-column console table.</summary>
public static class SummaryWriters
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    private static string Pct(double p) => (p * 100).ToString("0.###", Inv);

    /// <summary>Column names and values of one row, in summary.csv order.</summary>
    private static IEnumerable<(string Name, double Value)> Columns(ParameterSummary r, SummaryOptions o)
    {
        yield return ("mean", r.Mean);
        yield return ("median", r.Median);
        yield return ("sd", r.Sd);
        yield return ("mad", r.Mad);
        foreach (var (p, v) in r.Quantiles) yield return ($"q{Pct(p)}", v);
        yield return ("rhat", r.Rhat);
        yield return ("rhat_basic", r.RhatBasic);
        yield return ("ess_bulk", r.EssBulk);
        yield return ("ess_tail", r.EssTail);
        yield return ("ess_basic", r.EssBasic);
        yield return ("ess_mean", r.EssMean);
        yield return ("mcse_mean", r.McseMean);
        yield return ("mcse_sd", r.McseSd);
        yield return ("mcse_q5", r.McseQ5);
        yield return ("mcse_q95", r.McseQ95);
        string level = Pct(o.IntervalLevel);
        yield return ($"central{level}_lower", r.CentralLower);
        yield return ($"central{level}_upper", r.CentralUpper);
        yield return ($"hdi{level}_lower", r.HdiLower);
        yield return ($"hdi{level}_upper", r.HdiUpper);
    }

    /// <summary>summary.csv: a row per parameter, columns as posterior names them; non-finite values as <c>NA</c>.</summary>
    public static string ToCsv(DiagnosticsTable table)
    {
        ArgumentNullException.ThrowIfNull(table);
        var sb = new StringBuilder();
        if (table.Rows.Count == 0) return "variable\n";
        sb.Append("variable,").AppendJoin(',', Columns(table.Rows[0], table.Options).Select(c => c.Name)).Append('\n');
        foreach (var r in table.Rows)
        {
            sb.Append(CsvText.Quote(r.Variable));
            foreach (var (_, v) in Columns(r, table.Options)) sb.Append(',').Append(double.IsFinite(v) ? v.ToString("R", Inv) : "NA");
            sb.Append('\n');
        }
        return sb.ToString();
    }


    /// <summary>The table as JSON: chains, iterations, divergent transitions, the summary.csv columns per parameter
    /// (null where not finite) and the warnings.</summary>
    /// <param name="table">The summaries.</param>
    /// <param name="divergentTransitions">Divergent transitions the sampler recorded (CmdStan's); 0 when none.</param>
    public static string ToJson(DiagnosticsTable table, int divergentTransitions = 0)
    {
        ArgumentNullException.ThrowIfNull(table);
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            w.WriteNumber("chains", table.Chains);
            w.WriteNumber("iterations", table.Iterations);
            w.WriteNumber("divergent_transitions", divergentTransitions);
            w.WriteStartArray("parameters");
            foreach (var r in table.Rows)
            {
                w.WriteStartObject();
                w.WriteString("variable", r.Variable);
                foreach (var (name, v) in Columns(r, table.Options))
                    if (double.IsFinite(v)) w.WriteNumber(name, v); else w.WriteNull(name);
                w.WriteBoolean("constant", r.Constant);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteStartArray("warnings");
            foreach (var s in table.Warnings) w.WriteStringValue(s);
            w.WriteEndArray();
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(ms.ToArray());
    }

    /// <summary>The console table: mean, sd, quantiles (q5 and q95 unless others are asked for), R̂ and bulk- and tail-ESS
    /// per parameter, then the warnings.</summary>
    /// <param name="table">The summaries.</param>
    /// <param name="divergentTransitions">Divergent transitions the sampler recorded (CmdStan's); 0 when none.</param>
    /// <param name="quantiles">The quantiles to show (the user's --probs); null: the 5% and 95%.</param>
    public static string ToText(DiagnosticsTable table, int divergentTransitions = 0, IReadOnlyList<double>? quantiles = null)
    {
        ArgumentNullException.ThrowIfNull(table);
        var probs = quantiles ?? [0.05, 0.95];
        var sb = new StringBuilder();
        sb.Append($"{table.Chains} chains × {table.Iterations} draws; R̂ and ESS as Vehtari et al. (2021)\n\n");
        var t = new TextTable(["variable", "mean", "sd", .. probs.Select(p => "q" + Pct(p)), "rhat", "ess_bulk", "ess_tail"]);
        foreach (var r in table.Rows)
            t.Add([r.Variable, Format.Num(r.Mean, 4), Format.Num(r.Sd, 3), .. probs.Select(p => Format.Num(r.Quantile(p), 4)),
                Format.Fixed(r.Rhat, 3), Format.Fixed(r.EssBulk, 0), Format.Fixed(r.EssTail, 0)]);
        sb.Append(t.Render());
        if (divergentTransitions > 0)
            sb.Append($"\n! {divergentTransitions} divergent transitions: the sampler missed part of the posterior. Raise adapt_delta or reparameterise (non-centred).\n");
        if (table.Warnings.Count > 0)
        {
            sb.Append("\nWarnings\n");
            foreach (var w in table.Warnings) sb.Append(Format.Bullet(w));
        }
        else sb.Append("\nNo convergence warnings (R̂ ≤ 1.01, bulk- and tail-ESS ≥ 100 per chain).\n");
        return sb.ToString();
    }
}
