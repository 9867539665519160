using System.Text.Json;

namespace BayesHlm.Tests.Cli;

/// <summary>What <c>bayeshlm reml</c> prints and writes on success: the text tables, JSON (file and stdout),
/// BY groups, method and algorithm switches, help.</summary>
public sealed class CliOutputTests : IDisposable
{
    private readonly TestFolder _dir = new();

    public void Dispose() => _dir.Dispose();

    private static string HsbPath => RepositoryPaths.Data("hsb.csv");

    private static CliResult Ok(CliResult r)
    {
        Assert.True(r.ExitCode == 0, $"expected exit code 0\n{r}");
        return r;
    }

    private static string[] Lines(string text) => text.Replace("\r\n", "\n").Split('\n');

    /// <summary>Lines over 80 characters, other than the 'Model' and 'Data' header lines.</summary>
    private static string[] LongLines(string text) =>
        Lines(text).Where(l => l.Length > 80 && !l.StartsWith("Model ", StringComparison.Ordinal) && !l.StartsWith("Data ", StringComparison.Ordinal)).ToArray();

    // ---------------------------------------------------------------- text report

    [Fact]
    public void ModelFile_PrintsTheTables()
    {
        var r = Ok(CliRunner.Run("reml", "models/hsb_anova.yaml"));
        foreach (var heading in new[] { "Fixed effects", "Covariance parameters", "Fit statistics", "-2 Res Log Likelihood", "Reliability" })
            Assert.True(r.StdOut.Contains(heading, StringComparison.Ordinal), $"missing \"{heading}\"\n{r}");
        Assert.Contains("(Intercept)", r.StdOut);
        Assert.Contains("Residual", r.StdOut);
        // The reference value (lme4): -2 REML log likelihood 47116.79.
        Assert.Contains("47116.79", r.StdOut);
        Assert.True(string.IsNullOrWhiteSpace(r.StdErr), $"unexpected stderr\n{r}");
    }

    [Fact]
    public void ModelFile_LinesAtMost80Characters()
    {
        var r = Ok(CliRunner.Run("reml", "models/hsb_anova.yaml"));
        var longLines = LongLines(r.StdOut);
        Assert.True(longLines.Length == 0, "lines over 80 characters:\n" + string.Join("\n", longLines));
    }

    public static TheoryData<string> ModelFiles()
    {
        var data = new TheoryData<string>();
        foreach (var f in Directory.GetFiles(Path.Combine(RepositoryPaths.RepositoryDirectory, "models"), "*.yaml").OrderBy(f => f, StringComparer.Ordinal))
            data.Add("models/" + Path.GetFileName(f));
        return data;
    }

    [Theory]
    [MemberData(nameof(ModelFiles))]
    public void EveryBundledModel_RunsAndKeptTo80Columns(string model)
    {
        var r = Ok(CliRunner.Run("reml", model));
        Assert.Contains("Fixed effects", r.StdOut);
        var longLines = LongLines(r.StdOut);
        Assert.True(longLines.Length == 0, $"{model}: lines over 80 characters:\n" + string.Join("\n", longLines));
    }

    [Fact]
    public void Groups_TableKeptTo80Columns()
    {
        var r = Ok(CliRunner.Run("reml", "models/hsb_random_coef.yaml", "--groups"));
        Assert.Contains("1224", r.StdOut); // the first school appears in the per-group table
        var longLines = LongLines(r.StdOut);
        Assert.True(longLines.Length == 0, "lines over 80 characters with --groups:\n" + string.Join("\n", longLines));
    }

    [Fact]
    public void MlMethod_ReportsMlLikelihood()
    {
        var r = Ok(CliRunner.Run("reml", "--data", HsbPath, "--formula", "mathach ~ 1 + (1 | school)", "--method", "ml"));
        Assert.Contains("-2 Log Likelihood", r.StdOut);
        Assert.DoesNotContain("-2 Res Log Likelihood", r.StdOut);
    }

    // ---------------------------------------------------------------- JSON

    private static readonly string[] TopKeys =
        ["id", "data", "formula", "method", "seconds", "n_obs", "n_groups", "fixed", "covariance", "fit", "converged", "random_effects"];
    private static readonly string[] ExtraKeys = ["reliability", "ols", "warnings", "iterations"];
    private static readonly string[] FixedKeys = ["term", "estimate", "se", "df_satterthwaite", "t"];
    private static readonly string[] CovarianceKeys = ["group", "term1", "term2", "estimate"];
    private static readonly string[] FitKeys = ["minus2ll", "aic", "aicc", "bic", "params"];
    private static readonly string[] RandomEffectKeys = ["group", "levels", "terms", "estimates", "se"];

