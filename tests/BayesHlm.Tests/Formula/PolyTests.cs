using BayesHlm.Data;
using BayesHlm.Estimation;
using BayesHlm.Formula;
using BayesHlm.Model;
using BayesHlm.Statistics;

namespace BayesHlm.Tests.Formula;

/// <summary>poly(x, k): R's orthogonal polynomials over the rows used, named as R names their columns, spanning the
/// same space as the powers of x (so fitting exactly as x + I(x^2)), and refused when x has too few distinct values.</summary>
public class PolyTests
{
    /// <summary>The columns poly makes of <paramref name="x"/> as the fixed part of a model.</summary>
    private static double[][] Columns(string term, double[] x)
    {
        var y = x.Select((_, i) => (double)(i % 3)).ToArray();
        var g = x.Select((_, i) => (double)(i % 2)).ToArray();
        var table = DataTable.FromColumns([("x", x), ("y", y), ("g", g)]);
        var spec = FormulaParser.Parse($"y ~ {term} + (1 | g)");
        return ModelFrame.Build(spec, table).Variables[spec.FixedTerms[0].Variables[0]].Columns!;
    }

    private static void AssertColumns(double[,] expected, double[][] actual)
    {
        Assert.Equal(expected.GetLength(1), actual.Length);
        for (int j = 0; j < actual.Length; j++)
            for (int i = 0; i < expected.GetLength(0); i++)
                Assert.True(Math.Abs(expected[i, j] - actual[j][i]) < 1e-12, $"row {i + 1}, column {j + 1}: {actual[j][i]}, R has {expected[i, j]}");
    }

    [Fact]
    public void Poly_IsRsOrthogonalPolynomials()
    {
        // From R 4.2.2's stats::poly: options(digits = 17); x <- c(1, 2, 4, 7, 11, 16, 22, 29); unclass(poly(x, 3))
        double[,] r =
        {
            { -0.392952623996687789, 0.389757834207383025, -0.38095122917413954 },
            { -0.355528564568431904, 0.266025188427261639, -0.12698374305804655 },
            { -0.280680445711919857, 0.047430847549046744, 0.22857073750448353 },
            { -0.168408267427151925, -0.208283287063204842, 0.44190342584200226 },
            { -0.018712029714127991, -0.414504363363407569, 0.29968163361699007 },
            { 0.168408267427151981, -0.455748578623448197, -0.19809463917055256 },
            { 0.392952623996687900, -0.187661179433184527, -0.59428391751165799 },
            { 0.654921039994479703, 0.562983538299553499, 0.33015773195092107 },
        };
        AssertColumns(r, Columns("poly(x, 3)", [1, 2, 4, 7, 11, 16, 22, 29]));
    }

    [Fact]
    public void Poly_IsRsOrthogonalPolynomials_WithTies()
    {
        // From R 4.2.2's stats::poly: options(digits = 17); t <- c(1, 1, 2, 3, 3, 3, 5, 8); unclass(poly(t, 3))
        double[,] r =
        {
            { -0.367423461417476727, 0.408053351522129071, -0.23418574336292222 },
            { -0.367423461417476727, 0.408053351522128849, -0.23418574336292231 },
            { -0.204124145231931536, -0.014469977004330847, 0.33330015503283023 },
            { -0.040824829046386318, -0.292293535487482492, 0.23716662792442333 },
            { -0.040824829046386318, -0.292293535487482492, 0.23716662792442333 },
            { -0.040824829046386318, -0.292293535487482492, 0.23716662792442333 },
            { 0.285773803324704201, -0.413841342323861439, -0.75956664732747314 },
            { 0.775671751881339744, 0.489085222746381498, 0.18313809524721755 },
        };
        AssertColumns(r, Columns("poly(x, 3)", [1, 1, 2, 3, 3, 3, 5, 8]));
    }

    [Fact]
    public void RawPoly_IsThePowersOfX()
    {
        double[] x = [1, 2, 4, 7, 11];
        AssertColumns(new double[,] { { 1, 1 }, { 2, 4 }, { 4, 16 }, { 7, 49 }, { 11, 121 } }, Columns("poly(x, 2, raw = TRUE)", x));
    }

