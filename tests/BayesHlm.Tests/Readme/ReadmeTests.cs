using System.Text;
using System.Text.RegularExpressions;
using BayesHlm.Tests.Cli;

namespace BayesHlm.Tests.Readme;

/// <summary>
/// README.md cannot drift from the program: every <c>bayeshlm</c> command it shows is run, in order, in a scratch
/// folder holding the repository's data and models (and the README's priors object as priors.json), and must succeed;
/// every output block it shows after a command must appear in that command's output, line by line in order ("..."
/// stands for lines left out; times and speeds are not compared). With BAYESHLM_WRITE_README=1 the output blocks are
/// written anew from the program's output instead.
/// </summary>
[Collection(nameof(Notebooks.NotebookCollection))]
public partial class ReadmeTests
{
    /// <summary>Commands shown for illustration whose inputs only another program makes.</summary>
    private static readonly string[] NotRun = ["output_1.csv"];

    private sealed record Block(int Start, int End, List<string> Lines, bool Fenced, string Language);

    [Fact]
    public void EveryCommandRuns_AndEveryOutputShownIsWhatItPrints()
    {
        string readme = Path.Combine(RepositoryPaths.RepositoryDirectory, "README.md");
        var lines = File.ReadAllLines(readme).ToList();
        var blocks = Blocks(lines);
        using var scratch = new TestFolder();
        foreach (var folder in new[] { "models" })
            Directory.CreateSymbolicLink(Path.Combine(scratch.Path, folder), Path.Combine(RepositoryPaths.RepositoryDirectory, folder));
        var priors = blocks.First(b => b.Fenced && b.Language == "json");
        File.WriteAllText(Path.Combine(scratch.Path, "priors.json"), string.Join("\n", priors.Lines));

        bool write = Environment.GetEnvironmentVariable("BAYESHLM_WRITE_README") == "1";
        var rewrites = new List<(Block Block, List<string> Lines)>();
        var failures = new List<string>();
        string? lastOutput = null;
        int ran = 0, compared = 0;
        foreach (var block in blocks)
        {
            if (!block.Fenced)
            {
                lastOutput = null;
                foreach (var line in block.Lines.Where(l => l.TrimStart().StartsWith("bayeshlm ", StringComparison.Ordinal)))
                {
                    if (NotRun.Any(line.Contains)) continue;
                    var args = Arguments(line.Trim()["bayeshlm ".Length..]);
                    var r = CliRunner.Run([.. args], scratch.Path, TimeSpan.FromMinutes(5));
                    ran++;
                    if (r.ExitCode != 0) failures.Add($"README line {block.Start + 1}: '{line.Trim()}' failed:\n{r}");
                    // Progress goes to stderr while the command works, results to stdout at the end: in that order on a terminal.
                    lastOutput = r.StdErr + r.StdOut;
                }
                continue;
            }
            if (block.Language.Length > 0 || lastOutput is null) continue;
            compared++;
            var actual = lastOutput.Replace("\r", "").Split('\n').ToList();
            if (write) rewrites.Add((block, Regenerate(block.Lines, actual)));
            else if (Mismatch(block.Lines, actual) is { } problem) failures.Add($"README lines {block.Start + 1}–{block.End + 1}: {problem}");
            lastOutput = null;
        }
        if (write)
        {
            // From the bottom up, so the positions of the blocks above stay valid.
            foreach (var (block, fresh) in rewrites.OrderByDescending(r => r.Block.Start))
            {
                lines.RemoveRange(block.Start + 1, block.End - block.Start - 1);
                lines.InsertRange(block.Start + 1, fresh);
            }
            File.WriteAllText(readme, string.Join("\n", lines) + "\n");
        }
        Assert.True(ran >= 6, $"only {ran} commands found in README.md");
        Assert.True(compared >= 3, $"only {compared} output blocks found in README.md");
        Assert.True(failures.Count == 0, string.Join("\n\n", failures));
    }

    /// <summary>Indented code blocks (commands) and fenced blocks (output, or a language's text), in order.</summary>
    private static List<Block> Blocks(List<string> lines)
    {
        var blocks = new List<Block>();
        for (int i = 0; i < lines.Count; i++)
        {
            if (lines[i].StartsWith("```", StringComparison.Ordinal))
            {
                int start = i;
                string language = lines[i][3..].Trim();
                var body = new List<string>();
                for (i++; i < lines.Count && !lines[i].StartsWith("```", StringComparison.Ordinal); i++) body.Add(lines[i]);
                blocks.Add(new Block(start, i, body, true, language));
            }
            else if (lines[i].StartsWith("    ", StringComparison.Ordinal) && (i == 0 || lines[i - 1].Trim().Length == 0))
            {
                int start = i;
                var body = new List<string>();
                for (; i < lines.Count && lines[i].StartsWith("    ", StringComparison.Ordinal); i++) body.Add(lines[i][4..]);
                blocks.Add(new Block(start, i - 1, body, false, ""));
                i--;
            }
        }
        return blocks;
    }

    /// <summary>Shell-like words: quotes group, a '#' comment and '[optional]' parts are dropped.</summary>
    private static List<string> Arguments(string line)
    {
        line = Optional().Replace(Comment().Replace(line, ""), "");
        var args = new List<string>();
        var current = new StringBuilder();
        bool quoted = false, any = false;
        foreach (char c in line)
        {
            if (c == '"') { quoted = !quoted; any = true; continue; }
            if (char.IsWhiteSpace(c) && !quoted)
            {
                if (any) args.Add(current.ToString());
                current.Clear();
                any = false;
                continue;
            }
            current.Append(c);
            any = true;
        }
        if (any) args.Add(current.ToString());
        return args;
    }

    /// <summary>Each shown line, times and speeds masked, must come in the output after the one before; "..." skips.</summary>
    private static string? Mismatch(List<string> expected, List<string> actual)
    {
        int at = 0;
        foreach (var line in expected)
        {
            if (line.Trim() == "...") continue;
            string want = Mask(line);
            int found = actual.FindIndex(at, a => Mask(a) == want);
            if (found < 0)
                return $"the shown line\n  {line}\nis not in the output (from line {at + 1} on):\n  {string.Join("\n  ", actual.Skip(at).Take(40))}";
            at = found + 1;
        }
        return null;
    }

    /// <summary>The shown block taken afresh from the output: each shown line is replaced by the next output line that
    /// begins like it (its first 14 characters: a label, a parameter name, a table rule), so the lines left out stay out.</summary>
    private static List<string> Regenerate(List<string> expected, List<string> actual)
    {
        var result = new List<string>();
        int at = 0;
        foreach (var line in expected)
        {
            if (line.Trim() == "...") { result.Add(line); continue; }
            string masked = Mask(line), label = masked[..Math.Min(14, masked.Length)];
            int found = actual.FindIndex(at, a => Mask(a).StartsWith(label, StringComparison.Ordinal));
            if (found < 0) { result.Add(line); continue; }
            result.Add(actual[found].TrimEnd());
            at = found + 1;
        }
        return result;
    }

    private static string Mask(string line) => Timing().Replace(line.TrimEnd(), "#");

    [GeneratedRegex(@"\d+(\.\d+)? (s|it/s)\b|\d+ s left")]
    private static partial Regex Timing();

    [GeneratedRegex(@"\s+#.*$")]
    private static partial Regex Comment();

    [GeneratedRegex(@"\s*\[[^\]]*\]")]
    private static partial Regex Optional();
}
