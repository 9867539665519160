using BayesHlm.Data;
using BayesHlm.Estimation;
using BayesHlm.Formula;
using BayesHlm.Model;
using BayesHlm.Statistics;
using BayesHlm.Tests.Cli;

namespace BayesHlm.Tests.Formula;

/// <summary>I(expression) in formulas: R's arithmetic and precedence computed row by row, named as R prints it, fitted
/// exactly as a precomputed column would be, and a value that is not finite refused with its line.</summary>
public class AsIsTests
{
    private static readonly double[] X = [-2, -0.5, 1, 3, 4.5, 7];
    private static readonly double[] Z = [0.5, 2, 1, 4, 3, 10];

    /// <summary>The values of the first fixed term's variable on a small table (x, z, y, g).</summary>
    private static double[] Values(string term)
    {
        var table = DataTable.FromColumns([("x", X), ("z", Z), ("y", [1, 4, 2, 5, 3, 6]), ("g", [1, 1, 2, 2, 3, 3])]);
        var spec = FormulaParser.Parse($"y ~ {term} + (1 | g)");
        return ModelFrame.Build(spec, table).Variables[spec.FixedTerms[0].Variables[0]].Numeric!;
    }

    public static TheoryData<string, Func<double, double, double>> ClosedForms() => new()
    {
        { "I(x^2)", (x, _) => x * x },
        { "I(-x^2)", (x, _) => -(x * x) },               // ^ binds tighter than unary minus
        { "I(2^3^2)", (_, _) => 512 },                   // right-associative: 2^(3^2)
        { "I((x+1)*(x-1))", (x, _) => x * x - 1 },
        { "I(x - 50)", (x, _) => x - 50 },
        { "I(x * z / 2)", (x, z) => x * z / 2 },
        { "I(8/2/2)", (_, _) => 2 },                     // left-associative
        { "I(2-3-4)", (_, _) => -5 },
        { "I(1e-3*x + .5)", (x, _) => 0.001 * x + 0.5 },
        { "I(2^-1)", (_, _) => 0.5 },                    // a negated exponent
        { "I(-2*-x)", (x, _) => 2 * x },
        { "I(-x^2/2 - - -x)", (x, _) => -(x * x) / 2 - x },
        { "I(log(z) * 2)", (_, z) => Math.Log(z) * 2 },
        { "I(sqrt(z) + exp(x/10))", (x, z) => Math.Sqrt(z) + Math.Exp(x / 10) },
        { "I((z))", (_, z) => z },
    };

    [Theory]
    [MemberData(nameof(ClosedForms))]
    public void AnExpression_HasItsClosedFormValueInEveryRow(string term, Func<double, double, double> expected)
    {
        var values = Values(term);
        for (int i = 0; i < X.Length; i++) Assert.Equal(expected(X[i], Z[i]), values[i], 1e-12);
    }

    [Theory]
    [InlineData("I(x ^ 2)", "I(x^2)")]
    [InlineData("I(x*z/2)", "I(x * z/2)")]
    [InlineData("I( (x+1)*(x-1) )", "I((x + 1) * (x - 1))")]
    [InlineData("I(-x^2/2 + 2^-1 - - -x)", "I(-x^2/2 + 2^-1 - --x)")]
    [InlineData("I(x*1e-3 + .5/2^3^2 - -x)", "I(x * 0.001 + 0.5/2^3^2 - -x)")]
    [InlineData("I(x*100000)", "I(x * 1e+05)")]
    [InlineData("I(0.0001*x)", "I(1e-04 * x)")]
    [InlineData("I(1e15*x+123456.7+1e5+1e-20)", "I(1e+15 * x + 123456.7 + 1e+05 + 1e-20)")]
    [InlineData("I(log(`my x`)*2)", "I(log(`my x`) * 2)")]
    public void AnExpression_IsNamedAsRPrintsIt(string written, string name)
    {
        // The names on the right are R 4.2's deparse(quote(...)) of the expressions on the left.
        Assert.Equal(name, Assert.Single(FormulaParser.Parse($"y ~ {written}").FixedTerms).Name);
    }

    [Fact]
    public void OneExpression_WrittenTwoWays_IsOneTerm_AndColonOrStarInteract()
    {
        var spec = FormulaParser.Parse("y ~ x + I(x^2) + I(x ^ 2) + x:I(x^2) + (1 + I(x^2) | g)");
        Assert.Equal(["x", "I(x^2)", "x:I(x^2)"], spec.FixedTerms.Select(t => t.Name));
        Assert.Equal("I(x^2)", Assert.Single(spec.RandomFactors[0].Blocks[0].Terms).Name);
        // Written back, the formula parses to the same model.
        Assert.True(FormulaParser.Parse(spec.ToFormula()).IsEquivalentTo(spec));
    }

