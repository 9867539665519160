using System.Globalization;
using System.Text.Json;
using BayesHlm.ModelChecks;
using BayesHlm.Reporting;

namespace BayesHlm.Tests.Cli;

/// <summary>
/// After the fit, on a run of models/hsb_anova.yaml (mathach ~ 1 + (1 | school)) that saved every school's effect:
/// each row's log-likelihood against the normal density of the saved draws, written out from draws.csv and the data;
/// predictions against the same draws (a school of the run: β₀ + u_school per draw; a new school: β₀ + τz); ppc and a
/// prior-only run through the command line.
/// </summary>
public class ModelCheckCommandTests : IClassFixture<ModelCheckCommandTests.AnovaRun>
{
    private readonly AnovaRun _run;

    public ModelCheckCommandTests(AnovaRun run) => _run = run;

    /// <summary>One short run shared by the tests.</summary>
    public sealed class AnovaRun : IDisposable
    {
        public AnovaRun()
        {
            Directory = Folder.PathOf("run");
            var r = CliRunner.Run(["fit", RepositoryPaths.Model("hsb_anova"), "--out", Directory, "--iter", "400", "--warmup", "200", "--chains", "2", "--save-group-effects", "--quiet"]);
            Assert.True(r.ExitCode == 0, r.ToString());
            var lines = File.ReadAllLines(Path.Combine(Directory, "draws.csv"));
            var header = CsvLine.Split(lines[0]);
            Draws = header.Select((name, i) => (name, i)).ToDictionary(t => t.name, t => lines.Skip(1).Select(l => double.Parse(CsvLine.Split(l)[t.i], CultureInfo.InvariantCulture)).ToArray());
        }

        public TestFolder Folder { get; } = new();
        public string Directory { get; }
        public Dictionary<string, double[]> Draws { get; }

        public void Dispose() => Folder.Dispose();
    }

    private static (string School, double MathAch)[] Rows()
    {
        var lines = File.ReadAllLines(RepositoryPaths.Data("hsb.csv"));
        var header = CsvLine.Split(lines[0]).ToList();
        int school = header.IndexOf("school"), y = header.IndexOf("mathach");
        return lines.Skip(1).Select(l => CsvLine.Split(l)).Select(f => (f[school], double.Parse(f[y], CultureInfo.InvariantCulture))).ToArray();
    }

    [Fact]
    public void ObservationLogLikelihood_IsTheNormalDensityOfTheSavedDraws()
    {
        var run = FinishedRun.Load(_run.Directory);
        var rows = ModelCheckInputs.Rows(run, 1);
        var values = ObservationLikelihood.Compute(rows);
        var data = Rows();
        var b0 = _run.Draws["(Intercept)"];
        var s2 = _run.Draws["sigma2"];
        int draws = b0.Length;
        Assert.Equal(data.Length * draws, values.Length);
        foreach (int i in new[] { 0, 1, 500, 3000, data.Length - 1 })
            for (int d = 0; d < draws; d += 37)
            {
                double mean = b0[d] + _run.Draws[$"u[school={data[i].School}:(Intercept)]"][d];
                double expected = -0.5 * Math.Log(2 * Math.PI * s2[d]) - 0.5 * Math.Pow(data[i].MathAch - mean, 2) / s2[d];
                Assert.Equal(expected, values[i * draws + d], 1e-9);
            }
    }

    [Fact]
    public void Predictions_AreTheSavedDrawsSummarised()
    {
        string newData = _run.Folder.Write("new.csv", "school,mathach\n1224,\n8367,3\n99999,\n");
        string output = _run.Folder.PathOf("pred.csv");
        var r = CliRunner.Run("predict", _run.Directory, "--data", newData, "--out", output);
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("99999 (new)", r.StdOut);
        var lines = File.ReadAllLines(output);
        var header = CsvLine.Split(lines[0]).ToList();
        double Field(int row, string name) => double.Parse(CsvLine.Split(lines[row + 1])[header.IndexOf(name)], CultureInfo.InvariantCulture);
        var b0 = _run.Draws["(Intercept)"];
        var tau2 = _run.Draws["tau2[school:(Intercept)]"];
        var s2 = _run.Draws["sigma2"];
        // A school of the run: E(y) per draw is β₀ + u_school, exactly.
        foreach (var (row, school) in new[] { (0, "1224"), (1, "8367") })
        {
            var fit = b0.Select((b, d) => b + _run.Draws[$"u[school={school}:(Intercept)]"][d]).ToArray();
            Assert.Equal(fit.Average(), Field(row, "fit_mean"), 1e-9);
            Assert.Equal(Sd(fit), Field(row, "fit_sd"), 1e-9);
            // A new observation adds N(0, σ²): its sd is √(var fit + E σ²), to Monte Carlo error.
            Assert.Equal(Math.Sqrt(Sd(fit) * Sd(fit) + s2.Average()), Field(row, "pred_sd"), 0.05 * Math.Sqrt(s2.Average()));
        }
        // A new school: β₀ + τz per draw; its mean within Monte Carlo error of E β₀, its sd √(var β₀ + E τ²).
        double se = Math.Sqrt(tau2.Average() / b0.Length);
        Assert.InRange(Field(2, "fit_mean"), b0.Average() - 5 * se, b0.Average() + 5 * se);
        Assert.Equal(Math.Sqrt(Sd(b0) * Sd(b0) + tau2.Average()), Field(2, "fit_sd"), 0.06 * Math.Sqrt(tau2.Average()));
    }

    private static double Sd(double[] x)
    {
        double m = x.Average();
        return Math.Sqrt(x.Sum(v => (v - m) * (v - m)) / (x.Length - 1));
    }

    [Fact]
    public void Ppc_WritesItsJsonAndPlots()
    {
        var r = CliRunner.Run("ppc", _run.Directory);
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("Posterior predictive check: 400 replicated data sets", r.StdOut);
        Assert.All(r.StdOut.Split('\n').Where(line => !line.Contains(_run.Directory)), line => Assert.True(line.Length <= 80, line));
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(_run.Directory, "ppc.json")));
        var names = json.RootElement.GetProperty("statistics").EnumerateArray().Select(s => s.GetProperty("name").GetString()).ToList();
        Assert.Contains("ICC [school]", names);
        Assert.True(File.Exists(Path.Combine(_run.Directory, "plots", "ppc_density.png")));
    }

    [Fact]
    public void APriorOnlyRun_IsCheckedAsAPriorPredictive()
    {
        string dir = _run.Folder.PathOf("prior");
        var fit = CliRunner.Run(["fit", RepositoryPaths.Model("hsb_anova"), "--out", dir, "--iter", "400", "--warmup", "200", "--chains", "2", "--prior-only", "--quiet"]);
        Assert.True(fit.ExitCode == 0, fit.ToString());
        Assert.Contains("Draws from the priors alone", fit.StdOut);
        using (var manifest = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "run.json"))))
            Assert.True(manifest.RootElement.GetProperty("sampler").GetProperty("prior_only").GetBoolean());
        var ppc = CliRunner.Run("ppc", dir);
        Assert.True(ppc.ExitCode == 0, ppc.ToString());
        Assert.Contains("Prior predictive check", ppc.StdOut);
    }
}
