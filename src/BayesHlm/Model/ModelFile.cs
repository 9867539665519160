using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace BayesHlm.Model;

/// <summary>
/// A model file (YAML): the data, and the model either level by level or as a formula.
/// <code>
/// name: hsb_slopes_as_outcomes
/// data: data/hsb.csv             # relative to the model file, inside its folder
/// method: reml                   # reml (default) or ml
/// level1:
///   equation: mathach = b0 + b1*center(ses, school) + e
/// level2:
///   group: school
///   equations:
///     - b0 = g00 + g01*meanses + g02*sector + u0
///     - b1 = g10 + g11*meanses + g12*sector + u1
/// </code>
/// <c>formula:</c> may replace the levels. <c>priors:</c> and <c>sampler:</c> sections are kept for the Bayesian fit.
/// </summary>
public sealed record ModelFile(string Path, string? Name, string DataPath, string? Method, string? By, ModelSpec Spec, HierarchicalModel? Levels)
{
    private static readonly string[] Keys = ["name", "description", "data", "method", "by", "formula", "level1", "level2", "level3", "known_sd", "known_variance", "weights", "na_values", "decimal_comma", "priors", "sampler", "family", "trials", "agq", "table", "query", "where"];

    /// <summary>
    /// The model file's <c>data:</c> resolved relative to its folder, refused when it leads out of that folder (by '..', an
    /// absolute path or a symbolic link): a model file someone else wrote must not make the tool read, and quote in its
    /// messages, a file the user did not choose. A path given on the command line is the user's own choice and may lie anywhere.
    /// </summary>
    private static string DataInsideFolder(string modelPath, string data, string at)
    {
        string folder = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(modelPath))!;
        string full = System.IO.Path.GetFullPath(System.IO.Path.Combine(folder, data));
        string realFolder = RealPath(folder), realData = RealPath(full);
        string prefix = realFolder.EndsWith(System.IO.Path.DirectorySeparatorChar) ? realFolder : realFolder + System.IO.Path.DirectorySeparatorChar;
        if (!realData.StartsWith(prefix, StringComparison.Ordinal))
            throw new ModelSpecificationException(
                $"{at}: data: '{data}' lies outside the model file's folder ('{folder}'). A model file may name data only in its own folder " +
                $"or below it; to fit a file elsewhere, give it on the command line: bayeshlm fit {modelPath} --data PATH (or bayeshlm reml {modelPath} --data PATH).");
        return full;
    }

    /// <summary>The model file's <c>data:</c>: a file (or <c>duckdb:FILE</c>) inside the model file's folder, resolved
    /// relative to it; a PostgreSQL URL or connection string as written.</summary>
    private static string DataLocation(string modelPath, string data, string at)
    {
        if (Data.Sources.DataSource.KindOf(data) == Data.Sources.DataSourceKind.Postgres) return data;
        if (data.StartsWith("duckdb:", StringComparison.OrdinalIgnoreCase))
        {
            string? file = Data.Sources.DuckDbSource.PathOf(data);
            return file is null ? "duckdb:" : "duckdb:" + DataInsideFolder(modelPath, file, at);
        }
        return DataInsideFolder(modelPath, data, at);
    }

    /// <summary>The path with every symbolic link along it followed (parts that do not exist are kept as written).</summary>
    private static string RealPath(string fullPath)
    {
        string root = System.IO.Path.GetPathRoot(fullPath)!;
        string current = root;
        foreach (string part in fullPath[root.Length..].Split(System.IO.Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries))
        {
            current = System.IO.Path.Combine(current, part);
            FileSystemInfo info = Directory.Exists(current) ? new DirectoryInfo(current) : new FileInfo(current);
            if (info.Exists && info.LinkTarget is not null && info.ResolveLinkTarget(returnFinalTarget: true) is { } target)
                current = RealPath(System.IO.Path.GetFullPath(target.FullName));
        }
        return current;
    }

    /// <summary>The data source: <see cref="DataPath"/> with the file's <c>table:</c>, <c>query:</c> and <c>where:</c>.</summary>
    public Data.Sources.DataSource Source { get; init; } = new("");

    /// <summary>The <c>na_values:</c> codes that mark a missing value in the data.</summary>
    public IReadOnlyList<string> MissingValues { get; init; } = [];

    /// <summary>The <c>decimal_comma:</c> flag: the data's numbers are written 3,14.</summary>
    public bool DecimalComma { get; init; }

    /// <summary><c>agq:</c> quadrature points per group for a binomial or Poisson fit (glmer's nAGQ); null when not given.</summary>
    public int? QuadraturePoints { get; init; }

    /// <summary>The <c>priors:</c> section, or <see cref="PriorSpec.Default"/>.</summary>
    public PriorSpec Priors { get; init; } = PriorSpec.Default;

    /// <summary>The <c>sampler:</c> section (chains, iter, warmup, thin, seed, save_group_effects, prior_only), or the defaults.</summary>
    public Sampling.SamplerOptions Sampler { get; init; } = new();

    /// <summary>Reads and checks the model file at <paramref name="path"/>; the data path is resolved relative to it, the
    /// data not read. A <see cref="ModelSpecificationException"/> naming the line where it can.</summary>
    /// <param name="path">The model file.</param>
    /// <param name="dataOverride">A data file given on the command line: it replaces the file's <c>data:</c> and may lie anywhere.</param>
    public static ModelFile Load(string path, string? dataOverride = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (Directory.Exists(path)) throw new ModelSpecificationException($"'{path}' is a folder, not a model file. Give the path of a YAML model file (models/*.yaml).");
        if (!File.Exists(path)) throw new ModelSpecificationException($"Model file '{path}' not found (looked for '{System.IO.Path.GetFullPath(path)}').");
        if (new FileInfo(path).Length > SafeYaml.MaxBytes)
            throw new ModelSpecificationException($"'{path}' is {new FileInfo(path).Length:N0} bytes; a model file is at most 1 MiB. Is it the data file?");
        if (SafeYaml.Load(File.ReadAllText(path), $"'{path}'") is not YamlMappingNode root)
            throw new ModelSpecificationException($"'{path}' is empty or not a mapping of keys ({string.Join(", ", Keys)}).");

        string At(YamlNode n) => $"'{path}', line {n.Start.Line}, column {n.Start.Column}";
        var map = new Dictionary<string, YamlNode>();
        foreach (var (k, v) in root.Children)
        {
            string key = KeyOf(k, At);
            if (!Keys.Contains(key))
                throw new ModelSpecificationException($"{At(k)}: unknown key '{key}'. Known keys: {string.Join(", ", Keys)}.");
            map[key] = v;
        }
        string? Scalar(string key)
        {
            if (!map.TryGetValue(key, out var n)) return null;
            if (n is not YamlScalarNode s) throw new ModelSpecificationException($"{At(n)}: '{key}' must be a single value.");
            return s.Value;
        }

        string dataPath = dataOverride is not null ? Data.Sources.DataSource.KindOf(dataOverride) is Data.Sources.DataSourceKind.Postgres || dataOverride.StartsWith("duckdb:", StringComparison.OrdinalIgnoreCase)
                ? dataOverride : System.IO.Path.GetFullPath(dataOverride)
            : DataLocation(path, Scalar("data") ?? throw new ModelSpecificationException($"'{path}': no 'data:' key naming the data file (a path relative to the model file)."), At(map["data"]));
        string? formula = Scalar("formula");
        string? method = Scalar("method");
        var family = Family.Gaussian;
        if (Scalar("family") is { } familyText)
        {
            try { family = Families.Parse(familyText); }
            catch (ModelSpecificationException e) { throw new ModelSpecificationException($"{At(map["family"])}: {e.Message}", e); }
        }
        int? agq = Scalar("agq") is { } agqText ? (int.TryParse(agqText, System.Globalization.CultureInfo.InvariantCulture, out int points) && points >= 1 ? points
            : throw new ModelSpecificationException($"{At(map["agq"])}: agq is a number of quadrature points per group (1 or more), not '{agqText}'.")) : null;
        if (method is not null && family != Family.Gaussian && method.Trim().ToLowerInvariant() is not ("laplace" or "agq" or "ml"))
            throw new ModelSpecificationException($"{At(map["method"])}: a {family.Name()} outcome is fitted by laplace (the default) or agq, not '{method}'" +
                (method.Trim().Equals("reml", StringComparison.OrdinalIgnoreCase) ? " (REML does not exist for it)." : "."));
        if (method is not null && family == Family.Gaussian)
        {
            try { Estimation.RemlOptions.ParseMethod(method); }
            catch (ModelSpecificationException e) { throw new ModelSpecificationException($"{At(map["method"])}: {e.Message}", e); }
        }

        ModelSpec spec;
        HierarchicalModel? levels = null;
        if (formula is not null && (map.ContainsKey("level1") || map.ContainsKey("level2") || map.ContainsKey("level3")))
            throw new ModelSpecificationException($"{At(map["formula"])}: give the model either as 'formula:' or as levels (level1, level2, level3), not both.");
        if (map.ContainsKey("level1"))
        {
            levels = ReadLevels(map, At, family);
            spec = levels.ToSpec();
        }
        else if (formula is not null)
        {
            try { spec = ModelSpec.FromFormula(formula); }
            catch (ModelSpecificationException e) { throw new ModelSpecificationException($"{At(map["formula"])}: {e.Message}", e); }
        }
        else if (map.ContainsKey("level2") || map.ContainsKey("level3"))
            throw new ModelSpecificationException($"'{path}': level2/level3 need a 'level1:' with the level-1 equation.");
        else throw new ModelSpecificationException($"'{path}': no model. Add 'level1:' and 'level2:' sections, or a 'formula:'.");
        string? knownSd = Scalar("known_sd"), knownVariance = Scalar("known_variance");
        if (knownSd is not null && knownVariance is not null)
            throw new ModelSpecificationException($"{At(map["known_sd"])}: give the known level-1 spread as known_sd or known_variance, not both.");
        if (knownSd is not null) spec = spec.WithKnownResidual(knownSd, isStandardDeviation: true);
        if (knownVariance is not null) spec = spec.WithKnownResidual(knownVariance, isStandardDeviation: false);
        if (Scalar("weights") is { } weights) spec = spec.WithWeights(weights);
        spec = spec.WithFamily(family, Scalar("trials"));
        var priors = map.TryGetValue("priors", out var priorsNode)
            ? PriorSpec.FromJson(YamlToJson.Convert(priorsNode), $"{At(priorsNode)} (priors)")
            : PriorSpec.Default;
        var sampler = map.TryGetValue("sampler", out var samplerNode) ? ReadSampler(samplerNode, At) : new Sampling.SamplerOptions();
        string? name = Scalar("name");
        if (name is not null && !IsPlainName(name))
            throw new ModelSpecificationException(
                $"{At(map["name"])}: the name '{name}' is not a plain name. It names the run directory (runs/<name>), so it may not hold a path: use letters, digits, '-', '_' and '.', as in 'hsb_anova'.");
        return new ModelFile(path, name, dataPath, method?.ToLowerInvariant(), Scalar("by"), spec, levels)
        {
            Source = new Data.Sources.DataSource(dataPath) { Table = Scalar("table"), Query = Scalar("query"), Where = Scalar("where") },
            QuadraturePoints = agq,
            Priors = priors,
            Sampler = sampler,
            MissingValues = map.TryGetValue("na_values", out var na) ? MissingCodes(na, At) : [],
            DecimalComma = Scalar("decimal_comma") is { } comma && (bool.TryParse(comma, out bool b) ? b
                : throw new ModelSpecificationException($"{At(map["decimal_comma"])}: decimal_comma is true or false, not '{comma}'.")),
        };
    }

    /// <summary>The <c>na_values:</c> codes: a list (<c>[-99, 999]</c>) or one comma-separated value.</summary>
    private static string[] MissingCodes(YamlNode node, Func<YamlNode, string> at) => node switch
    {
        YamlSequenceNode s => s.Children.Select(c => (c as YamlScalarNode)?.Value ?? throw new ModelSpecificationException($"{at(c)}: na_values lists codes, e.g. [-99, 999].")).ToArray(),
        YamlScalarNode v => (v.Value ?? "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries),
        _ => throw new ModelSpecificationException($"{at(node)}: na_values lists codes, e.g. [-99, 999]."),
    };

    /// <summary>A name that is one file name everywhere: letters, digits, '-', '_', '.', not starting with a dot, at most 100 characters.</summary>
    private static bool IsPlainName(string name) =>
        name.Length is > 0 and <= 100 && name[0] != '.' && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.');

    private static Sampling.SamplerOptions ReadSampler(YamlNode node, Func<YamlNode, string> at)
    {
        if (node is not YamlMappingNode m) throw new ModelSpecificationException($"{at(node)}: 'sampler:' takes keys chains, iter, warmup, thin, seed, save_group_effects, prior_only.");
        var o = new Sampling.SamplerOptions();
        foreach (var (k, v) in m.Children)
        {
            string key = KeyOf(k, at), text = (v as YamlScalarNode)?.Value ?? "";
            int Int(int least) => int.TryParse(text, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out int i) && i >= least ? i
                : throw new ModelSpecificationException($"{at(v)}: sampler '{key}' must be a whole number of at least {least}, not '{text}'.");
            o = key switch
            {
                "chains" => o with { Chains = Int(1) },
                "iter" or "iterations" => o with { Iterations = Int(1) },
                "warmup" => o with { Warmup = Int(0) },
                "thin" => o with { Thin = Int(1) },
                "seed" => o with { Seed = ulong.TryParse(text, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out ulong seed) ? seed
                    : throw new ModelSpecificationException($"{at(v)}: sampler 'seed' must be a whole number ≥ 0, not '{text}'.") },
                "save_group_effects" => o with { SaveGroupEffects = bool.TryParse(text, out bool b) ? b
                    : throw new ModelSpecificationException($"{at(v)}: save_group_effects must be true or false.") },
                "prior_only" => o with { PriorOnly = bool.TryParse(text, out bool only) ? only
                    : throw new ModelSpecificationException($"{at(v)}: prior_only must be true or false.") },
                _ => throw new ModelSpecificationException($"{at(k)}: unknown sampler key '{key}' (chains, iter, warmup, thin, seed, save_group_effects, prior_only)."),
            };
        }
        // Checked as a whole (iterations above warm-up) once the command line's options are applied over these.
        return o;
    }

    private static HierarchicalModel ReadLevels(Dictionary<string, YamlNode> map, Func<YamlNode, string> at, Family family)
    {
        var l1 = map["level1"];
        string? l1Equation = null;
        if (l1 is YamlScalarNode scalar) l1Equation = scalar.Value;
        else if (l1 is YamlMappingNode l1Map)
            foreach (var (k, v) in l1Map.Children)
            {
                if (KeyOf(k, at) != "equation") throw new ModelSpecificationException($"{at(k)}: unknown key '{KeyOf(k, at)}' in level1 (equation).");
                l1Equation = (v as YamlScalarNode)?.Value ?? throw new ModelSpecificationException($"{at(v)}: the level-1 equation is one line of text.");
            }
        if (string.IsNullOrWhiteSpace(l1Equation))
            throw new ModelSpecificationException($"{at(l1)}: level1 needs an 'equation:', e.g. 'mathach = b0 + b1*ses + e'.");
        HlmBuilder builder;
        try { builder = HlmBuilder.Level1(Families.WithoutLink(l1Equation, family)); }
        catch (ModelSpecificationException e) { throw new ModelSpecificationException($"{at(l1)}: {e.Message}", e); }
        foreach (int level in new[] { 2, 3 })
        {
            if (!map.TryGetValue($"level{level}", out var node)) continue;
            if (level == 3 && !map.ContainsKey("level2")) throw new ModelSpecificationException($"{at(node)}: level3 needs a level2.");
            if (node is not YamlMappingNode m) throw new ModelSpecificationException($"{at(node)}: level{level} needs 'group:' and 'equations:'.");
            string? group = null;
            bool correlated = true;
            var equations = new List<string>();
            var equationNodes = new List<YamlNode>();
            foreach (var (k, v) in m.Children)
            {
                switch (KeyOf(k, at))
                {
                    case "group": group = (v as YamlScalarNode)?.Value; break;
                    case "correlated":
                        if (v is not YamlScalarNode cs || !bool.TryParse(cs.Value, out correlated))
                            throw new ModelSpecificationException($"{at(v)}: correlated must be true or false.");
                        break;
                    case "equations":
                        if (v is YamlSequenceNode seq)
                        {
                            equations.AddRange(seq.Children.Select(c => (c as YamlScalarNode)?.Value ?? throw new ModelSpecificationException($"{at(c)}: each equation is one line of text.")));
                            equationNodes.AddRange(seq.Children);
                        }
                        else if (v is YamlScalarNode one) { equations.Add(one.Value ?? ""); equationNodes.Add(one); }
                        else throw new ModelSpecificationException($"{at(v)}: equations must be a list of equations.");
                        break;
                    default:
                        throw new ModelSpecificationException($"{at(k)}: unknown key '{KeyOf(k, at)}' in level{level} (group, equations, correlated).");
                }
            }
            if (group is null) throw new ModelSpecificationException($"{at(node)}: level{level} needs 'group:' naming its grouping column.");
            if (equations.Count == 0) throw new ModelSpecificationException($"{at(node)}: level{level} has no equations; give one per coefficient of level {level - 1}, e.g. 'b0 = g00 + u0'.");
            try { builder = level == 2 ? builder.Level2(group, correlated, equations.ToArray()) : builder.Level3(group, correlated, equations.ToArray()); }
            catch (ModelSpecificationException e)
            {
                // Point at the equation the message is about: the one it quotes, else the one whose coefficient it names first.
                int i = equations.FindIndex(q => e.Message.Contains(q.Trim(), StringComparison.Ordinal));
                if (i < 0) i = equations.FindIndex(q => q.Contains('=') && e.Message.Contains($"'{q[..q.IndexOf('=')].Trim()}'", StringComparison.Ordinal));
                throw new ModelSpecificationException($"{at(i >= 0 ? equationNodes[i] : node)}: {e.Message}", e);
            }
        }
        return builder.ToHierarchicalModel();
    }

    private static string KeyOf(YamlNode key, Func<YamlNode, string> at) =>
        key is YamlScalarNode { Value: { } v } ? v : throw new ModelSpecificationException($"{at(key)}: a key must be a plain name.");
}
