namespace BayesHlm.Tests.Support;

/// <summary>
/// Where the tests find their inputs: the repository (the folder holding BayesHlm.sln, above the test binaries) and
/// the shared reference fixtures (<c>../shared</c> beside the repository, or a <c>shared</c> folder further up).
/// </summary>
public static class RepositoryPaths
{
    private static readonly Lazy<string> RepositoryLazy = new(FindRepository);
    private static readonly Lazy<string> SharedLazy = new(FindShared);

    /// <summary>The folder containing BayesHlm.sln.</summary>
    public static string RepositoryDirectory => RepositoryLazy.Value;

    /// <summary>The shared fixtures folder (it holds <c>reference/</c>).</summary>
    public static string SharedDirectory => SharedLazy.Value;

    /// <summary>A file of the repository's <c>models/data/</c> folder, e.g. <c>Data("hsb.csv")</c>.</summary>
    public static string Data(string fileName) => Path.Combine(RepositoryDirectory, "models", "data", fileName);

    /// <summary>A model file of the repository's <c>models/</c> folder by its name without .yaml, e.g. <c>Model("hsb_anova")</c>.</summary>
    public static string Model(string name) => Path.Combine(RepositoryDirectory, "models", name + ".yaml");

    /// <summary>A path under the shared <c>reference/</c> folder, e.g. <c>Reference("diagnostics", "draws.csv")</c>.</summary>
    public static string Reference(params string[] parts) => Path.Combine([SharedDirectory, "reference", .. parts]);

    /// <summary>The folder of one posterior reference case, <c>reference/posteriors/&lt;id&gt;</c> (case.json, data, draws).</summary>
    public static string ReferenceCase(string id) => Reference("posteriors", id);

    private static string FindRepository()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "BayesHlm.sln"))) return dir.FullName;
        throw new DirectoryNotFoundException($"No folder containing BayesHlm.sln above '{AppContext.BaseDirectory}'.");
    }

    private static string FindShared()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "shared");
            if (Directory.Exists(Path.Combine(candidate, "reference"))) return candidate;
            candidate = Path.Combine(dir.FullName, "..", "shared");
            if (Directory.Exists(Path.Combine(candidate, "reference"))) return Path.GetFullPath(candidate);
        }
        throw new DirectoryNotFoundException("../shared (the reference fixtures) not found beside the repository.");
    }
}
