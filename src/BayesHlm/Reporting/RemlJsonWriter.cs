using System.Text.Json;
using BayesHlm.Estimation;

namespace BayesHlm.Reporting;

/// <summary>
/// An EB/ML fit as JSON with the keys of ../shared/reference/reml (lme4's fits), plus reliability, OLS,
/// warnings, iterations and the data stage's missing-value counts.
/// </summary>
public static class RemlJsonWriter
{
    /// <param name="w">Where to write.</param>
    /// <param name="fit">The fit.</param>
    /// <param name="id">The model's name, if it has one.</param>
    /// <param name="dataSource">The data file.</param>
    /// <param name="lead">Writes properties that come first (the value of a BY column).</param>
    public static void Write(Utf8JsonWriter w, RemlFit fit, string? id = null, string? dataSource = null, Action<Utf8JsonWriter>? lead = null)
    {
        ArgumentNullException.ThrowIfNull(w);
        ArgumentNullException.ThrowIfNull(fit);
        w.WriteStartObject();
        lead?.Invoke(w);
        w.WriteString("id", id);
        w.WriteString("data", dataSource);
        w.WriteString("formula", fit.Spec.ToFormula());
        // lme4 users fit derived variables as plain columns: center(ses, school) is their center_ses_school.
        w.WriteString("lme4_formula", Lme4Names(fit.Spec.ToFormula()));
        w.WriteString("note", fit.IsOrdinaryLeastSquares ? "no random effects: ordinary least squares" : null);
        w.WriteString("method", fit.MethodName);
        bool wald = fit.DegreesOfFreedom == DegreesOfFreedomMethod.Wald;
        if (fit.Family != Model.Family.Gaussian)
        {
            // As ../shared/reference/glmm writes glmer's fits.
            w.WriteString("family", Model.Families.Name(fit.Family));
            w.WriteString("link", Model.Families.Link(fit.Family));
            w.WriteString("trials_column", fit.Spec.Trials);
            w.WriteNumber("nAGQ", fit.QuadraturePoints);
        }
        w.WriteString("algorithm", fit.IsOrdinaryLeastSquares ? "ols" : fit.Algorithm == EstimationAlgorithm.Em ? "em" : "newton");
        Num(w, "seconds", fit.Seconds);
        w.WriteNumber("n_obs", fit.Observations);
        w.WriteNumber("rows_read", fit.Frame.RowsRead);
        w.WriteStartObject("missing");
        foreach (var (k, v) in fit.Frame.MissingByColumn) w.WriteNumber(k, v);
        w.WriteEndObject();
        w.WriteStartObject("n_groups");
        foreach (var (g, n) in fit.GroupCounts) w.WriteNumber(g, n);
        w.WriteEndObject();

        w.WriteStartArray("fixed");
        foreach (var f in fit.FixedEffects)
        {
            w.WriteStartObject();
            w.WriteString("term", f.Term);
            Num(w, "estimate", f.Estimate);
            Num(w, "se", f.StandardError);
            if (wald) Num(w, "z", f.T);
            else
            {
                Num(w, "df_satterthwaite", f.DfSatterthwaite);
                Num(w, "df_bw", f.DfBetweenWithin);
                Num(w, "df", f.Df);
                Num(w, "t", f.T);
            }
            Num(w, "p", f.P);
            Num(w, "lower", f.Lower);
            Num(w, "upper", f.Upper);
            if (fit.Profile?.For(f) is { } profile) ProfileLimits(w, profile);
            w.WriteEndObject();
        }
        w.WriteEndArray();

        w.WriteStartArray("covariance");
        foreach (var c in fit.Covariance)
        {
            w.WriteStartObject();
            w.WriteString("group", c.Group);
            w.WriteString("term1", c.Term1);
            w.WriteString("term2", c.Term2);
            Num(w, "estimate", c.Estimate);
            NullableNum(w, "se", c.StandardError);
            NullableNum(w, "z", c.Z);
            NullableNum(w, "p", c.P);
            if (fit.Profile?.For(c) is { } profile) ProfileLimits(w, profile);
            w.WriteEndObject();
        }
        w.WriteEndArray();

        w.WriteStartObject("fit");
        Num(w, "minus2ll", fit.Fit.Minus2LogLikelihood);
        Num(w, "aic", fit.Fit.Aic);
        Num(w, "aicc", fit.Fit.Aicc);
        Num(w, "bic", fit.Fit.Bic);
        w.WriteNumber("params", fit.Fit.Parameters);
        w.WriteEndObject();
        w.WriteBoolean("converged", fit.Converged);
        w.WriteNumber("iterations", fit.Iterations);
        w.WriteBoolean("singular", fit.Singular);
        w.WriteBoolean("ols_model", fit.IsOrdinaryLeastSquares);
        w.WriteStartObject("icc");
        foreach (var (g, v) in fit.Icc) Num(w, g, v);
        w.WriteEndObject();

        w.WriteStartArray("random_effects");
        foreach (var g in fit.Groups)
        {
            w.WriteStartObject();
            w.WriteString("group", g.Group);
            JsonArrays.Write(w, "levels", g.GroupNames);
            JsonArrays.Write(w, "terms", g.Terms);
            w.WriteStartArray("n");
            foreach (var n in g.RowCounts) w.WriteNumberValue(n);
            w.WriteEndArray();
            Matrix(w, "estimates", g.RandomEffects);
            Matrix(w, "se", g.RandomEffectSe);
            Matrix(w, "coefficients", g.Coefficients);
            Matrix(w, "coefficient_se", g.CoefficientSe);
            w.WriteEndObject();
        }
        w.WriteEndArray();

        w.WriteStartArray("reliability");
        foreach (var g in fit.Groups)
        {
            w.WriteStartObject();
            w.WriteString("group", g.Group);
            JsonArrays.Write(w, "terms", g.Terms);
            w.WriteStartArray("average");
            foreach (var a in g.AverageReliability) if (double.IsFinite(a)) w.WriteNumberValue(a); else w.WriteNullValue();
            w.WriteEndArray();
            Matrix(w, "per_group", g.Reliability);
            w.WriteEndObject();
        }
        w.WriteEndArray();

        w.WriteStartArray("ols");
        foreach (var g in fit.Groups)
        {
            w.WriteStartObject();
            w.WriteString("group", g.Group);
            JsonArrays.Write(w, "terms", g.Terms);
            Matrix(w, "estimates", g.Ols);
            Matrix(w, "se", g.OlsSe);
            w.WriteEndObject();
        }
        w.WriteEndArray();

        if (fit.Profile is { } intervals) Profile(w, intervals);
        JsonArrays.Write(w, "warnings", fit.Warnings);
        w.WriteEndObject();
    }

