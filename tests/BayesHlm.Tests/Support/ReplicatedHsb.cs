namespace BayesHlm.Tests.Support;

/// <summary>HSB written <c>copies</c> times over into one CSV file, each copy's schools renumbered (school + 10,000 ×
/// copy), so the file is as large as a test of the streaming path needs (25 copies: 179,625 rows, 4,000 schools,
/// 8.7 MB, over the size from which files are streamed).</summary>
public static class ReplicatedHsb
{
    public static string Write(string path, int copies)
    {
        var lines = File.ReadAllLines(RepositoryPaths.Data("hsb.csv"));
        using var w = new StreamWriter(path);
        w.WriteLine(lines[0]);
        for (int copy = 0; copy < copies; copy++)
            foreach (var line in lines.Skip(1))
            {
                int comma = line.IndexOf(',');
                w.Write(int.Parse(line[..comma], System.Globalization.CultureInfo.InvariantCulture) + 10_000 * copy);
                w.WriteLine(line[comma..]);
            }
        return path;
    }
}
