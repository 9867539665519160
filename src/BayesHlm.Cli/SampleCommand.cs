using System.CommandLine;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;
using BayesHlm.Estimation;
using BayesHlm.Model;
using BayesHlm.Reporting;
using BayesHlm.Sampling;

namespace BayesHlm.Cli;

/// <summary><c>bayeshlm sample</c> (model from --data and --formula) and <c>bayeshlm fit</c> (model file): a whole
/// Bayesian run into a run directory, with progress, and Ctrl-C / SIGTERM stopping it cleanly (exit 130);
/// <c>--resume DIR</c> continues an interrupted run, as its run.json describes it.</summary>
internal static class SampleCommand
{
    public const int Interrupted = 130;

    private sealed record SamplerFlags(Option<int?> Chains, Option<int?> Iter, Option<int?> Warmup, Option<int?> Thin, Option<ulong?> Seed,
        Option<bool> SaveGroupEffects, Option<string?> Init, Option<bool> Quiet, Option<bool> Force, Option<string?> NaValues, Option<bool> DecimalComma,
        Option<string?> Resume, Option<double?> CheckpointEvery, Option<bool> PriorOnly)
    {
        public static SamplerFlags Create() => new(
            new Option<int?>("--chains") { Description = "Number of chains, run in parallel (default 4)." },
            new Option<int?>("--iter") { Description = "Iterations per chain, warm-up included, as rstan counts them (default 2000)." },
            new Option<int?>("--warmup") { Description = "Warm-up iterations per chain, not kept (default 1000)." },
            new Option<int?>("--thin") { Description = "Keep every n-th draw after warm-up (default 1)." },
            new Option<ulong?>("--seed") { Description = "Seed of every chain's random stream (default 1); the same seed gives the same draws." },
            new Option<bool>("--save-group-effects") { Description = "Also save every group's random effects u (many columns)." },
            new Option<string?>("--init") { Description = "JSON file of initial variance parameters by name, e.g. {\"sigma2\": 40, \"tau2[school:(Intercept)]\": 8}." },
            new Option<bool>("--quiet") { Description = "No progress display." },
            new Option<bool>("--force") { Description = "Replace an earlier run in the run directory (its files are removed first)." },
            new Option<string?>("--na-values") { Description = "Codes that mark a missing value besides empty, NA and '.', comma-separated: --na-values -99,999." },
            new Option<bool>("--decimal-comma") { Description = "The data's numbers are written with a decimal comma (3,14), fields separated by ';' or tabs." },
            new Option<string?>("--resume") { Description = "Continue the interrupted (or killed) run in this directory from its checkpoints, as its run.json describes it: the draws are those of the uninterrupted run. Give no model or sampler option with it." },
            new Option<double?>("--checkpoint-every") { Description = "Seconds between two saves of every chain's state (default 10); a killed run resumes from the last one." },
            new Option<bool>("--prior-only") { Description = "Sample the priors alone (the data left out): a prior predictive run, which plot, ppc and report read, to see what the priors imply for y." });

        public IEnumerable<Option> All => [Chains, Iter, Warmup, Thin, Seed, SaveGroupEffects, Init, Quiet, Force, NaValues, DecimalComma, Resume, CheckpointEvery, PriorOnly];

        /// <summary>How often the chains save their state: --checkpoint-every, else every 10 s.</summary>
        public CheckpointPolicy Checkpoints(ParseResult parse) => parse.GetValue(CheckpointEvery) switch
        {
            null => CheckpointPolicy.Default,
            double s when s > 0 && s <= 86_400 => new CheckpointPolicy(TimeSpan.FromSeconds(s)),
            double s => throw new ModelSpecificationException($"--checkpoint-every must be a number of seconds above 0 and at most 86400 (a day), not {s}."),
        };

        /// <summary>With --resume DIR, the run directory (after refusing every other option that would describe the run:
        /// run.json describes it); else null.</summary>
        public string? ResumeDirectory(ParseResult parse, string command, IEnumerable<Symbol> describingTheRun)
        {
            if (parse.GetValue(Resume) is not { } dir) return null;
            var given = describingTheRun.Concat([Chains, Iter, Warmup, Thin, Seed, SaveGroupEffects, Init, Force, NaValues, DecimalComma, PriorOnly])
                .Where(s => s switch
                {
                    Option o => parse.GetResult(o) is { Implicit: false },
                    Argument a => parse.GetResult(a) is { Tokens.Count: > 0 },
                    _ => false,
                })
                .Select(s => s is Option o ? o.Name : $"the model file '{parse.GetValue((Argument<string?>)s)}'").ToList();
            if (given.Count > 0)
                throw new ModelSpecificationException(
                    $"--resume {dir} continues the run as its run.json describes it (model, data, priors, sampler settings, seed): give it alone " +
                    $"(with --quiet or --checkpoint-every if you like), not with {string.Join(", ", given)}. E.g. bayeshlm {command} --resume {dir}");
            return dir;
        }

        public SamplerOptions Apply(ParseResult parse, SamplerOptions o)
        {
            o = o with
            {
                Chains = parse.GetValue(Chains) ?? o.Chains,
                Iterations = parse.GetValue(Iter) ?? o.Iterations,
                Warmup = parse.GetValue(Warmup) ?? o.Warmup,
                Thin = parse.GetValue(Thin) ?? o.Thin,
                Seed = parse.GetValue(Seed) ?? o.Seed,
                SaveGroupEffects = parse.GetValue(SaveGroupEffects) || o.SaveGroupEffects,
                PriorOnly = parse.GetValue(PriorOnly) || o.PriorOnly,
            };
            if (parse.GetValue(Init) is { } init) o = o with { Initial = ReadInit(init) };
            o.Validate();
            return o;
        }
    }

