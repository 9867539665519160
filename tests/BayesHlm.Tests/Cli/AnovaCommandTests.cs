using System.Text.Json;

namespace BayesHlm.Tests.Cli;

/// <summary><c>bayeshlm anova</c>: the table from formulas or model files, its JSON, and its errors.</summary>
public sealed class AnovaCommandTests : IDisposable
{
    private readonly TestFolder _dir = new();

    public void Dispose() => _dir.Dispose();

    private static string HsbPath => RepositoryPaths.Data("hsb.csv");

    [Fact]
    public void Formulas_PrintTheTableRefittedWithMlIn80Columns()
    {
        var r = CliRunner.Run("anova", "--data", HsbPath, "--formula", "mathach ~ meanses + (1 + center(ses, school) | school)",
            "--formula", "mathach ~ meanses + (1 | school)");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("Likelihood-ratio tests (models refitted with ML, as lme4's anova)", r.StdOut);
        Assert.Contains("npar", r.StdOut);
        Assert.Contains("Pr(>Chisq)", r.StdOut);
        Assert.Contains("50:50 mixture of χ²(1) and χ²(2)", r.StdOut);
        var longLines = r.StdOut.Split('\n').Where(l => l.Length > 80).ToArray();
        Assert.True(longLines.Length == 0, "lines over 80 characters:\n" + string.Join("\n", longLines));
    }

    [Fact]
    public void ModelFiles_WriteTheJson()
    {
        string path = Path.Combine(_dir.Path, "anova.json");
        var r = CliRunner.Run("anova", "models/hsb_slopes_as_outcomes.yaml", "models/hsb_anova.yaml", "--json", path);
        Assert.True(r.ExitCode == 0, r.ToString());
        var root = JsonDocument.Parse(File.ReadAllText(path)).RootElement;
        Assert.True(root.GetProperty("refitted_with_ml").GetBoolean());
        var models = root.GetProperty("models").EnumerateArray().ToList();
        Assert.Equal([2, 1], models.Select(m => m.GetProperty("model").GetInt32()));
        Assert.Equal(JsonValueKind.Null, models[0].GetProperty("chisq").ValueKind);
        Assert.Equal(7, models[1].GetProperty("df").GetInt32());
        double chisq = models[1].GetProperty("chisq").GetDouble();
        Assert.Equal(models[0].GetProperty("deviance").GetDouble() - models[1].GetProperty("deviance").GetDouble(), chisq, 1e-9);
    }

    [Fact]
    public void OneFormula_IsRefusedWithWhatToGive()
    {
        var r = CliRunner.Run("anova", "--data", HsbPath, "--formula", "mathach ~ 1 + (1 | school)");
        Assert.True(r.ExitCode == 2, r.ToString());
        Assert.Contains("Give two or more models", r.StdErr);
    }

    [Fact]
    public void FormulasWithoutData_AreRefused()
    {
        var r = CliRunner.Run("anova", "--formula", "mathach ~ 1 + (1 | school)", "--formula", "mathach ~ meanses + (1 | school)");
        Assert.True(r.ExitCode == 2, r.ToString());
        Assert.Contains("--data", r.StdErr);
    }

    [Fact]
    public void ModelFileFittedBy_IsRefused()
    {
        string byFile = _dir.Write("by.yaml", "formula: mathach ~ 1 + (1 | school)\nby: sector\n");
        string plain = _dir.Write("plain.yaml", "formula: mathach ~ meanses + (1 | school)\n");
        var r = CliRunner.Run("anova", byFile, plain, "--data", HsbPath);
        Assert.True(r.ExitCode == 2, r.ToString());
        Assert.Contains("fits its model by 'sector'", r.StdErr);
    }

    [Fact]
    public void Reml_WithDifferentFixedEffects_IsRefused()
    {
        var r = CliRunner.Run("anova", "--data", HsbPath, "--formula", "mathach ~ 1 + (1 | school)", "--formula", "mathach ~ meanses + (1 | school)", "--reml");
        Assert.True(r.ExitCode == 2, r.ToString());
        Assert.Contains("Leave out --reml", r.StdErr);
    }
}
