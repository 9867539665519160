using System.Text;

namespace BayesHlm.Reporting;

/// <summary>A plain-text table that fits an 80-column terminal: numeric columns right-aligned, a first
/// column too long for its share put on a line of its own.</summary>
internal sealed class TextTable
{
    private readonly string[] _headers;
    private readonly List<string[]> _rows = new();

    public TextTable(params string[] headers) => _headers = headers;

    public TextTable Add(params string[] cells)
    {
        _rows.Add(cells);
        return this;
    }

    public string Render(int width = 80)
    {
        int n = _headers.Length;
        var widths = new int[n];
        for (int c = 0; c < n; c++)
            widths[c] = Math.Max(_headers[c].Length, _rows.Count == 0 ? 0 : _rows.Max(r => r[c].Length));
        int rest = widths.Skip(1).Sum() + 2 * (n - 1);
        int first = Math.Max(Math.Min(widths[0], width - rest - 2), 12);
        widths[0] = first;
        var sb = new StringBuilder();
        void Line(string[] cells)
        {
            string name = cells[0];
            if (name.Length > first) { sb.Append(name).Append('\n'); name = ""; }
            sb.Append(name.PadRight(first));
            for (int c = 1; c < n; c++) sb.Append("  ").Append(cells[c].PadLeft(widths[c]));
            sb.Append('\n');
        }
        Line(_headers);
        sb.Append(new string('-', Math.Min(first + rest, width))).Append('\n');
        foreach (var r in _rows) Line(r);
        return sb.ToString();
    }
}
