using System.Globalization;
using System.Text.Json;

namespace BayesHlm.Tests.Cli;

/// <summary>
/// <c>bayeshlm reml --residuals</c> and <c>--predict</c> on HSB with a random slope of group-centred SES, against lme4's
/// own estimates (shared/reference/reml/hsb_random_coef.json): each row's conditional fit x_iβ̂ + z_iû_school and
/// marginal fit x_iβ̂, written out from the data with lme4's β̂ and conditional modes; a new school's conditional
/// prediction is its marginal one.
/// </summary>
public class RemlResidualTests
{
    [Fact]
    public void FittedValuesAndPredictions_AreLme4s()
    {
        using var folder = new TestFolder();
        using var reference = JsonDocument.Parse(File.ReadAllText(RepositoryPaths.Reference("reml", "hsb_random_coef.json")));
        var root = reference.RootElement;
        var fixedEffects = root.GetProperty("fixed").EnumerateArray().ToDictionary(f => f.GetProperty("term").GetString()!, f => f.GetProperty("estimate").GetDouble());
        var ranef = root.GetProperty("random_effects")[0];
        var levels = ranef.GetProperty("levels").EnumerateArray().Select(l => l.GetString()!).ToList();
        var modes = ranef.GetProperty("estimates").EnumerateArray().Select(e => e.EnumerateArray().Select(v => v.GetDouble()).ToArray()).ToArray();

        var lines = File.ReadAllLines(RepositoryPaths.Data("hsb.csv"));
        var header = lines[0].Split(',').ToList();
        var rows = lines.Skip(1).Select(l => l.Split(',')).Select(f => (School: f[header.IndexOf("school")], Ses: double.Parse(f[header.IndexOf("ses")], CultureInfo.InvariantCulture))).ToArray();
        var schoolMean = rows.GroupBy(r => r.School).ToDictionary(g => g.Key, g => g.Average(r => r.Ses));
        double Marginal(int i) => fixedEffects["(Intercept)"] + fixedEffects["center_ses_school"] * (rows[i].Ses - schoolMean[rows[i].School]);
        double Conditional(int i)
        {
            var u = modes[levels.IndexOf(rows[i].School)];
            return Marginal(i) + u[0] + u[1] * (rows[i].Ses - schoolMean[rows[i].School]);
        }

        string newRows = folder.Write("new.csv", "school,ses\n1224,-1.5\n1224,0.5\n77777,0.2\n77777,1.0\n");
        string predictions = folder.PathOf("pred.csv");
        var r = CliRunner.Run("reml", RepositoryPaths.Model("hsb_random_coef"), "--residuals", folder.PathOf("res"), "--predict", newRows, "--predict-out", predictions);
        Assert.True(r.ExitCode == 0, r.ToString());

        var level1 = File.ReadAllLines(Path.Combine(folder.PathOf("res"), "level1.csv"));
        var columns = level1[0].Split(',').ToList();
        Assert.Equal(rows.Length, level1.Length - 1);
        for (int i = 0; i < rows.Length; i += 97)
        {
            var f = level1[i + 1].Split(',');
            Assert.Equal(Conditional(i), double.Parse(f[columns.IndexOf("fitted")], CultureInfo.InvariantCulture), 1e-4);
            Assert.Equal(Marginal(i), double.Parse(f[columns.IndexOf("marginal_fitted")], CultureInfo.InvariantCulture), 1e-4);
        }
        Assert.True(File.Exists(Path.Combine(folder.PathOf("res"), "level2_school.csv")));
        Assert.True(File.Exists(Path.Combine(folder.PathOf("res"), "qq_group_effects.png")));

        // New rows: their own school's mean SES centres them (the formula read on the new rows).
        var predicted = File.ReadAllLines(predictions);
        var pc = predicted[0].Split(',').ToList();
        double P(int row, string column) => double.Parse(predicted[row + 1].Split(',')[pc.IndexOf(column)], CultureInfo.InvariantCulture);
        var u1224 = modes[levels.IndexOf("1224")];
        double[] centred = [-1.0, 1.0, -0.4, 0.4];
        for (int row = 0; row < 4; row++)
        {
            double marginal = fixedEffects["(Intercept)"] + fixedEffects["center_ses_school"] * centred[row];
            Assert.Equal(marginal, P(row, "marginal"), 1e-4);
            double conditional = row < 2 ? marginal + u1224[0] + u1224[1] * centred[row] : marginal;
            Assert.Equal(conditional, P(row, "conditional"), 1e-4);
        }
    }
}