    [Theory]
    [InlineData("y ~ I(x^2", "expected ')' to close the I( at column 5 but the formula ended")]
    [InlineData("y ~ I((x + 1) * 2 + (1 | g)", "'|' inside I(...): is the ')' closing the I( at column 5 missing?")]
    [InlineData("y ~ I((x + 1) * 2", "expected ')' to close the I( at column 5 but the formula ended")]
    [InlineData("y ~ I((x + 1 * 2", "expected ')' to close the '(' at column 7 but the formula ended")]
    [InlineData("y ~ I()", "I() is empty")]
    [InlineData("y ~ I(x:z)", "':' is R's sequence operator")]
    [InlineData("y ~ I(center(x))", "unknown function 'center' inside I()")]
    [InlineData("y ~ I(x + * z)", "unexpected '*' inside I(...)")]
    [InlineData("y ~ I(1.2.3 * x)", "'1.2.3' is not a number")]
    public void AMalformedExpression_IsAFormulaError(string formula, string fragment)
    {
        var e = Assert.Throws<ModelSpecificationException>(() => FormulaParser.Parse(formula));
        Assert.Contains(fragment, e.Message);
    }

    [Theory]
    [InlineData(150, true)]   // (((x))) nested 150 deep
    [InlineData(150, false)]  // x + x + … + x, 150 terms: a tree as deep without parentheses
    public void ADeepExpression_IsRefusedBeforeItIsEvaluated(int depth, bool parentheses)
    {
        string inside = parentheses ? new string('(', depth) + "x" + new string(')', depth) : string.Join(" + ", Enumerable.Repeat("x", depth));
        var e = Assert.Throws<ModelSpecificationException>(() => FormulaParser.Parse($"y ~ I({inside})"));
        Assert.Contains("deep", e.Message);
    }

    [Theory]
    [InlineData("I(y/(x - 2))", "line 3", "division by zero in y/(x - 2)")]
    [InlineData("I(log(x - 1))", "line 2", "where x = 1: log of 0")]
    [InlineData("I(sqrt(1 - x))", "line 3", "where x = 2: the square root of -1")]
    [InlineData("I(exp(x * 1000))", "line 2", "exp(x * 1000) overflows for 1000")]
    [InlineData("I((x - 2)^-1)", "line 3", "0 to the negative power -1")]
    public void ANonFiniteValue_IsRefusedWithItsLineAndValues(string term, string line, string fragment)
    {
        using var folder = new TestFolder();
        string data = folder.Write("d.csv", "g,x,y\n1,1,2\n1,2,3\n2,3,1\n2,4,4\n3,5,2\n3,6,3\n");
        var e = Assert.Throws<DataException>(() => Reml.Fit(ModelSpec.FromFormula($"y ~ {term} + (1 | g)"), DataTable.ReadCsv(data)));
        Assert.Contains($"{line}: {term} is not a finite number", e.Message);
        Assert.Contains(fragment, e.Message);
    }

    [Theory]
    [InlineData("y ~ I(y/(x - 2)) + (1 | g)", "d.csv', line 3: I(y/(x - 2)) is not a finite number where y = 3, x = 2: division by zero")]
    [InlineData("y ~ I(x * zz) + (1 | g)", "Column 'zz' not found in 'd.csv'. Did you mean 'z'?")]
    [InlineData("y ~ I((x + 1) * 2 + (1 | g)", "Formula error at column 24: '|' inside I(...): is the ')' closing the I( at column 5 missing?")]
    public void TheCli_RefusesABadExpression_WithExitCode2AndNoStackTrace(string formula, string fragment)
    {
        using var folder = new TestFolder();
        folder.Write("d.csv", "g,x,z,y\n1,1,1,2\n1,2,2,3\n2,3,1,1\n2,4,2,4\n3,5,1,2\n3,6,2,3\n");
        var r = CliRunner.RunIn(folder.Path, "reml", "--data", "d.csv", "--formula", formula);
        Assert.True(r.ExitCode == 2, r.ToString());
        Assert.Contains(fragment, r.StdErr);
        Assert.DoesNotContain("   at ", r.StdErr);
    }