    public static Command CreateSample(TextWriter output, TextWriter error)
    {
        var data = new Option<string?>("--data") { Description = "The data file: CSV with a header row, or Parquet." };
        var formula = new Option<string?>("--formula") { Description = "lme4-style formula, e.g. \"y ~ x + (1 + x | g)\"." };
        var priors = new Option<string?>("--priors") { Description = "Priors file (JSON or YAML): the priors object, or an object with a 'priors' key. Parts left out take the defaults." };
        var knownSd = new Option<string?>("--known-sd") { Description = "Column with each row's known level-1 standard deviation (V-known model; no σ² is estimated)." };
        var knownVariance = new Option<string?>("--known-variance") { Description = "Column with each row's known level-1 variance." };
        var weights = new Option<string?>("--weights") { Description = "Column of precision weights: row i's level-1 variance is σ²/w_i (lme4's weights=)." };
        var outDir = new Option<string?>("--out") { Description = "The run directory to write (run.json, draws.csv, summary.csv, reml.json)." };
        var family = new Option<string?>("--family") { Description = "The outcome's distribution: gaussian (default), bernoulli (0/1 or two-valued text), binomial (successes out of --trials) or poisson (counts; an exposure as offset(log(x)))." };
        var trials = new Option<string?>("--trials") { Description = "For --family binomial: the column of each row's number of trials." };
        var flags = SamplerFlags.Create();
        var cmd = new Command("sample",
            "Bayesian fit by blocked Gibbs sampling, into a run directory.\n\n" +
            "Examples:\n  bayeshlm sample --data models/data/hsb.csv --formula \"mathach ~ meanses + (1 | school)\" --out runs/anova\n" +
            "  bayeshlm sample --data schools.csv --formula \"y ~ 1 + (1 | school)\" --known-sd sigma --iter 4000 --seed 7 --out runs/eight")
        { data, formula, priors, knownSd, knownVariance, weights, family, trials, outDir };
        foreach (var o in flags.All) cmd.Options.Add(o);
        cmd.SetAction(parse =>
        {
            if (flags.ResumeDirectory(parse, "sample", [data, formula, priors, knownSd, knownVariance, weights, family, trials, outDir]) is { } resume)
                return Execute(resume, "sample", (stage, progress, cancel) => BayesianRun.Resume(resume, flags.Checkpoints(parse), stage, progress, cancel),
                    parse.GetValue(flags.Quiet), output, error);
            string dataPath = parse.GetValue(data) ?? throw new ModelSpecificationException("Missing --data FILE (the CSV to fit).");
            string formulaText = parse.GetValue(formula) ?? throw new ModelSpecificationException("Missing --formula \"...\" (e.g. \"y ~ x + (1 | g)\").");
            string dir = parse.GetValue(outDir) ?? throw new ModelSpecificationException("Missing --out DIR: the run directory to write.");
            var spec = ModelSpec.FromFormula(formulaText);
            string? sd = parse.GetValue(knownSd), variance = parse.GetValue(knownVariance);
            if (sd is not null && variance is not null) throw new ModelSpecificationException("Give --known-sd or --known-variance, not both.");
            if (sd is not null) spec = spec.WithKnownResidual(sd, isStandardDeviation: true);
            if (variance is not null) spec = spec.WithKnownResidual(variance, isStandardDeviation: false);
            if (parse.GetValue(weights) is { } w) spec = spec.WithWeights(w);
            if (parse.GetValue(family) is { } familyText) spec = spec.WithFamily(Families.Parse(familyText), parse.GetValue(trials));
            else if (parse.GetValue(trials) is { } trialsColumn) spec = spec with { Trials = trialsColumn };
            var priorSpec = parse.GetValue(priors) is { } pf ? PriorSpec.Load(pf) : PriorSpec.Default;
            var request = new RunRequest(dataPath, spec, priorSpec, flags.Apply(parse, new SamplerOptions())) { Command = CommandLine(), Replace = parse.GetValue(flags.Force), MissingValues = Codes(parse.GetValue(flags.NaValues)), DecimalComma = parse.GetValue(flags.DecimalComma) };
            var checkpoints = flags.Checkpoints(parse);
            return Execute(dir, "sample", (stage, progress, cancel) => BayesianRun.Execute(request, dir, checkpoints, stage, progress, cancel), parse.GetValue(flags.Quiet), output, error);
        });
        return cmd;
    }