    [Theory]
    [InlineData("poly(x, 2)")]
    [InlineData("poly(x, degree = 2)")]
    [InlineData("poly( x ,2.0 )")]
    public void Poly_IsNamedAsRNamesItsColumns(string written)
    {
        var (g, x, y) = Simulated();
        var fit = Reml.Fit(ModelSpec.FromFormula($"y ~ z:{written} + {written} + (1 + {written} | g)"),
                           DataTable.FromColumns([("g", g), ("x", x), ("z", x.Select(v => v % 1).ToArray()), ("y", y)]));
        Assert.Equal(["(Intercept)", "poly(x, 2)1", "poly(x, 2)2", "z:poly(x, 2)1", "z:poly(x, 2)2"], fit.FixedEffects.Select(f => f.Term));
        Assert.Equal(["(Intercept)", "poly(x, 2)1", "poly(x, 2)2"], fit.Covariance.Where(c => c.Term2 is null && c.Term1 is not null).Select(c => c.Term1));
    }

    private static (double[] G, double[] X, double[] Y) Simulated()
    {
        var rng = new Random(8);
        var g = Enumerable.Range(0, 160).Select(i => (double)(i % 16)).ToArray();
        var u = Enumerable.Range(0, 16).Select(_ => rng.NextDouble() - 0.5).ToArray();
        var x = g.Select(_ => 10 + 5 * rng.NextDouble()).ToArray();
        var y = x.Select((v, i) => 2 + 0.4 * v - 0.05 * (v - 12) * (v - 12) + u[(int)g[i]] * (1 + 0.3 * (v - 12)) + rng.NextDouble()).ToArray();
        return (g, x, y);
    }

    private static void Close(double expected, double actual) =>
        Assert.True(Math.Abs(actual - expected) <= 1e-8 * Math.Abs(expected), $"{actual} differs from {expected} by more than 1e-8 relative");

    [Fact]
    public void Poly_SpansThePowers_SoItFitsAsXPlusXSquared()
    {
        var (g, x, y) = Simulated();
        var table = DataTable.FromColumns([("g", g), ("x", x), ("y", y)]);
        var powers = Reml.Fit(ModelSpec.FromFormula("y ~ x + I(x^2) + (1 | g)"), table);
        var poly = Reml.Fit(ModelSpec.FromFormula("y ~ poly(x, 2) + (1 | g)"), table);
        Assert.Equal(2, poly.Covariance.Count);
        for (int i = 0; i < 2; i++) Close(powers.Covariance[i].Estimate, poly.Covariance[i].Estimate);
        // The restricted likelihood holds log det(X'V⁻¹X), which a change of basis X → XA shifts by log det(A)², that is
        // by log det(X_poly'X_poly) − log det(X_powers'X_powers) = log n − log det of the cross-products of 1, x, x².
        double[][] columns = [x.Select(_ => 1.0).ToArray(), x, x.Select(v => v * v).ToArray()];
        var gram = new double[3, 3];
        for (int a = 0; a < 3; a++)
            for (int b = 0; b < 3; b++)
                gram[a, b] = columns[a].Zip(columns[b], (u, v) => u * v).Sum();
        double shift = Math.Log(x.Length) - Math.Log(Determinant3(gram));
        Close(powers.Fit.Minus2LogLikelihood + shift, poly.Fit.Minus2LogLikelihood);
        // The full likelihood has no such term: it is the same.
        var ml = new RemlOptions { Method = EstimationMethod.Ml };
        Close(Reml.Fit(ModelSpec.FromFormula("y ~ x + I(x^2) + (1 | g)"), table, ml).Fit.Minus2LogLikelihood,
              Reml.Fit(ModelSpec.FromFormula("y ~ poly(x, 2) + (1 | g)"), table, ml).Fit.Minus2LogLikelihood);
    }