    /// <summary>Keys of the lme4 reference files that come from R, not from a fit of ours.</summary>
    private static readonly HashSet<string> ReferenceOnlyKeys = ["lme4_formula", "note"];

    private static void AssertHasKeys(JsonElement e, IEnumerable<string> keys, string where)
    {
        Assert.Equal(JsonValueKind.Object, e.ValueKind);
        var have = e.EnumerateObject().Select(p => p.Name).ToHashSet();
        var missing = keys.Where(k => !have.Contains(k)).ToArray();
        Assert.True(missing.Length == 0, $"{where}: missing keys {string.Join(", ", missing)}; has {string.Join(", ", have)}");
    }

    private static void AssertFitJson(JsonElement fit)
    {
        AssertHasKeys(fit, TopKeys.Concat(ExtraKeys), "fit");
        Assert.NotEmpty(fit.GetProperty("fixed").EnumerateArray());
        foreach (var f in fit.GetProperty("fixed").EnumerateArray()) AssertHasKeys(f, FixedKeys, "fixed[]");
        Assert.NotEmpty(fit.GetProperty("covariance").EnumerateArray());
        foreach (var c in fit.GetProperty("covariance").EnumerateArray()) AssertHasKeys(c, CovarianceKeys, "covariance[]");
        AssertHasKeys(fit.GetProperty("fit"), FitKeys, "fit.fit");
        Assert.NotEmpty(fit.GetProperty("random_effects").EnumerateArray());
        foreach (var g in fit.GetProperty("random_effects").EnumerateArray()) AssertHasKeys(g, RandomEffectKeys, "random_effects[]");
        Assert.Equal(JsonValueKind.Object, fit.GetProperty("n_groups").ValueKind);
        Assert.Equal(JsonValueKind.Array, fit.GetProperty("warnings").ValueKind);
        Assert.Equal(JsonValueKind.Number, fit.GetProperty("iterations").ValueKind);
    }

