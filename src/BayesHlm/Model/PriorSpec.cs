using System.Globalization;
using System.Text;
using System.Text.Json;

namespace BayesHlm.Model;

/// <summary>
/// The priors of a Bayesian fit, in the vocabulary of the reference cases (../shared/reference/posteriors/README.md)
/// and its extensions: a normal prior on the fixed effects (one for all, per-term overrides, multivariate blocks, or
/// a linear hyperprior), a prior on the residual, and one prior per grouping factor. Anything left out takes the
/// weakly informative default, scaled to the data, when the model is fitted (see <c>PriorDefaults</c>).
/// Read from JSON (or YAML, by the model file) whose top-level object is the priors object, or has a <c>priors</c> key.
/// </summary>
/// <param name="Fixed">Normal prior on every fixed effect not named elsewhere; null: the default.</param>
/// <param name="Residual">Prior on σ² (as a precision, a variance, or on σ); null: the default, or none when the
/// level-1 variances are known (the V-known model).</param>
/// <param name="Groups">Per grouping factor name (<c>school</c>, <c>school:classroom</c>); a factor left out takes the default.</param>
public sealed record PriorSpec(NormalPrior? Fixed, VariancePrior? Residual, IReadOnlyDictionary<string, VariancePrior> Groups)
{
    /// <summary>No prior given: every part takes its default.</summary>
    public static PriorSpec Default { get; } = new(null, null, new Dictionary<string, VariancePrior>());

    /// <summary>Per fixed-effect term (key <c>fixed:&lt;term&gt;</c>): overrides <see cref="Fixed"/>.</summary>
    public IReadOnlyDictionary<string, NormalPrior> FixedTerms { get; init; } = new Dictionary<string, NormalPrior>();

    /// <summary>Correlated normal priors on groups of fixed effects (key <c>fixed_block</c>).</summary>
    public IReadOnlyList<MultivariateNormalPrior> FixedBlocks { get; init; } = [];

    /// <summary>The Lindley–Smith hierarchy on some fixed effects (key <c>fixed_hierarchy</c>): γ ~ N(Wδ, ω²I).</summary>
    public LinearHyperprior? FixedHierarchy { get; init; }

