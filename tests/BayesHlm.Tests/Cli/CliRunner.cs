using System.Diagnostics;
using System.Text;

namespace BayesHlm.Tests.Cli;

/// <summary>What one run of the <c>bayeshlm</c> command produced.</summary>
public sealed record CliResult(int ExitCode, string StdOut, string StdErr, string[] Arguments)
{
    public override string ToString() =>
        $"bayeshlm {string.Join(' ', Arguments.Select(a => a.Contains(' ') ? $"\"{a}\"" : a))}\n" +
        $"exit code: {ExitCode}\n--- stdout ---\n{StdOut}\n--- stderr ---\n{StdErr}";
}

/// <summary>
/// Runs the CLI as a separate process (<c>dotnet bayeshlm.dll ...</c>). The test project builds the CLI but does not
/// reference its assembly (its name differs from the library's only in case), so it is found on disk:
/// <c>src/BayesHlm.Cli/bin/&lt;Configuration&gt;/net10.0/bayeshlm.dll</c> under the folder holding BayesHlm.sln,
/// with the configuration the test binaries were built in. With <c>BAYESHLM_CLI</c> set to the path of an executable
/// <c>bayeshlm</c> — the native one README.md installs — that is run instead, so every test that runs the command
/// checks that build (<c>BAYESHLM_CLI=~/.local/bayeshlm/bayeshlm dotnet test ...</c>).
/// </summary>
public static class CliRunner
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(120);

    private static readonly Lazy<string> CliDllLazy = new(FindCliDll);

    /// <summary>Full path of bayeshlm.dll.</summary>
    public static string CliDll => CliDllLazy.Value;

    /// <summary>The executable named by BAYESHLM_CLI, or null to run <see cref="CliDll"/> with the dotnet host.</summary>
    public static string? NativeCli { get; } = FindNativeCli();

    /// <summary>Runs <c>bayeshlm args...</c> in <paramref name="workingDirectory"/> (the repository root by default).</summary>
    public static CliResult Run(params string[] args) => Run(args, null, null);

    public static CliResult RunIn(string workingDirectory, params string[] args) => Run(args, workingDirectory, null);

    public static CliResult Run(string[] args, string? workingDirectory, TimeSpan? timeout) => Run(args, workingDirectory, timeout, null);

    /// <summary>As <see cref="Run(string[], string?, TimeSpan?)"/>; <paramref name="whileRunning"/> is called once the process
    /// has started, with the process and a view of its standard error so far (to signal it at the right moment).</summary>
    public static CliResult Run(string[] args, string? workingDirectory, TimeSpan? timeout, Action<Process, Func<string>>? whileRunning)
    {
        var psi = new ProcessStartInfo(NativeCli ?? DotnetHost())
        {
            WorkingDirectory = workingDirectory ?? RepositoryPaths.RepositoryDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            CreateNoWindow = true,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        if (NativeCli is null) psi.ArgumentList.Add(CliDll);
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        psi.Environment["DOTNET_NOLOGO"] = "1";

        using var process = new Process { StartInfo = psi };
        var stdout = new StringBuilder();
        var stderr = new StringBuilder();
        using var outDone = new ManualResetEventSlim();
        using var errDone = new ManualResetEventSlim();
        process.OutputDataReceived += (_, e) => { if (e.Data is null) outDone.Set(); else lock (stdout) stdout.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is null) errDone.Set(); else lock (stderr) stderr.AppendLine(e.Data); };

        if (!process.Start()) throw new InvalidOperationException($"Could not start '{psi.FileName}'.");
        process.StandardInput.Close();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        whileRunning?.Invoke(process, () => { lock (stderr) return stderr.ToString(); });

        var limit = timeout ?? DefaultTimeout;
        if (!process.WaitForExit(limit))
        {
            try { process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
            process.WaitForExit(5000);
            throw new TimeoutException(
                $"bayeshlm {string.Join(' ', args)} did not finish within {limit.TotalSeconds} s.\nstdout so far:\n{stdout}\nstderr so far:\n{stderr}");
        }
        process.WaitForExit(); // flushes the asynchronous readers
        outDone.Wait(TimeSpan.FromSeconds(10));
        errDone.Wait(TimeSpan.FromSeconds(10));
        return new CliResult(process.ExitCode, stdout.ToString(), stderr.ToString(), args);
    }

    /// <summary>The dotnet host that runs the tests (DOTNET_HOST_PATH under dotnet test), else 'dotnet' on the PATH.</summary>
    private static string DotnetHost()
    {
        string? host = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH");
        if (!string.IsNullOrEmpty(host) && File.Exists(host)) return host;
        string? self = Environment.ProcessPath;
        if (self is not null && Path.GetFileNameWithoutExtension(self).Equals("dotnet", StringComparison.OrdinalIgnoreCase)) return self;
        return "dotnet";
    }

    private static string? FindNativeCli()
    {
        string? path = Environment.GetEnvironmentVariable("BAYESHLM_CLI");
        if (string.IsNullOrEmpty(path)) return null;
        if (path.StartsWith("~/", StringComparison.Ordinal))
            path = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), path[2..]);
        path = Path.GetFullPath(path);
        if (!File.Exists(path)) throw new FileNotFoundException($"BAYESHLM_CLI names '{path}', which does not exist.", path);
        return path;
    }

    private static string FindCliDll()
    {
        // Test binaries live in tests/BayesHlm.Tests/bin/<Configuration>/<tfm>/.
        var tfmDir = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar));
        string configuration = tfmDir.Parent?.Name ?? "Debug";
        string tfm = tfmDir.Name.StartsWith("net", StringComparison.Ordinal) ? tfmDir.Name : "net10.0";
        string path = Path.Combine(RepositoryPaths.RepositoryDirectory, "src", "BayesHlm.Cli", "bin", configuration, tfm, "bayeshlm.dll");
        if (!File.Exists(path))
            throw new FileNotFoundException($"The CLI was not found at '{path}'. Build src/BayesHlm.Cli in {configuration} (dotnet build builds it with the tests).", path);
        return path;
    }
}
