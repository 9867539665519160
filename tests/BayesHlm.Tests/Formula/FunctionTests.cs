using BayesHlm.Data;
using BayesHlm.Estimation;
using BayesHlm.Model;

namespace BayesHlm.Tests.Formula;

/// <summary>sqrt(x), exp(x) and scale(x) in a formula fit exactly as the transformed column would (scale as R's: the
/// mean and sd of the rows used), are named as written, and refuse values they cannot take with the line.</summary>
public class FunctionTests
{
    private static (double[] G, double[] X, double[] Y) Data()
    {
        var rng = new Random(11);
        var g = Enumerable.Range(0, 120).Select(i => (double)(i % 12)).ToArray();
        var x = g.Select(_ => 0.2 + 3 * rng.NextDouble()).ToArray();
        var y = x.Select((v, i) => Math.Sqrt(v) + 0.3 * v + g[i] % 4 * 0.2 + rng.NextDouble()).ToArray();
        return (g, x, y);
    }

    [Theory]
    [InlineData("sqrt")]
    [InlineData("exp")]
    [InlineData("scale")]
    public void AFunction_FitsAsItsTransformedColumn(string function)
    {
        var (g, x, y) = Data();
        double mean = x.Average(), sd = Math.Sqrt(x.Sum(v => (v - mean) * (v - mean)) / (x.Length - 1));
        var z = x.Select(v => function switch { "sqrt" => Math.Sqrt(v), "exp" => Math.Exp(v), _ => (v - mean) / sd }).ToArray();
        var table = DataTable.FromColumns([("g", g), ("x", x), ("z", z), ("y", y)]);
        var byFunction = Reml.Fit(ModelSpec.FromFormula($"y ~ {function}(x) + (1 | g)"), table);
        var byColumn = Reml.Fit(ModelSpec.FromFormula("y ~ z + (1 | g)"), table);
        Assert.Equal($"{function}(x)", byFunction.FixedEffects[1].Term);
        for (int i = 0; i < 2; i++) Assert.Equal(byColumn.FixedEffects[i].Estimate, byFunction.FixedEffects[i].Estimate, 1e-9);
        Assert.Equal(byColumn.Covariance[0].Estimate, byFunction.Covariance[0].Estimate, 1e-9);
    }

    [Fact]
    public void ASquareRootOfANegativeValue_IsRefusedWithItsLine()
    {
        using var folder = new TestFolder();
        string path = folder.Write("neg.csv", "g,x,y\n1,1,2\n1,4,3\n2,-1,1\n2,9,4\n3,2,2\n3,3,3\n");
        var e = Assert.Throws<DataException>(() => Reml.Fit(ModelSpec.FromFormula("y ~ sqrt(x) + (1 | g)"), DataTable.ReadCsv(path)));
        Assert.Contains("line 4", e.Message);
        Assert.Contains("at least 0", e.Message);
    }

    [Fact]
    public void AnOffset_FitsAsTheOutcomeLessIt_AndIsWrittenBack()
    {
        var (g, x, y) = Data();
        var o = x.Select((v, i) => 0.5 * v + i % 3).ToArray();
        var table = DataTable.FromColumns([("g", g), ("x", x), ("o", o), ("y", y), ("yo", y.Select((v, i) => v - o[i]).ToArray())]);
        var spec = ModelSpec.FromFormula("y ~ x + offset(o) + (1 | g)");
        Assert.Equal("y ~ 1 + x + offset(o) + (1 | g)", spec.ToFormula());
        Assert.True(ModelSpec.FromFormula(spec.ToFormula()).IsEquivalentTo(spec));
        var withOffset = Reml.Fit(spec, table);
        var subtracted = Reml.Fit(ModelSpec.FromFormula("yo ~ x + (1 | g)"), table);
        Assert.Equal(2, withOffset.FixedEffects.Count);
        for (int i = 0; i < 2; i++) Assert.Equal(subtracted.FixedEffects[i].Estimate, withOffset.FixedEffects[i].Estimate, 1e-9);
        Assert.Equal(subtracted.Covariance[0].Estimate, withOffset.Covariance[0].Estimate, 1e-9);
        Assert.Throws<ModelSpecificationException>(() => ModelSpec.FromFormula("y ~ x:offset(o) + (1 | g)"));
    }
}