    /// <summary>A parameter's profile limits on the scale of its entry: a variance's (the sd limits squared), a
    /// covariance's as a correlation (named so), a fixed effect's as is.</summary>
    private static void ProfileLimits(Utf8JsonWriter w, ProfileInterval interval)
    {
        var (lower, upper) = interval.OnReportedScale;
        if (interval.Scale == ProfileScale.Correlation) w.WriteString("profile_scale", "correlation");
        Num(w, "profile_lower", lower);
        Num(w, "profile_upper", upper);
    }

    /// <summary>The profile intervals as lme4's confint(method = "profile") gives them: sd and correlation scale, lme4's names.</summary>
    private static void Profile(Utf8JsonWriter w, ProfileIntervals intervals)
    {
        w.WriteStartObject("profile");
        Num(w, "level", intervals.Level);
        w.WriteString("likelihood", "ML");
        Num(w, "seconds", intervals.Seconds);
        w.WriteStartArray("intervals");
        foreach (var i in intervals.Covariance.Concat(intervals.Fixed))
        {
            w.WriteStartObject();
            w.WriteString("parameter", i.Lme4Name);
            w.WriteString("scale", i.Scale switch { ProfileScale.StandardDeviation => "sd", ProfileScale.Correlation => "correlation", _ => "fixed" });
            Num(w, "estimate", i.Estimate);
            Num(w, "lower", i.Lower);
            Num(w, "upper", i.Upper);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        JsonArrays.Write(w, "warnings", intervals.Warnings);
        w.WriteEndObject();
    }

    /// <summary>The fit as an indented JSON document (see <see cref="Write"/>).</summary>
    /// <param name="fit">The fit.</param>
    /// <param name="id">The model's name, if it has one.</param>
    /// <param name="dataSource">The data file.</param>
    public static string ToJson(RemlFit fit, string? id = null, string? dataSource = null)
    {
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms, new JsonWriterOptions { Indented = true })) Write(w, fit, id, dataSource);
        return System.Text.Encoding.UTF8.GetString(ms.ToArray());
    }

    private static string Lme4Names(string formula) =>
        System.Text.RegularExpressions.Regex.Replace(formula, @"(center|mean|log|factor)\(([^,()]+)(?:,\s*([^()]+))?\)",
            m => m.Groups[3].Success ? $"{m.Groups[1].Value}_{m.Groups[2].Value}_{m.Groups[3].Value}" : $"{m.Groups[1].Value}_{m.Groups[2].Value}");

    private static void Num(Utf8JsonWriter w, string name, double v)
    {
        if (double.IsFinite(v)) w.WriteNumber(name, v); else w.WriteNull(name);
    }

    /// <summary>A number, or null where it is missing or not finite.</summary>
    internal static void NullableNum(Utf8JsonWriter w, string name, double? v)
    {
        if (v is double d && double.IsFinite(d)) w.WriteNumber(name, d); else w.WriteNull(name);
    }


    private static void Matrix(Utf8JsonWriter w, string name, IEnumerable<double[]?> rows)
    {
        w.WriteStartArray(name);
        foreach (var r in rows)
        {
            if (r is null) { w.WriteNullValue(); continue; }
            w.WriteStartArray();
            foreach (var v in r) if (double.IsFinite(v)) w.WriteNumberValue(v); else w.WriteNullValue();
            w.WriteEndArray();
        }
        w.WriteEndArray();
    }
}
