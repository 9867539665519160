using System.Diagnostics;

namespace BayesHlm.Reporting;

/// <summary>
/// The run directory while a run writes it: checked before any work (never a folder holding files that are not a run's,
/// such as the data; an earlier run only when asked to replace it), then created and locked against a second writer
/// with a lock file holding the process id. A run that fails leaves nothing behind; one that is interrupted keeps what
/// it wrote, with run.json saying so, and its checkpoints, from which <see cref="OpenToResume"/> continues it.
/// </summary>
internal sealed class RunFolder : IDisposable
{
    /// <summary>What a run directory may hold: the run's files, the plots, and the lock, part and checkpoint files of a run at work.</summary>
    private static readonly string[] RunFiles = ["run.json", "draws.csv", "summary.csv", "reml.json", "compare.csv", "report.html", LockName];
    /// <summary>What a run derives from its draws: a resumed run writes them anew.</summary>
    private static readonly string[] FromTheDraws = ["draws.csv", "summary.csv", "compare.csv", "report.html", "plots"];
    private const string LockName = "run.lock";

    private readonly bool _created, _resumed;
    private FileStream? _lock;

    private RunFolder(string path, bool created, bool resumed, FileStream @lock)
    {
        Path = path;
        _created = created;
        _resumed = resumed;
        _lock = @lock;
    }

    /// <summary>The directory.</summary>
    public string Path { get; }

    /// <summary>Refuses, without changing anything, a directory a run may not be written into.</summary>
    public static void Check(string directory, bool replace)
    {
        if (string.IsNullOrWhiteSpace(directory))
            throw new ModelSpecificationException("The run directory (--out) is empty: give the name of a new folder, e.g. --out runs/mine.");
        if (File.Exists(directory))
            throw new ModelSpecificationException($"'{directory}' is a file, not a folder: give the name of a new folder for the run (--out).");
        if (!Directory.Exists(directory)) return;
        var entries = Directory.EnumerateFileSystemEntries(directory).Select(e => System.IO.Path.GetFileName(e)!).ToList();
        var foreign = entries.Where(e => !IsRunFile(directory, e)).ToList();
        if (foreign.Count > 0)
            throw new ModelSpecificationException(
                $"'{directory}' holds files that are not a run's ({string.Join(", ", foreign.Take(3).Select(f => $"'{f}'"))}{(foreign.Count > 3 ? ", …" : "")}): " +
                "a run is written into a new or empty folder, and nothing else in it is touched. Give another --out.");
        RefuseIfLocked(directory);
        if (entries.Count > 0 && !replace)
            throw new ModelSpecificationException(
                $"'{directory}' holds an earlier run ({string.Join(", ", entries.Take(4))}). Give another --out, or --force to replace that run.");
    }

    /// <summary>Checks the directory again, removes an earlier run's files when <paramref name="replace"/>, creates it and
    /// takes its lock.</summary>
    public static RunFolder Open(string directory, bool replace)
    {
        Check(directory, replace);
        bool created = !Directory.Exists(directory);
        Directory.CreateDirectory(directory);
        var folder = new RunFolder(directory, created, resumed: false, TakeLock(directory));
        folder.RemoveRunFiles(_ => true);
        return folder;
    }

    /// <summary>Takes the lock of an interrupted run's directory to continue it. Only what the run derived from its draws
    /// (draws.csv, summary, comparison, report, plots) is removed, to be written anew; a failure leaves the rest — the
    /// checkpoints, the parts, run.json — as it was, to be resumed again.</summary>
    public static RunFolder OpenToResume(string directory)
    {
        var folder = new RunFolder(directory, created: false, resumed: true, TakeLock(directory));
        folder.RemoveRunFiles(FromTheDraws.Contains);
        return folder;
    }

    /// <summary>Refuses a directory whose lock a running process holds.</summary>
    public static void RefuseIfLocked(string directory)
    {
        if (WriterOf(directory) is { } pid)
            throw new ModelSpecificationException($"'{directory}' is being written by another bayeshlm (process {pid}). Wait for it to finish, or give another --out.");
    }

    private static FileStream TakeLock(string directory)
    {
        FileStream @lock;
        try
        {
            @lock = new FileStream(System.IO.Path.Combine(directory, LockName), FileMode.CreateNew, FileAccess.Write, FileShare.Read);
        }
        catch (IOException)
        {
            // Another writer took the lock between the check and here; or a stale lock of a killed run is there.
            RefuseIfLocked(directory);
            File.Delete(System.IO.Path.Combine(directory, LockName));
            @lock = new FileStream(System.IO.Path.Combine(directory, LockName), FileMode.CreateNew, FileAccess.Write, FileShare.Read);
        }
        using (var w = new StreamWriter(@lock, leaveOpen: true)) w.Write(Environment.ProcessId);
        @lock.Flush();
        return @lock;
    }

    /// <summary>Removes what the run wrote (and the folder, if the run created it): a failed run leaves nothing behind.
    /// A resumed run's failure only releases the lock: what the interrupted run left is kept, to be resumed again.</summary>
    public void Discard()
    {
        if (_resumed)
        {
            Dispose();
            return;
        }
        RemoveRunFiles(_ => true);
        Dispose();
        if (_created && Directory.Exists(Path) && !Directory.EnumerateFileSystemEntries(Path).Any()) Directory.Delete(Path);
    }

    /// <summary>Releases the lock.</summary>
    public void Dispose()
    {
        if (_lock is null) return;
        _lock.Dispose();
        _lock = null;
        File.Delete(System.IO.Path.Combine(Path, LockName));
    }

    private void RemoveRunFiles(Func<string, bool> which)
    {
        foreach (var entry in Directory.EnumerateFileSystemEntries(Path).ToList())
        {
            string name = System.IO.Path.GetFileName(entry);
            if (name == LockName || !IsRunFile(Path, name) || !which(name)) continue;
            if (Directory.Exists(entry)) Directory.Delete(entry, recursive: true);
            else File.Delete(entry);
        }
    }

    private static bool IsRunFile(string directory, string name) =>
        RunFiles.Contains(name) || name.EndsWith(".part", StringComparison.Ordinal) || name.EndsWith(".tmp", StringComparison.Ordinal) || RunCheckpoints.IsCheckpointFile(name)
        || (name is "plots" && Directory.Exists(System.IO.Path.Combine(directory, name)));

    /// <summary>The process id in the lock file, when that process is still running.</summary>
    private static int? WriterOf(string directory)
    {
        string path = System.IO.Path.Combine(directory, LockName);
        if (!File.Exists(path)) return null;
        string text;
        try { text = File.ReadAllText(path).Trim(); }
        catch (IOException) { return 0; }
        if (!int.TryParse(text, out int pid)) return null;
        try
        {
            using var p = Process.GetProcessById(pid);
            return p.HasExited ? null : pid;
        }
        catch (ArgumentException) { return null; }
    }
}
