using System.Globalization;
using System.Text;
using System.Text.Json;
using BayesHlm.Estimation;

namespace BayesHlm.Reporting;

/// <summary>A likelihood-ratio comparison as lme4's anova table (80 columns) and as JSON.</summary>
public static class AnovaWriters
{
    private static string Likelihood(ModelComparison c) =>
        c.Method == EstimationMethod.Ml ? "models refitted with ML, as lme4's anova" : "REML fits (same fixed effects; not refitted)";

    /// <summary>The models, the table, and the notes on tests at the boundary and on models that are not nested.</summary>
    /// <param name="comparison">The comparison.</param>
    /// <param name="dataSource">The data file, for the header.</param>
    public static string ToText(ModelComparison comparison, string? dataSource = null)
    {
        ArgumentNullException.ThrowIfNull(comparison);
        var sb = new StringBuilder($"Likelihood-ratio tests ({Likelihood(comparison)})\n");
        if (dataSource is not null) sb.Append($"Data    {dataSource}\n");
        sb.Append($"        {comparison.Observations} rows used by every model\n");
        foreach (var m in comparison.Models.OrderBy(m => m.Number))
        {
            var terms = m.Fit.Spec.FormulaTerms().ToArray();
            terms[0] = $"{m.Fit.Spec.Outcome.FormulaText} ~ {terms[0]}";
            sb.Append(Format.Wrap($"Model {m.Number}: ", terms, " + "));
        }
        var t = new TextTable("Model", "npar", "AIC", "BIC", "logLik", "deviance", "Chisq", "Df", "Pr(>Chisq)");
        foreach (var m in comparison.Models)
            t.Add(m.Number.ToString(CultureInfo.InvariantCulture), m.Parameters.ToString(CultureInfo.InvariantCulture),
                Format.Num(m.Aic, 6), Format.Num(m.Bic, 6), Format.Num(m.LogLikelihood, 6), Format.Num(m.Deviance, 6),
                m.ChiSquare is double x ? Format.Num(x, 5) : "", m.Df?.ToString(CultureInfo.InvariantCulture) ?? "", m.P is double p ? Format.P(p) : "");
        sb.Append('\n').Append(t.Render());
        sb.Append("(Chisq: twice the gain in log-likelihood over the row above, on Df more\nparameters; AIC and BIC as lme4's: every parameter counted, BIC with log N.)\n");
        var notes = Notes(comparison).ToList();
        if (notes.Count > 0)
        {
            sb.Append('\n');
            foreach (var n in notes) sb.Append(Format.Bullet(n));
        }
        return sb.ToString();
    }

    private static IEnumerable<string> Notes(ModelComparison comparison)
    {
        foreach (var m in comparison.Models.OrderBy(m => m.Number))
            foreach (var warning in m.Fit.Warnings) yield return $"Model {m.Number}: {warning}";
        for (int r = 1; r < comparison.Models.Count; r++)
        {
            var (m, before) = (comparison.Models[r], comparison.Models[r - 1]);
            string pair = $"Model {m.Number} against model {before.Number}";
            if (m.NotNested is { } missing)
                yield return $"{pair}: model {before.Number} is not a special case of model {m.Number}, which lacks {missing}. The χ² test is for nested models; compare AIC or BIC instead.";
            if (m.Boundary is not { } b) continue;
            string variances = string.Join(", ", b.Variances);
            if (b.MixtureP is double p)
                yield return $"{pair} tests the variance of {variances}, whose null value 0 is on the boundary of its range: the χ² p-value is conservative. " +
                             $"Against the 50:50 mixture of χ²({m.Df - 1}) and χ²({m.Df}) (Self & Liang 1987; Stram & Lee 1994): p = {(p < 1e-4 ? Format.Num(p, 2) : Format.Fixed(p, 4))}.";
            else
                yield return $"{pair} tests the variances of {variances}, at 0 on the boundary of their range under the null: the χ² p-value is conservative. " +
                             "With more than one variance tested the mixture's weights depend on the model, and none is given.";
        }
    }

    /// <summary>The comparison as an indented JSON document: a row per model in table order, with its test.</summary>
    /// <param name="comparison">The comparison.</param>
    /// <param name="dataSource">The data file.</param>
    public static string ToJson(ModelComparison comparison, string? dataSource = null)
    {
        ArgumentNullException.ThrowIfNull(comparison);
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            w.WriteString("data", dataSource);
            w.WriteString("likelihood", comparison.Method == EstimationMethod.Ml ? "ML" : "REML");
            w.WriteBoolean("refitted_with_ml", comparison.Method == EstimationMethod.Ml);
            w.WriteNumber("n_obs", comparison.Observations);
            w.WriteStartArray("models");
            foreach (var m in comparison.Models)
            {
                w.WriteStartObject();
                w.WriteNumber("model", m.Number);
                w.WriteString("formula", m.Fit.Spec.ToFormula());
                w.WriteNumber("npar", m.Parameters);
                w.WriteNumber("aic", m.Aic);
                w.WriteNumber("bic", m.Bic);
                w.WriteNumber("loglik", m.LogLikelihood);
                w.WriteNumber("deviance", m.Deviance);
                RemlJsonWriter.NullableNum(w, "chisq", m.ChiSquare);
                RemlJsonWriter.NullableNum(w, "df", m.Df);
                RemlJsonWriter.NullableNum(w, "p", m.P);
                if (m.Boundary is { } b)
                {
                    w.WriteStartObject("boundary");
                    JsonArrays.Write(w, "variances", b.Variances);
                    RemlJsonWriter.NullableNum(w, "mixture_p", b.MixtureP);
                    w.WriteEndObject();
                }
                else w.WriteNull("boundary");
                w.WriteString("not_nested", m.NotNested);
                JsonArrays.Write(w, "warnings", m.Fit.Warnings);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(ms.ToArray());
    }
}
