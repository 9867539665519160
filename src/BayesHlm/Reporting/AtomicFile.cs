namespace BayesHlm.Reporting;

/// <summary>Writes a file under a temporary name and renames it when complete, so a crash or Ctrl-C never
/// leaves a half-written file that looks whole.</summary>
public static class AtomicFile
{
    /// <summary>Writes <paramref name="path"/> through <paramref name="write"/>, creating its folder if needed. The file
    /// appears, replacing any old one, only when <paramref name="write"/> returns; if it throws, nothing changes.</summary>
    /// <param name="path">The file to write.</param>
    /// <param name="write">Writes the content to the stream of the temporary file.</param>
    public static void Write(string path, Action<Stream> write)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(write);
        string full = Path.GetFullPath(path);
        string? dir = Path.GetDirectoryName(full);
        if (dir is not null) Directory.CreateDirectory(dir);
        string temp = full + $".{Environment.ProcessId}.tmp";
        try
        {
            using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None))
                write(stream);
            File.Move(temp, full, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
    }

    /// <summary>Writes <paramref name="text"/> as UTF-8 (no BOM), as <see cref="Write"/> does.</summary>
    public static void WriteText(string path, string text) =>
        Write(path, s => { using var w = new StreamWriter(s); w.Write(text); });
}
