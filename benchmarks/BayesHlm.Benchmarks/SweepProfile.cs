using System.Diagnostics;
using System.Globalization;
using BayesHlm.Data;
using BayesHlm.Estimation;
using BayesHlm.Model;

namespace BayesHlm.Benchmarks;

/// <summary>
/// <c>--sweep-profile MODEL [SWEEPS]</c>: the chain of <see cref="SweepBenchmarks"/> for models/MODEL.yaml, then SWEEPS
/// (default 20,000) steady-state sweeps with every step timed on its own by <see cref="Stopwatch.GetTimestamp"/>; prints
/// each step's median and mean and the median sweep, in µs. A sweep is a few tens of µs, far shorter than a time slice,
/// so the median of single sweeps is what an unloaded core does even when the machine is busy (a mean, or a
/// BenchmarkDotNet iteration of many sweeps, takes in every preemption).
/// </summary>
internal static class SweepProfile
{
    public static int Run(string model, int sweeps)
    {
        var inv = CultureInfo.InvariantCulture;
        var file = ModelFile.Load(Path.Combine(RepoPaths.Root, "models", model + ".yaml"));
        var data = DataTable.ReadCsv(file.DataPath, file.Spec.LabelColumns, file.MissingValues, file.DecimalComma);
        var method = file.Method is null || file.Spec.Family != Family.Gaussian ? EstimationMethod.Reml : RemlOptions.ParseMethod(file.Method);
        var chain = SweepChain.Build(file.Spec, data, file.Priors, new RemlOptions { Method = method }, file.Sampler.Warmup);
        var steps = chain.Steps;
        var state = chain.State;
        var rng = chain.Random;
        var ticks = new long[steps.Count + 1][];
        for (int s = 0; s <= steps.Count; s++) ticks[s] = new long[sweeps];
        for (int t = 0; t < sweeps; t++)
        {
            long start = Stopwatch.GetTimestamp(), at = start;
            for (int s = 0; s < steps.Count; s++)
            {
                steps[s].Update(state, rng, false);
                long now = Stopwatch.GetTimestamp();
                ticks[s][t] = now - at;
                at = now;
            }
            ticks[steps.Count][t] = at - start;
        }
        double Micro(double tick) => tick * 1e6 / Stopwatch.Frequency;
        Console.WriteLine(string.Create(inv, $"{model}: {sweeps} sweeps after {file.Sampler.Warmup} warm-up; µs per sweep"));
        Console.WriteLine(string.Create(inv, $"{"step",-40} {"median",8} {"mean",8}"));
        for (int s = 0; s <= steps.Count; s++)
        {
            string name = s < steps.Count ? steps[s].GetType().FullName!.Replace("BayesHlm.", "", StringComparison.Ordinal) : "whole sweep";
            var sorted = (long[])ticks[s].Clone();
            Array.Sort(sorted);
            double median = sweeps % 2 == 1 ? sorted[sweeps / 2] : 0.5 * (sorted[sweeps / 2 - 1] + sorted[sweeps / 2]);
            Console.WriteLine(string.Create(inv, $"{name,-40} {Micro(median),8:F2} {Micro(ticks[s].Average()),8:F2}"));
        }
        return 0;
    }
}
