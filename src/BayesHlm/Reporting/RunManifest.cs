using System.Reflection;
using System.Security.Cryptography;
using System.Text.Json;
using BayesHlm.Estimation;
using BayesHlm.Model;
using BayesHlm.Sampling;

namespace BayesHlm.Reporting;

/// <summary>What a run's data were: the file, its content hash, and what the model frame made of it.</summary>
/// <param name="Path">The data file's full path.</param>
/// <param name="Sha256">SHA-256 of its bytes, so a changed file is noticed.</param>
/// <param name="RowsRead">Rows in the file (null when the statistics were never built).</param>
/// <param name="RowsUsed">Rows the model used.</param>
/// <param name="Missing">Rows dropped for a missing value, per column.</param>
/// <param name="Groups">Groups per grouping factor.</param>
public sealed record RunData(string Path, string Sha256, int? RowsRead, int? RowsUsed, IReadOnlyDictionary<string, int> Missing, IReadOnlyDictionary<string, int> Groups)
{
    /// <summary>The codes read as missing besides the empty field, NA, '.' and NaN.</summary>
    public IReadOnlyList<string> MissingValues { get; init; } = [];
    /// <summary>The numbers are written with a decimal comma.</summary>
    public bool DecimalComma { get; init; }
}

/// <summary>One file of a run and the SHA-256 of its bytes when the run wrote it.</summary>
public sealed record RunFile(string Name, string Sha256);

/// <summary>Wall time of each stage, in seconds.</summary>
public sealed record RunTimings(double Read, double Statistics, double Reml, double Warmup, double Sampling, double Summary, double Writing)
{
    /// <summary>Stage names as run.json writes them, with their times.</summary>
    public IEnumerable<(string Stage, double Seconds)> Stages =>
        [("read", Read), ("statistics", Statistics), ("reml", Reml), ("warmup", Warmup), ("sampling", Sampling), ("summary", Summary), ("writing", Writing)];
}

/// <summary>The software a run was made with.</summary>
public sealed record RunVersions(string BayesHlm, string DotNet, string Os)
{
    /// <summary>This process's versions.</summary>
    public static RunVersions Current { get; } = new(
        typeof(RunVersions).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown",
        Environment.Version.ToString(), System.Runtime.InteropServices.RuntimeInformation.OSDescription);
}

/// <summary>
/// run.json as one typed record, with its one writer (<see cref="ToJson"/>) and its one reader (<see cref="Read"/>):
/// what was fitted (model, data, priors as used, sampler settings), how far it got, how long each stage took, the
/// warnings, and the software — enough to repeat the run exactly and to rebuild everything but the draws.
/// </summary>
public sealed record RunManifest
{
    /// <summary>False when the run was stopped (Ctrl-C) before its last iteration.</summary>
    public required bool Complete { get; init; }
    /// <summary>True in the run.json written when sampling starts (status <c>running</c>), replaced when the run ends; one
    /// still saying so when no process holds the run's lock is of a killed run, which <c>--resume</c> continues.</summary>
    public bool Running { get; init; }
    /// <summary>Iterations each chain completed, warm-up included (empty when no chain started).</summary>
    public IReadOnlyList<int> IterationsReached { get; init; } = [];
    /// <summary>Kept draws per chain in draws.csv (null when none were kept).</summary>
    public int? DrawsPerChain { get; init; }
    /// <summary>The model's name (from the model file).</summary>
    public string? Name { get; init; }
    /// <summary>The command line that started the run.</summary>
    public string? Command { get; init; }
    /// <summary>The model, as a formula with its known level-1 spread if any.</summary>
    public required ModelSpec Model { get; init; }
    /// <summary>REML or ML for the EB/ML fit beside the posterior.</summary>
    public required EstimationMethod Method { get; init; }
    /// <summary>The level-by-level equations, when the model was declared that way.</summary>
    public IReadOnlyList<string>? Equations { get; init; }
    /// <summary>The data.</summary>
    public required RunData Data { get; init; }
    /// <summary>Every prior as used, defaults filled in.</summary>
    public required PriorSpec Priors { get; init; }
    /// <summary>The sampler's settings.</summary>
    public required SamplerOptions Sampler { get; init; }
    /// <summary>Per chain, the acceptance rate of the ancillary move (empty without one).</summary>
    public IReadOnlyList<double> AncillaryAcceptance { get; init; } = [];
    /// <summary>Wall time of each stage.</summary>
    public required RunTimings Timings { get; init; }
    /// <summary>REML and convergence warnings, as the run printed them.</summary>
    public IReadOnlyList<string> Warnings { get; init; } = [];
    /// <summary>The software.</summary>
    public required RunVersions Versions { get; init; }
    /// <summary>The files that belong to this run, with their hashes: a file that no longer matches is not this run's.</summary>
    public IReadOnlyList<RunFile> Files { get; init; } = [];