    public static Command CreateFit(TextWriter output, TextWriter error)
    {
        // Optional only for --resume DIR, which takes the model from the run's run.json.
        var model = new Argument<string?>("model") { Description = "A model file (YAML) with data, levels or formula, and optionally priors: and sampler: sections.", Arity = ArgumentArity.ZeroOrOne };
        var outDir = new Option<string?>("--out") { Description = "The run directory (default runs/<model name>)." };
        var data = new Option<string?>("--data") { Description = "A data file that replaces the model file's data: (which must lie in the model file's folder)." };
        var flags = SamplerFlags.Create();
        var cmd = new Command("fit",
            "REML and the Bayesian fit of a model file, into a run directory (run.json, draws.csv, summary.csv, reml.json).\n" +
            "Sampler options given here override the model file's sampler: section.\n\n" +
            "Examples:\n  bayeshlm fit models/hsb_slopes_as_outcomes.yaml\n  bayeshlm fit models/eight_schools.yaml --seed 3 --out runs/eight\n" +
            "  bayeshlm fit --resume runs/eight   (continue an interrupted run)")
        { model, outDir, data };
        foreach (var o in flags.All) cmd.Options.Add(o);
        cmd.SetAction(parse =>
        {
            if (flags.ResumeDirectory(parse, "fit", [model, outDir, data]) is { } resume)
                return Execute(resume, "fit", (stage, progress, cancel) => BayesianRun.Resume(resume, flags.Checkpoints(parse), stage, progress, cancel),
                    parse.GetValue(flags.Quiet), output, error);
            string path = parse.GetValue(model) ?? throw new ModelSpecificationException("Missing the model file: bayeshlm fit MODEL.yaml (or bayeshlm fit --resume DIR to continue an interrupted run).");
            CliApp.RejectUnknownOption([path], "fit");
            var file = ModelFile.Load(path, parse.GetValue(data));
            if (file.By is not null) throw new ModelSpecificationException($"'{path}': 'by:' is for REML fits (bayeshlm reml); a Bayesian fit takes one data set.");
            string name = file.Name ?? Path.GetFileNameWithoutExtension(path);
            string dir = parse.GetValue(outDir) ?? Path.Combine("runs", name);
            var request = new RunRequest(file.DataPath, file.Spec, file.Priors, flags.Apply(parse, file.Sampler))
            {
                Name = name,
                Levels = file.Levels,
                // A logistic model's EB/ML fit beside the posterior is the Laplace one, whatever its method: says.
                Reml = new RemlOptions { Method = file.Method is null || file.Spec.Family != Family.Gaussian ? EstimationMethod.Reml : RemlOptions.ParseMethod(file.Method) },
                Command = CommandLine(),
                Replace = parse.GetValue(flags.Force),
                MissingValues = parse.GetValue(flags.NaValues) is { } codes ? Codes(codes) : file.MissingValues,
                DecimalComma = parse.GetValue(flags.DecimalComma) || file.DecimalComma,
            };
            var checkpoints = flags.Checkpoints(parse);
            return Execute(dir, "fit", (stage, progress, cancel) => BayesianRun.Execute(request, dir, checkpoints, stage, progress, cancel), parse.GetValue(flags.Quiet), output, error);
        });
        return cmd;
    }

