using System.Text.Json;

namespace BayesHlm.Model;

/// <summary>
/// The priors of a Bayesian fit, in the vocabulary of the reference cases (../shared/reference/posteriors/README.md):
/// a normal prior on every fixed effect, a prior on the residual, and one prior per grouping factor.
/// Read from JSON whose top-level object is the priors object, or has a <c>priors</c> key holding it.
/// </summary>
/// <param name="Fixed">Normal prior on every fixed effect, the intercept included.</param>
/// <param name="Residual">Prior on σ² (as a precision, or on σ); null when the level-1 variances are known (the V-known model).</param>
/// <param name="Groups">Per grouping factor name (<c>school</c>, <c>school:classroom</c>).</param>
public sealed record PriorSpec(NormalPrior Fixed, VariancePrior? Residual, IReadOnlyDictionary<string, VariancePrior> Groups)
{
    /// <summary>Parses the priors object; errors name the key and what is expected.</summary>
    public static PriorSpec FromJson(string json, string source = "the priors")
    {
        JsonDocument doc;
        try { doc = JsonDocument.Parse(json); }
        catch (JsonException e) { throw new ModelSpecificationException($"{source}: not valid JSON (line {e.LineNumber + 1}, position {e.BytePositionInLine + 1}): {e.Message}", e); }
        var root = doc.RootElement;
        if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("priors", out var inner)) root = inner;
        if (root.ValueKind != JsonValueKind.Object) throw new ModelSpecificationException($"{source}: the priors must be a JSON object.");
        NormalPrior? fixedPrior = null;
        VariancePrior? residual = null;
        var groups = new Dictionary<string, VariancePrior>();
        foreach (var p in root.EnumerateObject())
        {
            string where = $"{source}, '{p.Name}'";
            if (p.Name == "fixed")
            {
                if (Dist(p.Value, where) != "normal") throw new ModelSpecificationException($"{where}: the fixed effects take {{\"dist\":\"normal\",\"mean\":m,\"variance\":v}}.");
                fixedPrior = new NormalPrior(Number(p.Value, "mean", where), Positive(p.Value, "variance", where));
            }
            else if (p.Name == "residual") residual = ReadVariance(p.Value, where, allowMatrix: false);
            else if (p.Name.StartsWith("group:", StringComparison.Ordinal)) groups[p.Name["group:".Length..]] = ReadVariance(p.Value, where, allowMatrix: true);
            else throw new ModelSpecificationException($"{where}: unknown key. The priors object has 'fixed', 'residual' and one 'group:<factor>' per grouping factor.");
        }
        return new PriorSpec(
            fixedPrior ?? throw new ModelSpecificationException($"{source}: no 'fixed' prior."),
            residual,
            groups);
    }

    /// <summary>Reads a JSON file holding the priors (or a case file with a <c>priors</c> key).</summary>
    public static PriorSpec Load(string path)
    {
        if (!File.Exists(path)) throw new ModelSpecificationException($"Priors file '{path}' not found (looked for '{Path.GetFullPath(path)}').");
        return FromJson(File.ReadAllText(path), $"'{path}'");
    }

    private static VariancePrior ReadVariance(JsonElement e, string where, bool allowMatrix)
    {
        switch (Dist(e, where))
        {
            case "gamma_precision":
                double shape = Positive(e, "shape", where);
                if (e.TryGetProperty("rate", out var rate) && rate.ValueKind == JsonValueKind.Object)
                {
                    if (Dist(rate, where + ".rate") != "gamma") throw new ModelSpecificationException($"{where}: a random rate takes {{\"dist\":\"gamma\",\"shape\":c,\"rate\":d}}.");
                    return new VariancePrior.GammaPrecisionWithGammaRate(shape, Positive(rate, "shape", where + ".rate"), Positive(rate, "rate", where + ".rate"));
                }
                return new VariancePrior.GammaPrecision(shape, Positive(e, "rate", where));
            case "half_cauchy_sd":
                return new VariancePrior.HalfCauchySd(Positive(e, "scale", where));
            case "uniform_sd":
                return new VariancePrior.UniformSd(Positive(e, "upper", where));
            case "inv_wishart" when allowMatrix:
            {
                if (!e.TryGetProperty("scale", out var s) || s.ValueKind != JsonValueKind.Array)
                    throw new ModelSpecificationException($"{where}: inv_wishart needs 'scale', a square matrix as an array of rows.");
                var rows = s.EnumerateArray().Select(r => r.EnumerateArray().Select(v => v.GetDouble()).ToArray()).ToArray();
                if (rows.Any(r => r.Length != rows.Length)) throw new ModelSpecificationException($"{where}: the inv_wishart scale must be square.");
                return new VariancePrior.InverseWishart(Positive(e, "df", where), rows);
            }
            case "independent_gamma_precision" when allowMatrix:
                return new VariancePrior.IndependentGammaPrecision(Positive(e, "shape", where), Positive(e, "rate", where));
            case var d:
                throw new ModelSpecificationException($"{where}: unknown or misplaced prior '{d}'. Use gamma_precision, half_cauchy_sd or uniform_sd" +
                                                      (allowMatrix ? ", inv_wishart or independent_gamma_precision." : "."));
        }
    }

    private static string Dist(JsonElement e, string where) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty("dist", out var d) && d.ValueKind == JsonValueKind.String
            ? d.GetString()! : throw new ModelSpecificationException($"{where}: expected an object with a \"dist\" name.");

    private static double Number(JsonElement e, string key, string where) =>
        e.TryGetProperty(key, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetDouble()
            : throw new ModelSpecificationException($"{where}: needs a number '{key}'.");

    private static double Positive(JsonElement e, string key, string where)
    {
        double v = Number(e, key, where);
        return v > 0 ? v : throw new ModelSpecificationException($"{where}: '{key}' must be positive, not {v}.");
    }
}

/// <summary>Normal(mean, variance) — a variance, not an sd.</summary>
public sealed record NormalPrior(double Mean, double Variance);

/// <summary>A prior on a variance or covariance matrix.</summary>
public abstract record VariancePrior
{
    /// <summary>1/τ² ~ Gamma(shape, rate) (JAGS dgamma(shape, rate)).</summary>
    public sealed record GammaPrecision(double Shape, double Rate) : VariancePrior;
    /// <summary>1/τ² ~ Gamma(shape, b), b ~ Gamma(rateShape, rateRate): the third-level gamma parameterisation.</summary>
    public sealed record GammaPrecisionWithGammaRate(double Shape, double RateShape, double RateRate) : VariancePrior;
    /// <summary>τ ~ half-Cauchy(0, scale).</summary>
    public sealed record HalfCauchySd(double Scale) : VariancePrior;
    /// <summary>τ ~ Uniform(0, upper).</summary>
    public sealed record UniformSd(double Upper) : VariancePrior;
    /// <summary>Σ ~ InvWishart(df, scale), density ∝ |Σ|^−(df+q+1)/2 exp(−tr(scale Σ⁻¹)/2).</summary>
    public sealed record InverseWishart(double Df, double[][] Scale) : VariancePrior;
    /// <summary>Diagonal Σ, each precision ~ Gamma(shape, rate).</summary>
    public sealed record IndependentGammaPrecision(double Shape, double Rate) : VariancePrior;
}