    /// <summary>SHA-256 of a file's bytes, lower-case hex.</summary>
    public static string Sha256Of(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }

    /// <summary>SHA-256 of <paramref name="bytes"/>, lower-case hex.</summary>
    public static string Sha256Of(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    /// <summary>Refuses a data file that is gone or has changed since the run (its SHA-256 is not <see cref="RunData.Sha256"/>),
    /// saying <paramref name="consequence"/>.</summary>
    public void CheckData(string consequence)
    {
        if (!File.Exists(Data.Path)) throw new ModelSpecificationException($"The run's data file '{Data.Path}' (from run.json) is not there any more.");
        if (Data.Sha256.Length > 0 && Sha256Of(Data.Path) != Data.Sha256)
            throw new ModelSpecificationException($"The data file '{Data.Path}' has changed since the run (its SHA-256 is not the one in run.json): {consequence}");
    }

    /// <summary>Refuses a run directory whose files are not those <see cref="Files"/> names (missing, or another hash): it mixes runs.</summary>
    public void CheckFiles(string directory)
    {
        foreach (var file in Files.Where(f => f.Sha256.Length > 0))
        {
            string path = System.IO.Path.Combine(directory, file.Name);
            if (!File.Exists(path) || Sha256Of(path) != file.Sha256)
                throw new ModelSpecificationException(
                    $"'{path}' is not the file this run wrote (missing, or its SHA-256 differs from run.json): the directory mixes runs. Run the model again into a new --out.");
        }
    }

    /// <summary>The data file's facts, hashed from its bytes.</summary>
    public static RunData DescribeData(string path, Statistics.SufficientStatistics? s)
    {
        ArgumentNullException.ThrowIfNull(path);
        return new RunData(System.IO.Path.GetFullPath(path), Sha256Of(path), s?.Frame.RowsRead, s?.Frame.RowsUsed,
            s?.Frame.MissingByColumn ?? new Dictionary<string, int>(), s?.Levels.ToDictionary(l => l.Grouping.Name, l => l.Grouping.Count) ?? []);
    }

    /// <summary>run.json's text.</summary>
    public string ToJson()
    {
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            w.WriteStartObject();
            w.WriteString("status", Complete ? "complete" : Running ? "running" : "interrupted");
            if (DrawsPerChain is { } kept)
            {
                JsonArrays.Write(w, "iterations_reached", IterationsReached.Select(i => (double)i));
                w.WriteNumber("draws_per_chain", kept);
            }
            w.WriteString("name", Name);
            w.WriteString("command", Command);
            w.WriteStartObject("model");
            w.WriteString("formula", Model.ToFormula());
            if (Model.KnownResidual is { } k) w.WriteString(k.IsStandardDeviation ? "known_sd" : "known_variance", k.Column);
            if (Model.Weights is { } weights) w.WriteString("weights", weights);
            if (Model.Family != Family.Gaussian) w.WriteString("family", Model.Family.Name());
            if (Model.Trials is { } trials) w.WriteString("trials", trials);
            w.WriteString("method", Method switch { EstimationMethod.Ml => "ML", EstimationMethod.Laplace => "Laplace", _ => "REML" });
            if (Equations is { } equations) JsonArrays.Write(w, "levels", equations);
            w.WriteEndObject();
            w.WriteStartObject("data");
            w.WriteString("path", Data.Path);
            w.WriteString("sha256", Data.Sha256);
            if (Data.MissingValues.Count > 0) JsonArrays.Write(w, "missing_values", Data.MissingValues);
            if (Data.DecimalComma) w.WriteBoolean("decimal_comma", true);
            if (Data.RowsRead is { } read)
            {
                w.WriteNumber("rows_read", read);
                w.WriteNumber("rows_used", Data.RowsUsed ?? 0);
                Counts(w, "missing", Data.Missing);
                Counts(w, "groups", Data.Groups);
            }
            w.WriteEndObject();
            w.WriteStartObject("priors");
            Priors.WriteTo(w);
            w.WriteEndObject();
            w.WriteStartObject("sampler");
            w.WriteNumber("chains", Sampler.Chains);
            w.WriteNumber("iter", Sampler.Iterations);
            w.WriteNumber("warmup", Sampler.Warmup);
            w.WriteNumber("thin", Sampler.Thin);
            w.WriteNumber("seed", Sampler.Seed);
            w.WriteBoolean("save_group_effects", Sampler.SaveGroupEffects);
            if (Sampler.PriorOnly) w.WriteBoolean("prior_only", true);
            if (Sampler.Initial is { } init)
            {
                w.WriteStartObject("init");
                foreach (var (name, v) in init) w.WriteNumber(name, v);
                w.WriteEndObject();
            }
            if (AncillaryAcceptance.Any(double.IsFinite)) JsonArrays.Write(w, "ancillary_acceptance", AncillaryAcceptance.Select(a => Math.Round(a, 4)));
            w.WriteEndObject();
            w.WriteStartObject("timings");
            foreach (var (stage, seconds) in Timings.Stages) w.WriteNumber(stage, Math.Round(seconds, 4));
            w.WriteEndObject();
            JsonArrays.Write(w, "warnings", Warnings);
            w.WriteStartObject("versions");
            w.WriteString("bayeshlm", Versions.BayesHlm);
            w.WriteString("dotnet", Versions.DotNet);
            w.WriteString("os", Versions.Os);
            w.WriteEndObject();
            w.WriteStartObject("files");
            foreach (var f in Files) w.WriteString(f.Name, f.Sha256);
            w.WriteEndObject();
            w.WriteEndObject();
        }
        return System.Text.Encoding.UTF8.GetString(stream.ToArray());
    }

