using BayesHlm.Data;
using BayesHlm.Estimation;
using BayesHlm.Model;

namespace BayesHlm.Tests.Estimation;

public class EdgeCaseTests
{
    private static DataTable Random(int groups, int perGroup, int seed = 1)
    {
        var rng = new Random(seed);
        int n = groups * perGroup;
        var g = Enumerable.Range(0, n).Select(i => (double)(i / perGroup)).ToArray();
        var x = Enumerable.Range(0, n).Select(_ => rng.NextDouble()).ToArray();
        var w = g.Select(v => Math.Sin(v)).ToArray();
        var y = Enumerable.Range(0, n).Select(i => x[i] + w[i] + rng.NextDouble() + g[i] % 3).ToArray();
        return DataTable.FromColumns([("g", g), ("x", x), ("w", w), ("y", y)]);
    }

    [Fact]
    public void FactorOutcome_IsRefused()
    {
        var e = Assert.Throws<ModelSpecificationException>(() => Reml.Fit(ModelSpec.FromFormula("factor(y) ~ x + (1 | g)"), Random(10, 5)));
        Assert.Contains("numeric outcome", e.Message);
    }

    [Fact]
    public void OneRowPerGroup_IsRefusedAsUnidentifiable()
    {
        var e = Assert.Throws<ModelSpecificationException>(() => Reml.Fit(ModelSpec.FromFormula("y ~ x + (1 | g)"), Random(30, 1)));
        Assert.Contains("single row", e.Message);
    }

    [Fact]
    public void MoreRandomEffectsThanRows_IsRefused()
    {
        var e = Assert.Throws<ModelSpecificationException>(() => Reml.Fit(ModelSpec.FromFormula("y ~ x + (1 + x | g)"), Random(15, 2)));
        Assert.Contains("cannot all be estimated", e.Message);
    }

    [Fact]
    public void TinyData_AiccIsMissingNotInfinite()
    {
        // n* − d − 1 ≤ 0: SAS prints AICC as missing.
        var fit = Reml.Fit(ModelSpec.FromFormula("y ~ x + w + (1 | g)"), Random(3, 2));
        Assert.True(double.IsNaN(fit.Fit.Aicc));
        var json = BayesHlm.Reporting.RemlJsonWriter.ToJson(fit);
        Assert.Contains("\"aicc\": null", json);
    }

    [Fact]
    public void AsManyClassroomPredictorsAsClassrooms_AreRefused_TheyLeaveNothingForTheClassroomVariance()
    {
        // 2 schools × 2 classrooms and 3 classroom-level predictors: with the intercept they fit all 4 classroom means, so
        // the classroom variance has no information left (and ddfm=bw would give them J_class − J_school − 3 = −1 df).
        var rng = new Random(9);
        var (s, c, c1, c2, c3, y) = (new List<double>(), new List<double>(), new List<double>(), new List<double>(), new List<double>(), new List<double>());
        double[][] cls = [[1, 0, 0], [0, 1, 0], [0, 0, 1], [0, 0, 0]];
        for (int school = 0; school < 2; school++)
            for (int room = 0; room < 2; room++)
                for (int i = 0; i < 15; i++)
                {
                    var v = cls[school * 2 + room];
                    s.Add(school); c.Add(school * 2 + room); c1.Add(v[0]); c2.Add(v[1]); c3.Add(v[2]);
                    y.Add(v[0] + 2 * v[1] - v[2] + rng.NextDouble());
                }
        var e = Assert.Throws<ModelSpecificationException>(() => Reml.Fit(ModelSpec.FromFormula("y ~ c1 + c2 + c3 + (1 | s) + (1 | c)"), DataTable.FromColumns([
            ("s", s.ToArray()), ("c", c.ToArray()), ("c1", c1.ToArray()), ("c2", c2.ToArray()), ("c3", c3.ToArray()), ("y", y.ToArray())])));
        Assert.Contains("leaves nothing for the random intercepts of 'c'", e.Message);
    }

    [Fact]
    public void RandomFactorSlopeWithoutIntercept_CodesEveryLevel_AsR()
    {
        // (0 + factor(k) + x | g): the first factor gets a column per level when the block has no intercept.
        var rng = new Random(3);
        int n = 240;
        var g = Enumerable.Range(0, n).Select(i => (double)(i % 12)).ToArray();
        var k = Enumerable.Range(0, n).Select(i => (double)(i % 2)).ToArray();
        var x = Enumerable.Range(0, n).Select(_ => rng.NextDouble()).ToArray();
        var y = Enumerable.Range(0, n).Select(i => x[i] + k[i] + g[i] % 4 + rng.NextDouble()).ToArray();
        var fit = Reml.Fit(ModelSpec.FromFormula("y ~ x + factor(k) + (0 + factor(k) + x | g)"), DataTable.FromColumns([("g", g), ("k", k), ("x", x), ("y", y)]));
        Assert.Equal(["factor(k)0", "factor(k)1", "x"], fit.Groups[0].Terms);
    }
}

public class LargeMeanOutcomeTests
{
    [Fact]
    public void OutcomeWithALargeMean_IsFittedLikeTheSameOutcomeShifted()
    {
        // Timestamps-like outcome: mean 1.7e9, spread of a few hundred. Shifting y by a constant moves only the intercept.
        var rng = new Random(12);
        int n = 400;
        var g = Enumerable.Range(0, n).Select(i => (double)(i % 20)).ToArray();
        var x = Enumerable.Range(0, n).Select(_ => rng.NextDouble()).ToArray();
        var y = Enumerable.Range(0, n).Select(i => 100 * x[i] + 30 * (g[i] % 5) + 50 * rng.NextDouble()).ToArray();
        var shifted = y.Select(v => v + 1.7e9).ToArray();
        var a = Reml.Fit(ModelSpec.FromFormula("y ~ x + (1 | g)"), DataTable.FromColumns([("g", g), ("x", x), ("y", y)]));
        var b = Reml.Fit(ModelSpec.FromFormula("y ~ x + (1 | g)"), DataTable.FromColumns([("g", g), ("x", x), ("y", shifted)]));
        Assert.Equal(a.FixedEffects[0].Estimate + 1.7e9, b.FixedEffects[0].Estimate, 1e-3);
        Assert.Equal(a.FixedEffects[1].Estimate, b.FixedEffects[1].Estimate, 1e-3);
        Assert.Equal(a.ResidualVariance, b.ResidualVariance, a.ResidualVariance * 1e-4);
        Assert.Equal(a.Covariance[0].Estimate, b.Covariance[0].Estimate, a.Covariance[0].Estimate * 1e-3);
    }
}
