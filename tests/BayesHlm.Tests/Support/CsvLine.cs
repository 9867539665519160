namespace BayesHlm.Tests.Support;

/// <summary>The fields of one CSV line, quotes removed (parameter names hold commas inside quotes).</summary>
public static class CsvLine
{
    public static string[] Split(string line)
    {
        var cells = new List<string>();
        var sb = new System.Text.StringBuilder();
        bool quoted = false;
        foreach (char ch in line)
        {
            if (ch == '"') quoted = !quoted;
            else if (ch == ',' && !quoted) { cells.Add(sb.ToString()); sb.Clear(); }
            else sb.Append(ch);
        }
        cells.Add(sb.ToString());
        return cells.ToArray();
    }
}