    private static double Determinant3(double[,] m) =>
        m[0, 0] * (m[1, 1] * m[2, 2] - m[1, 2] * m[2, 1])
        - m[0, 1] * (m[1, 0] * m[2, 2] - m[1, 2] * m[2, 0])
        + m[0, 2] * (m[1, 0] * m[2, 1] - m[1, 1] * m[2, 0]);

    [Fact]
    public void PolyAsARandomTerm_FitsAsThePowers()
    {
        // With an unstructured covariance, random slopes on any basis of one span give one likelihood (Z → ZA, Σ → A⁻¹ΣA⁻ᵀ).
        var (g, x, y) = Simulated();
        var table = DataTable.FromColumns([("g", g), ("x", x), ("y", y)]);
        var powers = Reml.Fit(ModelSpec.FromFormula("y ~ x + I(x^2) + (1 + x + I(x^2) | g)"), table);
        var poly = Reml.Fit(ModelSpec.FromFormula("y ~ x + I(x^2) + (1 + poly(x, 2) | g)"), table);
        Close(powers.Fit.Minus2LogLikelihood, poly.Fit.Minus2LogLikelihood);
        // The optimum is flat: its point is found to about the square root of the precision of its value.
        Assert.Equal(powers.ResidualVariance, poly.ResidualVariance, 1e-5 * powers.ResidualVariance);
        Assert.Contains(poly.Covariance, c => c.Term1 == "poly(x, 2)2" && c.Term2 is null);
    }

    [Fact]
    public void Poly_UsesTheRowsTheModelUses()
    {
        // A row dropped for its missing outcome does not shape the polynomials: the fit is that of the table without it.
        var (g, x, y) = Simulated();
        var withMissing = y.ToArray();
        withMissing[3] = double.NaN;
        var keep = Enumerable.Range(0, y.Length).Where(i => i != 3).ToArray();
        var full = DataTable.FromColumns([("g", g), ("x", x), ("y", withMissing)]);
        var reduced = DataTable.FromColumns([("g", keep.Select(i => g[i]).ToArray()), ("x", keep.Select(i => x[i]).ToArray()), ("y", keep.Select(i => y[i]).ToArray())]);
        var a = Reml.Fit(ModelSpec.FromFormula("y ~ poly(x, 3) + (1 | g)"), full);
        var b = Reml.Fit(ModelSpec.FromFormula("y ~ poly(x, 3) + (1 | g)"), reduced);
        for (int i = 0; i < 4; i++) Close(b.FixedEffects[i].Estimate, a.FixedEffects[i].Estimate);
    }

    [Fact]
    public void Poly_WithTooFewDistinctValues_IsRefused()
    {
        var e = Assert.Throws<DataException>(() => Columns("poly(x, 3)", [1, 1, 2, 2, 5, 5]));
        Assert.Contains("poly(x, 3) needs at least 4 distinct values of x; x has 3", e.Message);
    }

    [Theory]
    [InlineData("y ~ poly(x, 2.5)", "the degree of poly() must be a whole number from 1 to 10, not 2.5")]
    [InlineData("y ~ poly(x, 0)", "the degree of poly() must be a whole number from 1 to 10, not 0")]
    [InlineData("y ~ poly(x, 11)", "not 11")]
    [InlineData("y ~ poly(x, k)", "written as a number")]
    [InlineData("y ~ poly(x)", "poly() needs its degree")]
    [InlineData("y ~ poly(x, 2, 3)", "poly() takes one column and its degree")]
    [InlineData("y ~ poly(x, 2, coefs = 1)", "poly() has no argument 'coefs'")]
    [InlineData("y ~ poly(x, 2, raw = yes)", "raw = in poly() is TRUE or FALSE")]
    [InlineData("y ~ poly(log(x), 2)", "poly() takes a column, not a function of one")]
    public void AMalformedPoly_IsAFormulaError(string formula, string fragment)
    {
        var e = Assert.Throws<ModelSpecificationException>(() => FormulaParser.Parse(formula));
        Assert.Contains(fragment, e.Message);
    }
}
