namespace BayesHlm.Benchmarks;

/// <summary>Locates files of the repository from wherever BenchmarkDotNet runs the generated project.</summary>
internal static class RepoPaths
{
    /// <summary>The folder holding BayesHlm.sln, found by walking up from the application's base directory.</summary>
    public static string Root { get; } = FindRoot();

    public static string Data(string fileName) => Path.Combine(Root, "models", "data", fileName);

    private static string FindRoot()
    {
        foreach (var start in new[] { AppContext.BaseDirectory, Directory.GetCurrentDirectory() })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
                if (File.Exists(Path.Combine(dir.FullName, "BayesHlm.sln"))) return dir.FullName;
        }
        throw new InvalidOperationException(
            $"Could not find BayesHlm.sln above '{AppContext.BaseDirectory}' or '{Directory.GetCurrentDirectory()}'.");
    }
}