    /// <summary>Reads run.json; a missing or malformed part is a <see cref="ModelSpecificationException"/> naming it.</summary>
    public static RunManifest Read(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        JsonElement root;
        try { root = JsonDocument.Parse(File.ReadAllText(path)).RootElement.Clone(); }
        catch (JsonException e) { throw new ModelSpecificationException($"'{path}' is not valid JSON ({e.Message}).", e); }
        JsonElement Get(JsonElement e, string key, string where) =>
            e.TryGetProperty(key, out var v) ? v : throw new ModelSpecificationException($"'{path}' has no '{where}{key}'.");
        string Text(JsonElement e, string key, string where) =>
            Get(e, key, where).GetString() ?? throw new ModelSpecificationException($"'{path}': '{where}{key}' is empty.");
        string? Optional(JsonElement e, string key) => e.TryGetProperty(key, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
        try
        {
            var model = Get(root, "model", "");
            var spec = ModelSpec.FromFormula(Text(model, "formula", "model."));
            if (Optional(model, "known_sd") is { } sd) spec = spec.WithKnownResidual(sd, isStandardDeviation: true);
            if (Optional(model, "known_variance") is { } variance) spec = spec.WithKnownResidual(variance, isStandardDeviation: false);
            if (Optional(model, "weights") is { } weights) spec = spec.WithWeights(weights);
            if (Optional(model, "family") is { } family) spec = spec.WithFamily(Families.Parse(family), Optional(model, "trials"));
            var data = Get(root, "data", "");
            var sampler = Get(root, "sampler", "");
            var timings = Get(root, "timings", "");
            var versions = root.TryGetProperty("versions", out var v) ? v : default;
            double Time(string stage) => timings.TryGetProperty(stage, out var t) ? t.GetDouble() : 0;
            return new RunManifest
            {
                Complete = Text(root, "status", "") == "complete",
                Running = Text(root, "status", "") == "running",
                IterationsReached = root.TryGetProperty("iterations_reached", out var reached) ? reached.EnumerateArray().Select(x => x.GetInt32()).ToArray() : [],
                DrawsPerChain = root.TryGetProperty("draws_per_chain", out var kept) ? kept.GetInt32() : null,
                Name = Optional(root, "name"),
                Command = Optional(root, "command"),
                Model = spec,
                Method = (Optional(model, "method") ?? MethodOfOlderRun(path)) switch { "ML" => EstimationMethod.Ml, "Laplace" => EstimationMethod.Laplace, _ => EstimationMethod.Reml },
                Equations = model.TryGetProperty("levels", out var levels) ? levels.EnumerateArray().Select(l => l.GetString() ?? "").ToArray() : null,
                Data = new RunData(Text(data, "path", "data."), Optional(data, "sha256") ?? "",
                    data.TryGetProperty("rows_read", out var rr) ? rr.GetInt32() : null, data.TryGetProperty("rows_used", out var ru) ? ru.GetInt32() : null,
                    CountsOf(data, "missing"), CountsOf(data, "groups"))
                {
                    MissingValues = data.TryGetProperty("missing_values", out var codes) ? codes.EnumerateArray().Select(c => c.GetString() ?? "").ToArray() : [],
                    DecimalComma = data.TryGetProperty("decimal_comma", out var comma) && comma.ValueKind == JsonValueKind.True,
                },
                Priors = PriorSpec.FromJson(Get(root, "priors", "").GetRawText(), $"'{path}' priors"),
                Sampler = new SamplerOptions
                {
                    Chains = Get(sampler, "chains", "sampler.").GetInt32(),
                    Iterations = Get(sampler, "iter", "sampler.").GetInt32(),
                    Warmup = Get(sampler, "warmup", "sampler.").GetInt32(),
                    Thin = Get(sampler, "thin", "sampler.").GetInt32(),
                    Seed = Get(sampler, "seed", "sampler.").GetUInt64(),
                    SaveGroupEffects = sampler.TryGetProperty("save_group_effects", out var save) && save.GetBoolean(),
                    PriorOnly = sampler.TryGetProperty("prior_only", out var priorOnly) && priorOnly.GetBoolean(),
                    Initial = sampler.TryGetProperty("init", out var init) ? init.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetDouble()) : null,
                },
                AncillaryAcceptance = sampler.TryGetProperty("ancillary_acceptance", out var acc) ? acc.EnumerateArray().Select(x => x.GetDouble()).ToArray() : [],
                Timings = new RunTimings(Time("read"), Time("statistics"), Time("reml"), Time("warmup"), Time("sampling"), Time("summary"), Time("writing")),
                Warnings = root.TryGetProperty("warnings", out var warnings) ? warnings.EnumerateArray().Select(x => x.GetString() ?? "").ToArray() : [],
                Versions = versions.ValueKind == JsonValueKind.Object
                    ? new RunVersions(Optional(versions, "bayeshlm") ?? "unknown", Optional(versions, "dotnet") ?? "unknown", Optional(versions, "os") ?? "unknown")
                    : new RunVersions("unknown", "unknown", "unknown"),
                Files = !root.TryGetProperty("files", out var files) ? []
                    : files.ValueKind == JsonValueKind.Object ? files.EnumerateObject().Select(p => new RunFile(p.Name, p.Value.GetString() ?? "")).ToArray()
                    : files.EnumerateArray().Select(x => new RunFile(x.GetString() ?? "", "")).ToArray(), // written before the hashes were
            };
        }
        catch (Exception e) when (e is InvalidOperationException or FormatException)
        {
            throw new ModelSpecificationException($"'{path}' is not a run.json this version can read: {e.Message}", e);
        }
    }

    /// <summary>Runs written before run.json recorded the method: reml.json beside it says.</summary>
    private static string? MethodOfOlderRun(string runJson)
    {
        string reml = System.IO.Path.Combine(System.IO.Path.GetDirectoryName(runJson) ?? ".", "reml.json");
        return File.Exists(reml) && JsonDocument.Parse(File.ReadAllText(reml)).RootElement.TryGetProperty("method", out var m) ? m.GetString() : null;
    }

    private static IReadOnlyDictionary<string, int> CountsOf(JsonElement e, string key) =>
        e.TryGetProperty(key, out var o) && o.ValueKind == JsonValueKind.Object ? o.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetInt32()) : new Dictionary<string, int>();

    private static void Counts(Utf8JsonWriter w, string name, IReadOnlyDictionary<string, int> counts)
    {
        w.WriteStartObject(name);
        foreach (var (key, n) in counts) w.WriteNumber(key, n);
        w.WriteEndObject();
    }
}
