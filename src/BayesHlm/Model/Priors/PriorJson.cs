using System.Text.Json;

namespace BayesHlm.Model;

/// <summary>Reading and writing the numbers of the priors' JSON, with messages that say where and what is expected.</summary>
internal static class PriorJson
{
    /// <summary>Names for a message: 'a', 'b', 'c'.</summary>
    public static string Listing(IEnumerable<string> names) => string.Join(", ", names.Select(n => $"'{n}'"));

    public static string Dist(JsonElement e, string where) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty("dist", out var d) && d.ValueKind == JsonValueKind.String
            ? d.GetString()! : throw new ModelSpecificationException($"{where}: expected an object with a \"dist\" name.");

    /// <summary>Refuses a key the object does not take, suggesting the nearest one it does.</summary>
    public static void OnlyKeys(JsonElement e, string where, string[] keys)
    {
        NoKeyTwice(e, where);
        foreach (var p in e.EnumerateObject())
            if (!keys.Contains(p.Name))
            {
                string closest = Data.Closest.Name(p.Name, keys);
                throw new ModelSpecificationException($"{where}: unknown key '{p.Name}'.{(closest.Length > 0 ? $" Did you mean '{closest}'?" : "")} It takes {string.Join(", ", keys.Select(k => $"'{k}'"))}.");
            }
    }

    /// <summary>JSON allows a key twice and keeps the last: a priors object may not, so nothing is dropped silently.</summary>
    public static void NoKeyTwice(JsonElement e, string where)
    {
        var seen = new HashSet<string>();
        foreach (var p in e.EnumerateObject())
            if (!seen.Add(p.Name)) throw new ModelSpecificationException($"{where}: the key '{p.Name}' is given twice; give it once.");
    }

    public static double Number(JsonElement e, string key, string where) =>
        e.TryGetProperty(key, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetDouble()
            : throw new ModelSpecificationException($"{where}: needs a number '{key}'.");

    public static double Positive(JsonElement e, string key, string where)
    {
        double v = Number(e, key, where);
        return v > 0 && double.IsFinite(v) ? v : throw new ModelSpecificationException($"{where}: '{key}' must be positive, not {v}.");
    }

    public static double[] Numbers(JsonElement e, string key, string where) =>
        e.TryGetProperty(key, out var v) && v.ValueKind == JsonValueKind.Array && v.EnumerateArray().All(x => x.ValueKind == JsonValueKind.Number)
            ? v.EnumerateArray().Select(x => x.GetDouble()).ToArray()
            : throw new ModelSpecificationException($"{where}: needs '{key}', an array of numbers.");

    public static string[] Strings(JsonElement e, string key, string where) =>
        e.TryGetProperty(key, out var v) && v.ValueKind == JsonValueKind.Array && v.EnumerateArray().All(x => x.ValueKind == JsonValueKind.String)
            ? v.EnumerateArray().Select(x => x.GetString()!).ToArray()
            : throw new ModelSpecificationException($"{where}: needs '{key}', an array of term names.");

    public static double[][] Matrix(JsonElement e, string key, string where, bool square = true)
    {
        if (!e.TryGetProperty(key, out var s) || s.ValueKind != JsonValueKind.Array || s.EnumerateArray().Any(r => r.ValueKind != JsonValueKind.Array))
            throw new ModelSpecificationException($"{where}: needs '{key}', a matrix as an array of rows.");
        var rows = s.EnumerateArray().Select(r => r.EnumerateArray().Select(v => v.ValueKind == JsonValueKind.Number ? v.GetDouble()
            : throw new ModelSpecificationException($"{where}: '{key}' holds a non-number.")).ToArray()).ToArray();
        if (square && rows.Any(r => r.Length != rows.Length)) throw new ModelSpecificationException($"{where}: '{key}' must be square.");
        return rows;
    }
}
