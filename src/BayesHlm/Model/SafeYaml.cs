using YamlDotNet.Core;
using YamlDotNet.Core.Events;
using YamlDotNet.RepresentationModel;

namespace BayesHlm.Model;

/// <summary>
/// Reads a model or priors file's YAML with the limits a file from anywhere needs: at most 1 MiB, one document, no
/// anchors or aliases (an alias bomb expands a few lines into gigabytes; a model file never needs them), and no key
/// given twice in a mapping. Errors name the line and column.
/// </summary>
internal static class SafeYaml
{
    public const int MaxBytes = 1 << 20;

    public static YamlNode? Load(string text, string source)
    {
        if (text.Length > MaxBytes)
            throw new ModelSpecificationException($"{source} is {text.Length:N0} characters long; a model or priors file is at most 1 MiB.");
        var lines = text.Split('\n');
        for (int i = 0; i < lines.Length; i++)
        {
            int indent = lines[i].Length - lines[i].TrimStart(' ', '\t').Length;
            if (lines[i].AsSpan(0, indent).Contains('\t'))
                throw new ModelSpecificationException($"{source}, line {i + 1}: a tab indents this line; YAML indents with spaces only.");
        }
        try
        {
            // Events first: refuse aliases and extra documents before anything is built.
            var parser = new Parser(new StringReader(text));
            int documents = 0;
            while (parser.MoveNext())
            {
                switch (parser.Current)
                {
                    case AnchorAlias a:
                        throw new ModelSpecificationException($"{source}, line {a.Start.Line}, column {a.Start.Column}: YAML aliases (*{a.Value}) are not read in model or priors files; write the value out.");
                    case NodeEvent { Anchor.IsEmpty: false } n:
                        throw new ModelSpecificationException($"{source}, line {n.Start.Line}, column {n.Start.Column}: YAML anchors (&{n.Anchor}) are not read in model or priors files; write the value out.");
                    case DocumentStart d when ++documents > 1:
                        throw new ModelSpecificationException($"{source}, line {d.Start.Line}: a second YAML document ('---'); a model or priors file holds one.");
                }
            }
            var stream = new YamlStream();
            stream.Load(new StringReader(text));
            if (stream.Documents.Count == 0) return null;
            // YamlDotNet refuses a key given twice in a mapping ("Duplicate key").
            return stream.Documents[0].RootNode;
        }
        catch (YamlException e)
        {
            throw new ModelSpecificationException($"{source}, line {e.Start.Line}, column {e.Start.Column}: not valid YAML ({e.InnerException?.Message ?? e.Message}).", e);
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException or FormatException or OverflowException)
        {
            // YamlDotNet's own errors on some malformed input, found by fuzzing: an unclosed '{' before a key, a tag
            // that is not a URI ("!!o]").
            throw new ModelSpecificationException($"{source}: not valid YAML ({e.Message}).", e);
        }
    }
}
