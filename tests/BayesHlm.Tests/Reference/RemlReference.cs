using System.Text.Json;

namespace BayesHlm.Tests.Reference;

/// <summary>One lme4 fit from ../shared/reference/reml (source: lme4 1.1-31, lmerTest 3.1-3, R 4.2.2).</summary>
public sealed class RemlReference
{
    public required string Id { get; init; }
    public required string DataPath { get; init; }
    public required string Formula { get; init; }
    public required string Method { get; init; }
    public required JsonElement Root { get; init; }

    // Forwards for tests that still name them here; new tests use RepositoryPaths.
    public static string SharedDirectory => RepositoryPaths.SharedDirectory;
    public static string RepositoryDirectory => RepositoryPaths.RepositoryDirectory;

    public static IEnumerable<string> Ids =>
        Directory.GetFiles(RepositoryPaths.Reference("reml"), "*.json").Select(Path.GetFileNameWithoutExtension).Order()!;

    /// <summary>The crossed designs, kept in their own folder (reml/ holds nested ones only).</summary>
    public static IEnumerable<string> CrossedIds =>
        Directory.GetFiles(RepositoryPaths.Reference("reml_crossed"), "*.json").Select(Path.GetFileNameWithoutExtension).Order()!;

    public static RemlReference Load(string id)
    {
        var dir = RepositoryPaths.Reference("reml");
        if (!File.Exists(Path.Combine(dir, id + ".json"))) dir = RepositoryPaths.Reference("reml_crossed");
        var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, id + ".json")));
        var root = doc.RootElement;
        return new RemlReference
        {
            Id = id,
            // The data paths resolve from reference/, one folder above the JSON files.
            DataPath = Path.GetFullPath(Path.Combine(dir, "..", root.GetProperty("data").GetString()!)),
            Formula = root.GetProperty("formula").GetString()!,
            Method = root.GetProperty("method").GetString()!,
            Root = root,
        };
    }

    /// <summary>lme4 writes <c>center(ses, school)</c> as the column <c>center_ses_school</c>; map our names to its.</summary>
    public static string Lme4Name(string ourName) =>
        string.Join(":", ourName.Split(':').Select(part =>
            part.Replace("(Intercept)", "\u0001").Replace("(", "_").Replace(", ", "_").Replace(")", "").Replace("\u0001", "(Intercept)")));

    /// <summary>Same term whatever the order of its interacting variables.</summary>
    public static bool SameTerm(string lme4Name, string ourName) =>
        lme4Name.Split(':').Order().SequenceEqual(Lme4Name(ourName).Split(':').Order());
}
