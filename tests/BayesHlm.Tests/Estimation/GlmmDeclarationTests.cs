using BayesHlm.Data;
using BayesHlm.Estimation;
using BayesHlm.Estimation.Glmm;
using BayesHlm.Model;

namespace BayesHlm.Tests.Estimation;

/// <summary>How a binomial or Poisson model is declared: a two-valued text outcome, offset(log(x)), the link on a model
/// file's level-1 equation, and the warning a linear model of a 0/1 outcome gets.</summary>
public class GlmmDeclarationTests
{
    private static DataTable Bernoulli() => DataTable.ReadCsv(RepositoryPaths.Data("bernoulli_sim.csv"), ["school"]);

    [Fact]
    public void ATwoValuedTextOutcome_IsCodedWithTheSecondSortedValueAsTheEvent_AndSaysSo()
    {
        var data = Bernoulli();
        var pass = (NumericColumn)data["pass"];
        var codes = Enumerable.Range(0, data.RowCount).Select(i => pass[i] == 1 ? 1 : 0).ToArray();
        var text = new DataTable(data.Columns.Select(c => c.Name == "pass" ? new TextColumn("pass", codes, ["no", "yes"]) : c).ToList());
        var spec = ModelSpec.FromFormula("pass ~ x + z + (1 | school)").WithFamily(Family.Bernoulli);
        var fromText = GeneralizedFit.Fit(spec, text);
        var fromNumbers = GeneralizedFit.Fit(spec, data);
        Assert.Contains(fromText.Warnings, w => w.Contains("'no' = 0, 'yes' = 1", StringComparison.Ordinal));
        for (int i = 0; i < fromText.FixedEffects.Count; i++)
            Assert.Equal(fromNumbers.FixedEffects[i].Estimate, fromText.FixedEffects[i].Estimate, 1e-9);
    }

    private static double[] Column(DataTable data, string name) => Enumerable.Range(0, data.RowCount).Select(i => ((NumericColumn)data[name])[i]).ToArray();

    [Fact]
    public void ALinearModelOfA01Outcome_WarnsAndNamesTheFamily()
    {
        var fit = Reml.Fit(ModelSpec.FromFormula("pass ~ x + z + (1 | school)"), Bernoulli());
        Assert.Contains(fit.Warnings, w => w.Contains("--family bernoulli", StringComparison.Ordinal));
    }

    [Fact]
    public void OffsetOfALog_ReadsAndWritesBack_AndAddsLogExposureToTheLinearPredictor()
    {
        var spec = ModelSpec.FromFormula("events ~ w + offset(log(exposure)) + (1 | clinic)");
        Assert.Equal("events ~ 1 + w + offset(log(exposure)) + (1 | clinic)", spec.ToFormula());
        Assert.True(ModelSpec.FromFormula(spec.ToFormula()).IsEquivalentTo(spec));
        // With the exposure doubled for every row, the rate's intercept falls by exactly log 2.
        var data = DataTable.ReadCsv(RepositoryPaths.Data("poisson_sim.csv"), ["clinic"]);
        var doubled = new DataTable(data.Columns.Select(c => c.Name == "exposure" ? new NumericColumn("exposure", Column(data, "exposure").Select(e => 2 * e).ToArray()) : c).ToList());
        var poisson = spec.WithFamily(Family.Poisson);
        var a = GeneralizedFit.Fit(poisson, data);
        var b = GeneralizedFit.Fit(poisson, doubled);
        Assert.Equal(a.FixedEffects[0].Estimate - Math.Log(2), b.FixedEffects[0].Estimate, 1e-6);
        Assert.Equal(a.FixedEffects[1].Estimate, b.FixedEffects[1].Estimate, 1e-6);
    }

    /// <summary>x > 0 exactly when y = 1: the ML estimate does not exist; the fit says so instead of reporting a
    /// converged slope of 10⁴.</summary>
    [Fact]
    public void CompleteSeparation_IsNamedAndNotCalledConverged()
    {
        var spec = ModelSpec.FromFormula("y ~ x + (1 | g)").WithFamily(Family.Bernoulli);
        var fit = GeneralizedFit.Fit(spec, DataTable.ReadCsv(Path.Combine(RepositoryPaths.RepositoryDirectory, "tests", "data", "bad", "separation.csv"), ["g"]));
        Assert.False(fit.Converged);
        Assert.Contains(fit.Warnings, w => w.StartsWith("Separation: 'x' predicts the outcome", StringComparison.Ordinal));
        var ordinary = GeneralizedFit.Fit(ModelSpec.FromFormula("pass ~ x + z + (1 | school)").WithFamily(Family.Bernoulli), Bernoulli());
        Assert.DoesNotContain(ordinary.Warnings, w => w.StartsWith("Separation", StringComparison.Ordinal));
    }

    [Fact]
    public void AModelFilesLevelOneEquation_MayWriteTheLink()
    {
        var file = ModelFile.Load(RepositoryPaths.Model("bernoulli_slopes"));
        Assert.Equal(Family.Bernoulli, file.Spec.Family);
        Assert.True(file.Spec.IsEquivalentTo(ModelSpec.FromFormula("pass ~ x + z + (1 + x | school)").WithFamily(Family.Bernoulli)));
    }
}