    /// <summary>The keys of every object in the reference files (nested arrays of objects as 'parent.key').</summary>
    private static HashSet<string> ReferenceKeyPaths()
    {
        var keys = new HashSet<string>();
        string folder = RepositoryPaths.Reference("reml");
        if (!Directory.Exists(folder)) return keys;
        foreach (var file in Directory.GetFiles(folder, "*.json"))
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(file));
            Collect(doc.RootElement, "", keys);
        }
        return keys;

        static void Collect(JsonElement e, string prefix, HashSet<string> keys)
        {
            if (e.ValueKind == JsonValueKind.Object)
            {
                foreach (var p in e.EnumerateObject())
                {
                    if (prefix.Length == 0 && ReferenceOnlyKeys.Contains(p.Name)) continue;
                    keys.Add(prefix + p.Name);
                    if (p.Name != "n_groups") Collect(p.Value, prefix + p.Name + ".", keys);
                }
            }
            else if (e.ValueKind == JsonValueKind.Array)
            {
                foreach (var item in e.EnumerateArray().Take(3)) Collect(item, prefix, keys);
            }
        }
    }

    private static HashSet<string> KeyPaths(JsonElement root)
    {
        var keys = new HashSet<string>();
        Collect(root, "", keys);
        return keys;

        static void Collect(JsonElement e, string prefix, HashSet<string> keys)
        {
            if (e.ValueKind == JsonValueKind.Object)
                foreach (var p in e.EnumerateObject())
                {
                    keys.Add(prefix + p.Name);
                    if (p.Name != "n_groups") Collect(p.Value, prefix + p.Name + ".", keys);
                }
            else if (e.ValueKind == JsonValueKind.Array)
                foreach (var item in e.EnumerateArray().Take(3)) Collect(item, prefix, keys);
        }
    }

    [Fact]
    public void JsonFile_HasTheReferenceKeysAndMore()
    {
        string outPath = _dir.PathOf("out.json");
        var r = Ok(CliRunner.Run("reml", "models/hsb_anova.yaml", "--json", outPath));
        Assert.True(File.Exists(outPath), $"no JSON written\n{r}");
        Assert.Contains("Fixed effects", r.StdOut); // the tables are still printed
        Assert.Contains(outPath, r.StdOut);

        using var doc = JsonDocument.Parse(File.ReadAllText(outPath));
        var root = doc.RootElement;
        AssertFitJson(root);

        // Every key of the lme4 reference files (other than R-only ones), at every depth.
        var reference = ReferenceKeyPaths();
        var ours = KeyPaths(root);
        var missing = reference.Where(k => !ours.Contains(k)).OrderBy(k => k, StringComparer.Ordinal).ToArray();
        Assert.True(missing.Length == 0, "keys of ../shared/reference/reml/*.json missing from our JSON: " + string.Join(", ", missing));

        Assert.Equal("hsb_anova", root.GetProperty("id").GetString());
        Assert.Equal("REML", root.GetProperty("method").GetString());
        Assert.Equal(7185, root.GetProperty("n_obs").GetInt32());
        Assert.Equal(160, root.GetProperty("n_groups").GetProperty("school").GetInt32());
        Assert.True(root.GetProperty("converged").GetBoolean());
        var fixedEffect = root.GetProperty("fixed")[0];
        Assert.Equal("(Intercept)", fixedEffect.GetProperty("term").GetString());
        Assert.Equal(12.6369738114, fixedEffect.GetProperty("estimate").GetDouble(), 1e-5);
        Assert.Equal(47116.7934835494, root.GetProperty("fit").GetProperty("minus2ll").GetDouble(), 1e-3);
        var re = root.GetProperty("random_effects")[0];
        Assert.Equal(160, re.GetProperty("levels").GetArrayLength());
        Assert.Equal(160, re.GetProperty("estimates").GetArrayLength());
    }

    [Fact]
    public void JsonToStdout_IsOnlyJson()
    {
        var r = Ok(CliRunner.Run("reml", "--data", HsbPath, "--formula", "mathach ~ meanses + (1 | school)", "--json", "-"));
        Assert.DoesNotContain("Fixed effects", r.StdOut);
        string text = r.StdOut.Trim();
        Assert.StartsWith("{", text);
        Assert.EndsWith("}", text);
        using var doc = JsonDocument.Parse(r.StdOut); // throws if anything but one JSON value is printed
        AssertFitJson(doc.RootElement);
        Assert.Equal(new[] { "(Intercept)", "meanses" },
            doc.RootElement.GetProperty("fixed").EnumerateArray().Select(f => f.GetProperty("term").GetString()).ToArray());
        Assert.Equal(JsonValueKind.Null, doc.RootElement.GetProperty("id").ValueKind);
    }

    [Fact]
    public void By_GivesOneFitPerValue()
    {
        var r = Ok(CliRunner.Run("reml", "--data", HsbPath, "--formula", "mathach ~ center(ses, school) + (1 | school)",
            "--by", "sector", "--json", "-"));
        using var doc = JsonDocument.Parse(r.StdOut);
        var root = doc.RootElement;
        Assert.Equal("sector", root.GetProperty("by").GetString());
        var fits = root.GetProperty("fits").EnumerateArray().ToArray();
        Assert.Equal(2, fits.Length);
        Assert.Equal(new[] { "0", "1" }, fits.Select(f => f.GetProperty("value").GetString()).ToArray());
        foreach (var f in fits) AssertFitJson(f);
        // HSB: 90 public schools (3642 students) and 70 Catholic schools (3543 students).
        Assert.Equal(new[] { 3642, 3543 }, fits.Select(f => f.GetProperty("n_obs").GetInt32()).ToArray());
        Assert.Equal(new[] { 90, 70 }, fits.Select(f => f.GetProperty("n_groups").GetProperty("school").GetInt32()).ToArray());
        Assert.NotEqual(fits[0].GetProperty("fixed")[0].GetProperty("estimate").GetDouble(),
                        fits[1].GetProperty("fixed")[0].GetProperty("estimate").GetDouble());
    }

    [Fact]
    public void By_TextReportHasOneSectionPerValue()
    {
        var r = Ok(CliRunner.Run("reml", "--data", HsbPath, "--formula", "mathach ~ center(ses, school) + (1 | school)", "--by", "sector"));
        Assert.Contains("=== sector = 0 ===", r.StdOut);
        Assert.Contains("=== sector = 1 ===", r.StdOut);
        Assert.Equal(2, Lines(r.StdOut).Count(l => l.StartsWith("Fixed effects", StringComparison.Ordinal)));
    }

    [Fact]
    public void MethodMl_ChangesTheJsonMethod()
    {
        string[] common = ["reml", "--data", HsbPath, "--formula", "mathach ~ 1 + (1 | school)", "--json", "-"];
        var reml = Ok(CliRunner.Run(common));
        var ml = Ok(CliRunner.Run([.. common, "--method", "ml"]));
        using var remlDoc = JsonDocument.Parse(reml.StdOut);
        using var mlDoc = JsonDocument.Parse(ml.StdOut);
        Assert.Equal("REML", remlDoc.RootElement.GetProperty("method").GetString());
        Assert.Equal("ML", mlDoc.RootElement.GetProperty("method").GetString());
        // lme4 reference values (../shared/reference/reml/hsb_anova.json and hsb_anova_ml.json).
        Assert.Equal(47116.7934835494, remlDoc.RootElement.GetProperty("fit").GetProperty("minus2ll").GetDouble(), 1e-3);
        Assert.Equal(47115.8102245177, mlDoc.RootElement.GetProperty("fit").GetProperty("minus2ll").GetDouble(), 1e-3);
    }

    [Fact]
    public void AlgorithmEm_MatchesNewton()
    {
        string[] common = ["reml", "--data", HsbPath, "--formula",
            "mathach ~ meanses + center(ses, school) + (1 + center(ses, school) | school)", "--json", "-"];
        var em = Ok(CliRunner.Run([.. common, "--algorithm", "em"]));
        var newton = Ok(CliRunner.Run([.. common, "--algorithm", "newton"]));
        using var emDoc = JsonDocument.Parse(em.StdOut);
        using var newtonDoc = JsonDocument.Parse(newton.StdOut);
        var a = emDoc.RootElement;
        var b = newtonDoc.RootElement;
        Assert.Equal("em", a.GetProperty("algorithm").GetString());
        Assert.Equal("newton", b.GetProperty("algorithm").GetString());
        Assert.True(a.GetProperty("converged").GetBoolean());
        Assert.True(b.GetProperty("converged").GetBoolean());

        static double[] Values(JsonElement root, string array) =>
            root.GetProperty(array).EnumerateArray().Select(e => e.GetProperty("estimate").GetDouble()).ToArray();
        static void Close(double[] x, double[] y, string what)
        {
            Assert.Equal(x.Length, y.Length);
            for (int i = 0; i < x.Length; i++)
                Assert.True(Math.Abs(x[i] - y[i]) <= 1e-6 * Math.Max(Math.Abs(x[i]), Math.Abs(y[i])),
                    $"{what}[{i}]: em {x[i]:R} vs newton {y[i]:R} (relative difference {Math.Abs(x[i] - y[i]) / Math.Max(Math.Abs(x[i]), Math.Abs(y[i])):G3})");
        }
        Close(Values(a, "fixed"), Values(b, "fixed"), "fixed");
        Close(Values(a, "covariance"), Values(b, "covariance"), "covariance");
        Close([a.GetProperty("fit").GetProperty("minus2ll").GetDouble()], [b.GetProperty("fit").GetProperty("minus2ll").GetDouble()], "minus2ll");
    }

    [Fact]
    public void JsonAndText_FromTheSameDataAndFormula_AsTheModelFile()
    {
        // The model file and the equivalent formula give the same estimates.
        var file = Ok(CliRunner.Run("reml", "models/hsb_anova.yaml", "--json", "-"));
        var formula = Ok(CliRunner.Run("reml", "--data", "models/data/hsb.csv", "--formula", "mathach ~ 1 + (1 | school)", "--json", "-"));
        using var f = JsonDocument.Parse(file.StdOut);
        using var g = JsonDocument.Parse(formula.StdOut);
        Assert.Equal(f.RootElement.GetProperty("fixed")[0].GetProperty("estimate").GetDouble(),
                     g.RootElement.GetProperty("fixed")[0].GetProperty("estimate").GetDouble(), 1e-9);
        Assert.Equal(f.RootElement.GetProperty("formula").GetString(), g.RootElement.GetProperty("formula").GetString());
    }

    // ---------------------------------------------------------------- help

    [Fact]
    public void RootHelp_ExitsZeroWithExample()
    {
        var r = Ok(CliRunner.Run("--help"));
        Assert.Contains("Example", r.StdOut);
        Assert.Contains("bayeshlm reml ", r.StdOut);
        Assert.Contains("reml", r.StdOut);
    }

    [Fact]
    public void RemlHelp_ExitsZeroWithExampleAndOptions()
    {
        var r = Ok(CliRunner.Run("reml", "--help"));
        Assert.Contains("Example", r.StdOut);
        Assert.Contains("bayeshlm reml ", r.StdOut);
        foreach (var option in new[] { "--data", "--formula", "--method", "--algorithm", "--df", "--by", "--json", "--groups" })
            Assert.Contains(option, r.StdOut);
    }
}