    /// <summary>Parses the priors object; errors name the key and what is expected.</summary>
    public static PriorSpec FromJson(string json, string source = "the priors")
    {
        JsonDocument doc;
        try { doc = JsonDocument.Parse(json); }
        catch (JsonException e) { throw new ModelSpecificationException($"{source}: not valid JSON (line {e.LineNumber + 1}, position {e.BytePositionInLine + 1}): {e.Message}", e); }
        var root = doc.RootElement;
        if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("priors", out var inner)) root = inner;
        if (root.ValueKind != JsonValueKind.Object) throw new ModelSpecificationException($"{source}: the priors must be a JSON object.");
        PriorJson.NoKeyTwice(root, source);
        NormalPrior? fixedPrior = null;
        VariancePrior? residual = null;
        LinearHyperprior? hierarchy = null;
        var groups = new Dictionary<string, VariancePrior>();
        var terms = new Dictionary<string, NormalPrior>();
        var blocks = new List<MultivariateNormalPrior>();
        foreach (var p in root.EnumerateObject())
        {
            string where = $"{source}, '{p.Name}'";
            if (p.Name == "fixed") fixedPrior = ReadNormal(p.Value, where);
            else if (p.Name.StartsWith("fixed:", StringComparison.Ordinal)) terms[p.Name["fixed:".Length..]] = ReadNormal(p.Value, where);
            else if (p.Name == "fixed_block")
            {
                if (p.Value.ValueKind == JsonValueKind.Array) blocks.AddRange(p.Value.EnumerateArray().Select((b, i) => ReadBlock(b, $"{where}[{i}]")));
                else blocks.Add(ReadBlock(p.Value, where));
            }
            else if (p.Name == "fixed_hierarchy") hierarchy = ReadHierarchy(p.Value, where);
            else if (p.Name == "residual") residual = PriorKinds.Read(p.Value, where, PriorPlaces.Residual);
            else if (p.Name.StartsWith("group:", StringComparison.Ordinal))
                groups[p.Name["group:".Length..]] = PriorKinds.Read(p.Value, where, PriorPlaces.OneEffect | PriorPlaces.IndependentEffects | PriorPlaces.CorrelatedEffects);
            else throw new ModelSpecificationException($"{where}: unknown key. The priors object has 'fixed', 'fixed:<term>', 'fixed_block', 'fixed_hierarchy', 'residual' and 'group:<factor>' keys.");
        }
        return new PriorSpec(fixedPrior, residual, groups) { FixedTerms = terms, FixedBlocks = blocks, FixedHierarchy = hierarchy };
    }

    /// <summary>Reads a JSON or YAML file holding the priors (or a case file with a <c>priors</c> key).</summary>
    public static PriorSpec Load(string path)
    {
        if (!File.Exists(path)) throw new ModelSpecificationException($"Priors file '{path}' not found (looked for '{Path.GetFullPath(path)}').");
        string text = File.ReadAllText(path);
        bool yaml = path.EndsWith(".yaml", StringComparison.OrdinalIgnoreCase) || path.EndsWith(".yml", StringComparison.OrdinalIgnoreCase);
        return FromJson(yaml ? YamlToJson.Convert(text, $"'{path}'") : text, $"'{path}'");
    }

    /// <summary>The priors in the JSON vocabulary, every part written out (after defaults are filled in, a run can be repeated from it).</summary>
    public string ToJson()
    {
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            WriteTo(w);
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(stream.ToArray());
    }

    /// <summary>Writes the priors' properties into the object being written.</summary>
    public void WriteTo(Utf8JsonWriter w)
    {
        ArgumentNullException.ThrowIfNull(w);
        if (Fixed is { } f) { w.WritePropertyName("fixed"); f.Write(w); }
        foreach (var (term, prior) in FixedTerms) { w.WritePropertyName("fixed:" + term); prior.Write(w); }
        if (FixedBlocks.Count > 0)
        {
            w.WriteStartArray("fixed_block");
            foreach (var b in FixedBlocks) b.Write(w);
            w.WriteEndArray();
        }
        if (FixedHierarchy is { } h) { w.WritePropertyName("fixed_hierarchy"); h.Write(w); }
        if (Residual is { } r) { w.WritePropertyName("residual"); r.Write(w); }
        foreach (var (g, prior) in Groups) { w.WritePropertyName("group:" + g); prior.Write(w); }
    }

    private static NormalPrior ReadNormal(JsonElement e, string where)
    {
        if (PriorJson.Dist(e, where) != "normal") throw new ModelSpecificationException($"{where}: a fixed effect takes {{\"dist\":\"normal\",\"mean\":m,\"variance\":v}} (a variance, not an sd).");
        PriorJson.OnlyKeys(e, where, ["dist", "mean", "variance"]);
        return new NormalPrior(PriorJson.Number(e, "mean", where), PriorJson.Positive(e, "variance", where));
    }

    private static MultivariateNormalPrior ReadBlock(JsonElement e, string where)
    {
        if (PriorJson.Dist(e, where) != "mv_normal") throw new ModelSpecificationException($"{where}: a block takes {{\"dist\":\"mv_normal\",\"terms\":[...],\"mean\":[...],\"covariance\":[[...]]}}.");
        PriorJson.OnlyKeys(e, where, ["dist", "terms", "mean", "covariance"]);
        var terms = PriorJson.Strings(e, "terms", where);
        var mean = PriorJson.Numbers(e, "mean", where);
        var cov = PriorJson.Matrix(e, "covariance", where);
        if (mean.Length != terms.Length || cov.Length != terms.Length)
            throw new ModelSpecificationException($"{where}: {terms.Length} terms need a mean of length {terms.Length} and a {terms.Length}×{terms.Length} covariance.");
        return new MultivariateNormalPrior(terms, mean, cov);
    }

    private static LinearHyperprior ReadHierarchy(JsonElement e, string where)
    {
        if (e.ValueKind != JsonValueKind.Object) throw new ModelSpecificationException($"{where}: expected an object with 'terms', 'design', 'delta' and 'omega'.");
        PriorJson.OnlyKeys(e, where, ["terms", "design", "predictors", "delta", "omega"]);
        var terms = PriorJson.Strings(e, "terms", where);
        var design = PriorJson.Matrix(e, "design", where, square: false);
        if (design.Length != terms.Length || design.Any(r => r.Length != design[0].Length) || design[0].Length == 0)
            throw new ModelSpecificationException($"{where}: 'design' needs one row per term ({terms.Length}), each with one entry per δ coefficient.");
        string[] names = e.TryGetProperty("predictors", out _) ? PriorJson.Strings(e, "predictors", where)
            : Enumerable.Range(1, design[0].Length).Select(i => i.ToString(CultureInfo.InvariantCulture)).ToArray();
        if (names.Length != design[0].Length) throw new ModelSpecificationException($"{where}: 'predictors' names the {design[0].Length} columns of 'design'.");
        if (!e.TryGetProperty("delta", out var delta)) throw new ModelSpecificationException($"{where}: needs 'delta', the normal prior on the hyperprior's coefficients.");
        if (!e.TryGetProperty("omega", out var omega)) throw new ModelSpecificationException($"{where}: needs 'omega', the prior variance around Wδ: {{\"dist\":\"fixed\",\"variance\":v}} or a gamma_precision.");
        var omegaPrior = PriorKinds.Read(omega, where + ".omega", PriorPlaces.HierarchyVariance);
        return new LinearHyperprior(terms, design, names, ReadNormal(delta, where + ".delta"), omegaPrior);
    }
}

