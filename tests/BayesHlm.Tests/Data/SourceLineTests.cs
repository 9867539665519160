using BayesHlm.Data;
using BayesHlm.Estimation;
using BayesHlm.Model;

namespace BayesHlm.Tests.Data;

/// <summary>Messages about a row name the line of the file it came from, whatever happened to the table since.</summary>
public sealed class SourceLineTests : IDisposable
{
    private readonly TestFolder _dir = new();

    public void Dispose() => _dir.Dispose();

    private static string Rows(int from, int to, Func<int, string> row) => string.Concat(Enumerable.Range(from, to - from).Select(i => row(i) + "\n"));

    [Fact]
    public void NaNTokens_AreMissingValues()
    {
        var path = _dir.Write("nan.csv", "y,x\n1,2\nNaN,3\n2,nan\n3,4\n");
        var t = DataTable.ReadCsv(path);
        Assert.IsType<NumericColumn>(t["x"]);
        Assert.Equal(1, t["y"].MissingCount);
        Assert.Equal(1, t["x"].MissingCount);
    }

    [Fact]
    public void Infinity_IsNotANumberTheModelCanUse_AndItsLineIsNamed()
    {
        var path = _dir.Write("inf.csv", "y,x,g\n" + Rows(0, 20, i => $"{i},{i % 7},{i % 4}") + "3,Inf,1\n" + Rows(0, 5, i => $"{i},{i},{i % 4}"));
        var e = Assert.Throws<DataException>(() => Reml.Fit(ModelSpec.FromFormula("y ~ x + (1 | g)"), DataTable.ReadCsv(path)));
        Assert.Contains("line 22", e.Message);
        Assert.Contains("'Inf'", e.Message);
    }

    [Fact]
    public void BlankLinesInTheMiddle_DoNotShiftLineNumbers()
    {
        var path = _dir.Write("blank.csv", "y,x,g\n1,2,a\n\n2,3,a\n\n\n3,oops,b\n4,5,b\n");
        var e = Assert.Throws<DataException>(() => Reml.Fit(ModelSpec.FromFormula("y ~ x + (1 | g)"), DataTable.ReadCsv(path)));
        Assert.Contains("line 7", e.Message);
    }

    [Fact]
    public void By_ErrorsInALaterSubset_NameTheLineOfTheWholeFile()
    {
        // The typo sits in the second BY group, far down the file: the message must name its line there.
        var text = "y,x,g,country\n" + Rows(0, 40, i => $"{i % 9 + 0.5 * i},{i % 5},{i % 6},A") + Rows(0, 30, i => $"{i % 9},{(i == 17 ? "1.2a" : (i % 5).ToString())},{i % 6},B");
        var path = _dir.Write("by.csv", text);
        var by = Reml.FitBy(ModelSpec.FromFormula("y ~ x + (1 | g)"), DataTable.ReadCsv(path), "country");
        Assert.NotNull(by.Fits[0].Fit); // A has no typo: it is fitted
        Assert.Null(by.Fits[1].Fit);
        Assert.Contains("line 59", by.Fits[1].Error); // header 1 + 40 rows of A + row 17 (0-based) of B → 1 + 40 + 18
        Assert.Contains("'1.2a'", by.Fits[1].Error);
        Assert.Contains("country = B", by.Fits[1].Error);
    }
}