    /// <summary>Runs <paramref name="run"/> (a fresh run, or a resumed one) into <paramref name="dir"/> with progress, Ctrl-C and
    /// SIGTERM stopping it cleanly, and reports how it ended.</summary>
    private static int Execute(string dir, string command, Func<IProgress<string>?, IProgress<SamplerProgress>?, CancellationToken, RunResult> run,
        bool quiet, TextWriter output, TextWriter error)
    {
        using var cancel = new CancellationTokenSource();
        ConsoleCancelEventHandler onCtrlC = (_, e) => { e.Cancel = true; cancel.Cancel(); };
        Console.CancelKeyPress += onCtrlC;
        using var onTerm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; cancel.Cancel(); });
        try
        {
            var display = quiet ? null : new ProgressDisplay(error);
            var result = run(display?.Stage, display?.Sampler, cancel.Token);
            display?.Finish();
            if (result.Manifest.Sampler.PriorOnly)
                output.Write(Reporting.Format.Wrap("Draws from the priors alone (--prior-only): the data were not used. 'bayeshlm ppc DIR' shows what they imply for y.") + "\n");
            if (result.Summary is { } summary) output.Write(SummaryWriters.ToText(summary));
            var t = result.Manifest.Timings;
            output.WriteLine();
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"Time: read {t.Read:F2} s, statistics {t.Statistics:F2} s, {(result.Manifest.Model.Family == Family.Gaussian ? "REML" : "Laplace")} {t.Reml:F2} s, warm-up {t.Warmup:F2} s, sampling {t.Sampling:F2} s, summary {t.Summary:F2} s, writing {t.Writing:F2} s."));
            if (result.Interrupted)
            {
                var reached = result.Posterior?.IterationsReached;
                error.WriteLine($"Interrupted{(reached is null ? " before any draw was kept" : $" at iteration {string.Join("/", reached)} (per chain)")}; " +
                                $"the draws so far are in {dir} and run.json says 'interrupted'. Continue it with: bayeshlm {command} --resume {dir}");
                return Interrupted;
            }
            output.WriteLine($"Run written to {dir}: run.json, draws.csv, summary.csv, reml.json.");
            return CliApp.Ok;
        }
        finally
        {
            Console.CancelKeyPress -= onCtrlC;
        }
    }

    /// <summary>"--na-values -99,999" as its codes.</summary>
    internal static string[] Codes(string? text) => text?.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries) ?? [];

    private static IReadOnlyDictionary<string, double> ReadInit(string path)
    {
        if (!File.Exists(path)) throw new ModelSpecificationException($"Initial values file '{path}' not found.");
        JsonElement root;
        try { root = JsonDocument.Parse(File.ReadAllText(path)).RootElement; }
        catch (JsonException e)
        {
            throw new ModelSpecificationException($"'{path}': not valid JSON (line {e.LineNumber + 1}, position {e.BytePositionInLine + 1}); expected an object of parameter names and numbers, e.g. {{\"sigma2\": 40}}.", e);
        }
        if (root.ValueKind != JsonValueKind.Object)
            throw new ModelSpecificationException($"'{path}': expected an object of parameter names and numbers, e.g. {{\"sigma2\": 40}}.");
        var values = new Dictionary<string, double>();
        foreach (var p in root.EnumerateObject())
            values[p.Name] = p.Value.ValueKind == JsonValueKind.Number ? p.Value.GetDouble()
                : throw new ModelSpecificationException($"'{path}': the initial value of '{p.Name}' must be a number, not {p.Value.GetRawText()}.");
        return values;
    }

    private static string CommandLine() =>
        "bayeshlm " + string.Join(" ", Environment.GetCommandLineArgs().Skip(1).Select(a => a.Any(c => char.IsWhiteSpace(c) || c is '"' or '(' or ')' or '|' or '*') ? "\"" + a.Replace("\"", "\\\"") + "\"" : a));
}