/// <summary>Normal(mean, variance) — a variance, not an sd.</summary>
public sealed record NormalPrior(double Mean, double Variance)
{
    internal void Write(Utf8JsonWriter w)
    {
        w.WriteStartObject();
        w.WriteString("dist", "normal");
        w.WriteNumber("mean", Mean);
        w.WriteNumber("variance", Variance);
        w.WriteEndObject();
    }
}

/// <summary>A multivariate normal prior on the named fixed effects.</summary>
public sealed record MultivariateNormalPrior(string[] Terms, double[] Mean, double[][] Covariance)
{
    internal void Write(Utf8JsonWriter w)
    {
        w.WriteStartObject();
        w.WriteString("dist", "mv_normal");
        JsonArrays.Write(w, "terms", Terms);
        JsonArrays.Write(w, "mean", Mean);
        JsonArrays.Write(w, "covariance", Covariance);
        w.WriteEndObject();
    }
}

/// <summary>
/// The Bayesian third level of Lindley and Smith (1972) on fixed effects: γ_t ~ N(W_t·δ, ω²) independently for the
/// listed terms, δ_k ~ N(mean, variance) independently, and ω² fixed or with a gamma prior on 1/ω² — a hierarchy of
/// linear hyperpriors with only the top fixed.
/// </summary>
/// <param name="Terms">The fixed effects γ the hyperprior applies to.</param>
/// <param name="Design">W: one row per term, one column per δ coefficient.</param>
/// <param name="Predictors">Names of W's columns (δ is reported as <c>delta[name]</c>).</param>
/// <param name="Delta">Prior on every δ coefficient.</param>
/// <param name="Omega">ω²: <see cref="VariancePrior.Fixed"/> or <see cref="VariancePrior.GammaPrecision"/>.</param>
public sealed record LinearHyperprior(string[] Terms, double[][] Design, string[] Predictors, NormalPrior Delta, VariancePrior Omega)
{
    internal void Write(Utf8JsonWriter w)
    {
        w.WriteStartObject();
        JsonArrays.Write(w, "terms", Terms);
        JsonArrays.Write(w, "design", Design);
        JsonArrays.Write(w, "predictors", Predictors);
        w.WritePropertyName("delta");
        Delta.Write(w);
        w.WritePropertyName("omega");
        Omega.Write(w);
        w.WriteEndObject();
    }
}
