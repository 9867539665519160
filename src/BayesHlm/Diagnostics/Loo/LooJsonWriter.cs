using System.Text.Json;
using BayesHlm.Reporting;

namespace BayesHlm.Diagnostics.Loo;

/// <summary>
/// PSIS-LOO and WAIC as JSON, with the keys of shared/reference/loo/expected.json (what loo 2.5.1 gives):
/// elpd_loo, p_loo, looic, elpd_waic, p_waic, waic as [estimate, se]; r_eff, pareto_k, pointwise_elpd_loo,
/// pointwise_p_loo, n_eff as arrays; mcse_elpd_loo a number or null. Non-finite numbers are written as null.
/// Several models: {"models": [one such object each], "comparison": [loo_compare rows, best first]}.
/// </summary>
public static class LooJsonWriter
{
    /// <summary>One model's object.</summary>
    /// <param name="model">The model's LOO and WAIC.</param>
    public static string ToJson(LooModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        return Render(w => WriteModel(w, model));
    }

    /// <summary>Several models and their comparison.</summary>
    /// <param name="models">The models, in the order given.</param>
    /// <param name="comparison">Their loo_compare table.</param>
    public static string ToJson(IReadOnlyList<LooModel> models, LooComparison comparison)
    {
        ArgumentNullException.ThrowIfNull(models);
        ArgumentNullException.ThrowIfNull(comparison);
        return Render(w =>
        {
            w.WriteStartObject();
            w.WriteStartArray("models");
            foreach (var m in models) WriteModel(w, m);
            w.WriteEndArray();
            w.WriteStartArray("comparison");
            foreach (var r in comparison.Rows)
            {
                w.WriteStartObject();
                w.WriteString("name", r.Name);
                Number(w, "elpd_diff", r.ElpdDiff);
                Number(w, "se_diff", r.SeDiff);
                Pair(w, "elpd_loo", r.ElpdLoo);
                Pair(w, "p_loo", r.PLoo);
                Pair(w, "looic", r.LooIc);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        });
    }

    /// <summary>Writes <paramref name="json"/> and a final newline to <paramref name="path"/> through
    /// <see cref="AtomicFile"/>, so a failure leaves no half-written file.</summary>
    /// <param name="path">The file to write.</param>
    /// <param name="json">What <see cref="ToJson(LooModel)"/> or its several-model overload returned.</param>
    public static void Write(string path, string json) => AtomicFile.WriteText(path, json + "\n");

    private static string Render(Action<Utf8JsonWriter> write)
    {
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms, new JsonWriterOptions { Indented = true })) write(w);
        return System.Text.Encoding.UTF8.GetString(ms.ToArray());
    }

    private static void WriteModel(Utf8JsonWriter w, LooModel model)
    {
        var loo = model.Loo;
        var waic = model.Waic;
        w.WriteStartObject();
        w.WriteString("name", model.Name);
        w.WriteString("computed_as", "loo 2.5.1");
        w.WriteNumber("draws", loo.Draws);
        JsonArrays.Write(w, "observations", loo.Names);
        Pair(w, "elpd_loo", loo.ElpdLoo);
        Pair(w, "p_loo", loo.PLoo);
        Pair(w, "looic", loo.LooIc);
        Number(w, "mcse_elpd_loo", loo.McseElpdLoo);
        Pair(w, "elpd_waic", waic.ElpdWaic);
        Pair(w, "p_waic", waic.PWaic);
        Pair(w, "waic", waic.Criterion);
        JsonArrays.WriteFiniteOrNull(w, "r_eff", loo.RelativeEfficiency);
        JsonArrays.WriteFiniteOrNull(w, "pareto_k", loo.ParetoK);
        JsonArrays.WriteFiniteOrNull(w, "pointwise_elpd_loo", loo.PointwiseElpdLoo);
        JsonArrays.WriteFiniteOrNull(w, "pointwise_p_loo", loo.PointwisePLoo);
        JsonArrays.WriteFiniteOrNull(w, "pointwise_mcse_elpd_loo", loo.PointwiseMcseElpdLoo);
        JsonArrays.WriteFiniteOrNull(w, "n_eff", loo.NEff);
        JsonArrays.WriteFiniteOrNull(w, "pointwise_elpd_waic", waic.PointwiseElpdWaic);
        JsonArrays.WriteFiniteOrNull(w, "pointwise_p_waic", waic.PointwisePWaic);
        var diagnostic = loo.Diagnostic;
        w.WriteNumber("pareto_k_threshold", ParetoKDiagnostic.BadThreshold);
        w.WriteNumber("pareto_k_threshold_sample_size", diagnostic.SampleSizeThreshold);
        w.WriteStartArray("pareto_k_table");
        foreach (var band in diagnostic.Bands)
        {
            w.WriteStartObject();
            w.WriteString("interval", band.Interval);
            w.WriteString("label", band.Label);
            w.WriteNumber("count", band.Count);
            Number(w, "proportion", band.Proportion);
            Number(w, "min_n_eff", band.MinNEff);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteEndObject();
    }

    private static void Pair(Utf8JsonWriter w, string name, LooEstimate e) => JsonArrays.WriteFiniteOrNull(w, name, [e.Estimate, e.Se]);

    private static void Number(Utf8JsonWriter w, string name, double v)
    {
        if (double.IsFinite(v)) w.WriteNumber(name, v); else w.WriteNull(name);
    }
}
