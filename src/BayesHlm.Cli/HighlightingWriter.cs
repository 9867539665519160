using System.Text;

namespace BayesHlm.Cli;

/// <summary>
/// Colours what a reader must not miss when the output is a terminal: warnings ("! …", and their wrapped lines) in
/// yellow, errors in red. Used only for a terminal without --no-color or NO_COLOR, so files and pipes get plain text.
/// </summary>
internal sealed class HighlightingWriter(TextWriter inner) : TextWriter
{
    private const string Yellow = "\u001b[33m", Red = "\u001b[31m", Reset = "\u001b[0m";
    private readonly StringBuilder _line = new();
    private bool _inWarning;

    public override Encoding Encoding => inner.Encoding;

    /// <summary>Colour when writing to this console stream, unless the user said no.</summary>
    public static TextWriter For(TextWriter writer, bool redirected, string[] args) =>
        redirected || args.Contains("--no-color") || Environment.GetEnvironmentVariable("NO_COLOR") is not null ? writer : new HighlightingWriter(writer);

    public override void Write(char value)
    {
        if (value == '\r')
        {
            // A line redrawn in place (the progress display) passes through as it is.
            inner.Write(_line.ToString());
            _line.Clear();
            inner.Write('\r');
            return;
        }
        if (value != '\n') { _line.Append(value); return; }
        EmitLine();
        inner.Write('\n');
    }

    public override void Write(string? value)
    {
        if (value is null) return;
        foreach (char c in value) Write(c);
    }

    public override void WriteLine(string? value)
    {
        Write(value);
        Write('\n');
    }

    public override void Flush()
    {
        // A progress line redrawn with '\r' is written as it comes.
        if (_line.Length > 0) { inner.Write(_line.ToString()); _line.Clear(); }
        inner.Flush();
    }

    private void EmitLine()
    {
        string line = _line.ToString();
        _line.Clear();
        string trimmed = line.TrimStart();
        bool warning = trimmed.StartsWith("! ", StringComparison.Ordinal) || (_inWarning && line.StartsWith("    ", StringComparison.Ordinal) && trimmed.Length > 0);
        _inWarning = warning;
        if (trimmed.StartsWith("error:", StringComparison.Ordinal) || trimmed.StartsWith("internal error:", StringComparison.Ordinal)) inner.Write(Red + line + Reset);
        else if (warning) inner.Write(Yellow + line + Reset);
        else inner.Write(line);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) Flush();
        base.Dispose(disposing);
    }
}
