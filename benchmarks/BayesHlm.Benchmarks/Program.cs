using System.Diagnostics;
using System.Globalization;
using BayesHlm.Benchmarks;
using BayesHlm.Data;
using BayesHlm.Model;
using BayesHlm.Statistics;
using BenchmarkDotNet.Running;

if (args.Contains("--peak-memory"))
    return PeakMemory.Run();
if (args.Length >= 2 && args[0] == "--sweep-profile")
    return SweepProfile.Run(args[1], args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 20_000);
if (args.Length == 2 && args[0] == "--from-stats")
    return ScaleRun.FromStatistics(args[1]);
if (args.Length == 1 && args[0] == "--sweep-scaling")
    return ScaleRun.SweepScaling();
if (args.Length == 3 && args[0] == "--chart")
    return CompareChart.Run(args[1], args[2]);

BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
return 0;

/// <summary>
/// <c>--peak-memory</c>: generate the 10^6-row CSV, then read it and build the statistics once, printing the
/// elapsed time and the process's peak working set (BenchmarkDotNet reports allocated bytes, not peak memory).
/// </summary>
internal static class PeakMemory
{
    public static int Run()
    {
        var inv = CultureInfo.InvariantCulture;
        var clock = Stopwatch.StartNew();
        string path = LargeCsv.Write();
        try
        {
            Console.WriteLine(string.Create(inv,
                $"Generated {LargeCsv.Rows:N0} rows x 10 columns ({new FileInfo(path).Length / 1048576.0:F1} MB) in {clock.Elapsed.TotalSeconds:F2} s; " +
                $"peak working set so far {Process.GetCurrentProcess().PeakWorkingSet64 / 1048576.0:F1} MB"));
            GC.Collect();
            GC.WaitForPendingFinalizers();

            var spec = ModelSpec.FromFormula(LargeCsv.Formula);
            clock.Restart();
            var data = DataTable.ReadCsv(path);
            double read = clock.Elapsed.TotalSeconds;
            var stats = SufficientStatistics.Build(spec, data);
            double total = clock.Elapsed.TotalSeconds;
            GC.KeepAlive(stats);

            using var process = Process.GetCurrentProcess();
            process.Refresh();
            Console.WriteLine(string.Create(inv, $"ReadCsv: {read:F2} s; ReadCsv + SufficientStatistics.Build ({LargeCsv.Formula}): {total:F2} s"));
            Console.WriteLine(string.Create(inv, $"Peak working set: {process.PeakWorkingSet64 / 1048576.0:F1} MB"));
            return 0;
        }
        finally
        {
            File.Delete(path);
        }
    }
}
