using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.CodeAnalysis.CSharp.Scripting;
using Microsoft.CodeAnalysis.Scripting;

namespace BayesHlm.Tests.Notebooks;

[CollectionDefinition(nameof(NotebookCollection), DisableParallelization = true)]
public class NotebookCollection;

/// <summary>
/// Every code cell of every notebook in notebooks/, executed in order as one C# script session (Roslyn scripting,
/// referencing the library), from the notebooks folder as Jupyter would run them: any exception fails the test, so
/// the notebooks never rot. With BAYESHLM_WRITE_NOTEBOOK_OUTPUTS=1 the cells' printed output is written back into the
/// notebooks (README, "Notebooks"). Not run in parallel: the cells print to the console and read relative paths.
/// </summary>
[Collection(nameof(NotebookCollection))]
public class NotebookTests
{
    public static TheoryData<string> Notebooks() =>
        new(Directory.GetFiles(Path.Combine(RepositoryPaths.RepositoryDirectory, "notebooks"), "*.ipynb").Select(Path.GetFileName).Order()!);

    [Theory, MemberData(nameof(Notebooks))]
    public async Task EveryCodeCell_Runs(string name)
    {
        string path = Path.Combine(RepositoryPaths.RepositoryDirectory, "notebooks", name);
        var notebook = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        var options = ScriptOptions.Default
            .AddReferences(typeof(BayesHlm.Data.DataTable).Assembly, typeof(MathNet.Numerics.Distributions.Normal).Assembly)
            .AddImports("System", "System.Linq", "System.Collections.Generic", "System.IO");
        string previousDirectory = Environment.CurrentDirectory;
        var previousOut = Console.Out;
        ScriptState<object>? state = null;
        bool write = Environment.GetEnvironmentVariable("BAYESHLM_WRITE_NOTEBOOK_OUTPUTS") == "1";
        try
        {
            Environment.CurrentDirectory = Path.GetDirectoryName(path)!;
            int index = 0;
            foreach (var cell in notebook["cells"]!.AsArray().Select(c => c!.AsObject()))
            {
                index++;
                if (cell["cell_type"]!.GetValue<string>() != "code") continue;
                string source = string.Concat(cell["source"]!.AsArray().Select(l => l!.GetValue<string>()));
                // Directives for the notebook kernel (#r to load the library, #!magic) are not C#: the test references the library itself.
                string code = string.Join("\n", source.Split('\n').Where(l => !l.TrimStart().StartsWith("#r ", StringComparison.Ordinal) && !l.TrimStart().StartsWith("#!", StringComparison.Ordinal)));
                var output = new StringWriter();
                Console.SetOut(output);
                try
                {
                    state = state is null ? await CSharpScript.RunAsync(code, options) : await state.ContinueWithAsync(code, options);
                }
                catch (Exception e)
                {
                    Assert.Fail($"{name}, cell {index}: {e.GetType().Name}: {e.Message}\n--- cell ---\n{source}");
                }
                finally
                {
                    Console.SetOut(previousOut);
                }
                if (write)
                {
                    var text = output.ToString();
                    var outputs = new JsonArray();
                    if (text.Length > 0)
                        outputs.Add(new JsonObject
                        {
                            ["output_type"] = "stream",
                            ["name"] = "stdout",
                            ["text"] = new JsonArray(Lines(text).Select(l => (JsonNode)JsonValue.Create(l)!).ToArray()),
                        });
                    cell["outputs"] = outputs;
                }
            }
        }
        finally
        {
            Environment.CurrentDirectory = previousDirectory;
            Console.SetOut(previousOut);
        }
        if (write)
            File.WriteAllText(path, notebook.ToJsonString(new JsonSerializerOptions { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }) + "\n");
    }

    /// <summary>Jupyter's form of a text: its lines, each but the last ending in a newline.</summary>
    private static IEnumerable<string> Lines(string text)
    {
        var parts = text.Split('\n');
        for (int i = 0; i < parts.Length; i++)
            if (i < parts.Length - 1) yield return parts[i] + "\n";
            else if (parts[i].Length > 0) yield return parts[i];
    }
}
