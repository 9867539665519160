using System.Globalization;
using System.Text;
using System.Text.Json;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace BayesHlm.Model;

/// <summary>YAML → JSON, so a <c>priors:</c> section in a model file (or a YAML priors file) is read by the same
/// parser as JSON priors. Plain scalars that read as numbers become numbers; quoted scalars stay text.</summary>
internal static class YamlToJson
{
    public static string Convert(string yaml, string source)
    {
        var root = SafeYaml.Load(yaml, source) ?? throw new ModelSpecificationException($"{source} is empty.");
        return Convert(root);
    }

    public static string Convert(YamlNode node)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer)) Write(w, node);
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static void Write(Utf8JsonWriter w, YamlNode node)
    {
        switch (node)
        {
            case YamlMappingNode m:
                w.WriteStartObject();
                foreach (var (k, v) in m.Children)
                {
                    w.WritePropertyName(((YamlScalarNode)k).Value ?? "");
                    Write(w, v);
                }
                w.WriteEndObject();
                break;
            case YamlSequenceNode s:
                w.WriteStartArray();
                foreach (var c in s.Children) Write(w, c);
                w.WriteEndArray();
                break;
            case YamlScalarNode { Style: ScalarStyle.Plain, Value: var v } when double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out double d):
                w.WriteNumberValue(d);
                break;
            case YamlScalarNode { Style: ScalarStyle.Plain, Value: "true" or "false" } b:
                w.WriteBooleanValue(b.Value == "true");
                break;
            case YamlScalarNode { Style: ScalarStyle.Plain, Value: null or "" or "~" or "null" }:
                w.WriteNullValue();
                break;
            case YamlScalarNode s:
                w.WriteStringValue(s.Value);
                break;
        }
    }
}