/// <summary>Progress on standard error: one line redrawn in place on a terminal, plain lines every few seconds when redirected.</summary>
internal sealed class ProgressDisplay
{
    private readonly TextWriter _error;
    private readonly bool _terminal = !Console.IsErrorRedirected;
    private readonly object _lock = new();
    private DateTime _lastPlain = DateTime.MinValue;
    private bool _open;

    public ProgressDisplay(TextWriter error)
    {
        _error = error;
        Stage = new SyncProgress<string>(Line);
        Sampler = new SyncProgress<SamplerProgress>(Report);
    }

    public IProgress<string> Stage { get; }
    public IProgress<SamplerProgress> Sampler { get; }

    private void Line(string text)
    {
        lock (_lock)
        {
            if (_open) { _error.WriteLine(); _open = false; }
            _error.WriteLine(text);
        }
    }

    private void Report(SamplerProgress p)
    {
        string chains = string.Join(" ", p.Done.Select(d => d.ToString(CultureInfo.InvariantCulture).PadLeft(p.Iterations.ToString(CultureInfo.InvariantCulture).Length)));
        string left = double.IsFinite(p.SecondsLeft) ? $"{p.SecondsLeft:F0} s left" : "";
        string phase = p.Done.Min() < p.Warmup ? "warm-up" : "sampling";
        string text = string.Create(CultureInfo.InvariantCulture, $"  {phase} · iterations per chain [{chains}] of {p.Iterations} · {p.PerSecond:F0} it/s · {left}");
        lock (_lock)
        {
            if (_terminal)
            {
                _error.Write("\r" + text.PadRight(Math.Min(Console.WindowWidth > 0 ? Console.WindowWidth - 1 : 100, 120)));
                _error.Flush();
                _open = true;
            }
            else if ((DateTime.UtcNow - _lastPlain).TotalSeconds >= 5 || p.Done.All(d => d == p.Iterations))
            {
                _lastPlain = DateTime.UtcNow;
                _error.WriteLine(text.TrimEnd());
            }
        }
    }

    public void Finish()
    {
        lock (_lock) if (_open) { _error.WriteLine(); _open = false; }
    }

    /// <summary>Reports on the caller's thread (Progress&lt;T&gt; would post to the thread pool and could print after the run ends).</summary>
    private sealed class SyncProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}
