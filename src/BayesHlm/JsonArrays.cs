using System.Text.Json;

namespace BayesHlm;

/// <summary>Arrays written as JSON properties, the same way by every writer (priors, run.json).</summary>
internal static class JsonArrays
{
    public static void Write(Utf8JsonWriter w, string name, IEnumerable<string> values)
    {
        w.WriteStartArray(name);
        foreach (var v in values) w.WriteStringValue(v);
        w.WriteEndArray();
    }

    public static void Write(Utf8JsonWriter w, string name, IEnumerable<double> values)
    {
        w.WriteStartArray(name);
        foreach (var v in values) w.WriteNumberValue(v);
        w.WriteEndArray();
    }

    /// <summary>A number, or null when it is not finite (JSON has no NaN).</summary>
    public static void WriteNumber(Utf8JsonWriter w, string name, double value)
    {
        if (double.IsFinite(value)) w.WriteNumber(name, value);
        else w.WriteNull(name);
    }

    /// <summary>As <see cref="Write(Utf8JsonWriter, string, IEnumerable{double})"/>, with null for NaN and ±∞ (which JSON cannot hold).</summary>
    public static void WriteFiniteOrNull(Utf8JsonWriter w, string name, IEnumerable<double> values)
    {
        w.WriteStartArray(name);
        foreach (var v in values)
            if (double.IsFinite(v)) w.WriteNumberValue(v); else w.WriteNullValue();
        w.WriteEndArray();
    }

    public static void Write(Utf8JsonWriter w, string name, double[][] rows)
    {
        w.WriteStartArray(name);
        foreach (var r in rows)
        {
            w.WriteStartArray();
            foreach (var v in r) w.WriteNumberValue(v);
            w.WriteEndArray();
        }
        w.WriteEndArray();
    }
}