    private static (double[] G, double[] X, double[] Y) Simulated()
    {
        var rng = new Random(5);
        var g = Enumerable.Range(0, 150).Select(i => (double)(i % 15)).ToArray();
        var u = Enumerable.Range(0, 15).Select(_ => rng.NextDouble() - 0.5).ToArray();
        var x = g.Select(_ => 4 * rng.NextDouble() - 1).ToArray();
        var y = x.Select((v, i) => 1 + 0.5 * v - 0.3 * v * v + u[(int)g[i]] * (1 + v * v) + rng.NextDouble()).ToArray();
        return (g, x, y);
    }

    private static void AssertSameFit(RemlFit expected, RemlFit actual)
    {
        static void Close(double e, double a) => Assert.True(Math.Abs(a - e) <= 1e-8 * Math.Abs(e), $"{a} differs from {e} by more than 1e-8 relative");
        Close(expected.Fit.Minus2LogLikelihood, actual.Fit.Minus2LogLikelihood);
        Assert.Equal(expected.FixedEffects.Count, actual.FixedEffects.Count);
        for (int i = 0; i < expected.FixedEffects.Count; i++)
        {
            Close(expected.FixedEffects[i].Estimate, actual.FixedEffects[i].Estimate);
            Close(expected.FixedEffects[i].StandardError, actual.FixedEffects[i].StandardError);
        }
        Assert.Equal(expected.Covariance.Count, actual.Covariance.Count);
        for (int i = 0; i < expected.Covariance.Count; i++) Close(expected.Covariance[i].Estimate, actual.Covariance[i].Estimate);
    }

    [Theory]
    [InlineData("y ~ x + I(x^2) + (1 | g)", "y ~ x + x2 + (1 | g)")]
    [InlineData("y ~ x * I(x^2) + (1 + I(x^2) | g)", "y ~ x * x2 + (1 + x2 | g)")]
    public void AnExpression_FitsExactlyAsAPrecomputedColumn(string withExpression, string withColumn)
    {
        var (g, x, y) = Simulated();
        var table = DataTable.FromColumns([("g", g), ("x", x), ("x2", x.Select(v => v * v).ToArray()), ("y", y)]);
        var byExpression = Reml.Fit(ModelSpec.FromFormula(withExpression), table);
        var byColumn = Reml.Fit(ModelSpec.FromFormula(withColumn), table);
        AssertSameFit(byColumn, byExpression);
        Assert.Equal(byColumn.FixedEffects.Select(f => f.Term.Replace("x2", "I(x^2)")), byExpression.FixedEffects.Select(f => f.Term));
    }

    [Fact]
    public void AnExpression_FitsAsAColumn_WithWeightsAndByGroups()
    {
        var (g, x, y) = Simulated();
        var w = x.Select((_, i) => 0.5 + i % 3).ToArray();
        var by = x.Select((_, i) => (double)(i % 2)).ToArray();
        var table = DataTable.FromColumns([("g", g), ("x", x), ("x2", x.Select(v => v * v).ToArray()), ("y", y), ("w", w), ("by", by)]);
        AssertSameFit(Reml.Fit(ModelSpec.FromFormula("y ~ x + x2 + (1 | g)").WithWeights("w"), table),
                      Reml.Fit(ModelSpec.FromFormula("y ~ x + I(x^2) + (1 | g)").WithWeights("w"), table));
        var byColumn = Reml.FitBy(ModelSpec.FromFormula("y ~ x + x2 + (1 | g)"), table, "by");
        var byExpression = Reml.FitBy(ModelSpec.FromFormula("y ~ x + I(x^2) + (1 | g)"), table, "by");
        Assert.Equal(2, byExpression.Fits.Count);
        for (int i = 0; i < 2; i++) AssertSameFit(byColumn.Fits[i].Fit!, byExpression.Fits[i].Fit!);
    }

    [Fact]
    public void LevelEquations_TakeAnExpression_AsTheFormulaDoes()
    {
        var levels = HlmBuilder.Level1("y = b0 + b1*x + b2*I(x^2) + e")
            .Level2("g", "b0 = g00 + u0", "b2 = g20 + u2")
            .Build();
        Assert.True(levels.IsEquivalentTo(FormulaParser.Parse("y ~ x + I(x^2) + (1 + I(x^2) | g)")), levels.ToFormula());
        var poly = HlmBuilder.Level1("y = b0 + b1*poly(x, 2) + e").Level2("g", "b0 = g00 + u0", "b1 = g10 + g11*I(w / 2) + u1").Build();
        Assert.True(poly.IsEquivalentTo(FormulaParser.Parse("y ~ poly(x, 2) + poly(x, 2):I(w/2) + (1 + poly(x, 2) | g)")), poly.ToFormula());
    }
}
