using System.Globalization;
using BayesHlm.Data;
using BayesHlm.Estimation;
using BayesHlm.Model;
using BayesHlm.Statistics;

namespace BayesHlm.Tests.Data;

/// <summary>Reading delimited files into a <see cref="DataTable"/>, and how the columns then enter a model:
/// delimiters, quoting, numeric vs text columns, missing values, factors and listwise deletion.</summary>
public sealed class CsvTableReaderTests : IDisposable
{
    private readonly TestFolder _dir = new();

    public void Dispose() => _dir.Dispose();

    private static string N(double x) => x.ToString("R", CultureInfo.InvariantCulture);

    // ---------------------------------------------------------------- delimiters and quoting

    [Theory]
    [InlineData(",")]
    [InlineData(";")]
    [InlineData("\t")]
    public void Delimiter_IsDetectedFromTheHeader(string d)
    {
        string path = _dir.Write("d.csv", $"id{d}x{d}label\n1{d}2.5{d}a\n2{d}-3e2{d}b\n3{d}0.125{d}a\n");
        var table = DataTable.ReadCsv(path);

        Assert.Equal(new[] { "id", "x", "label" }, table.ColumnNames.ToArray());
        Assert.Equal(3, table.RowCount);
        var x = Assert.IsType<NumericColumn>(table["x"]);
        Assert.Equal(new[] { 2.5, -300, 0.125 }, x.Values.ToArray());
        var id = Assert.IsType<NumericColumn>(table["id"]);
        Assert.Equal(new[] { 1.0, 2, 3 }, id.Values.ToArray());
        var label = Assert.IsType<TextColumn>(table["label"]);
        Assert.Equal(new[] { "a", "b", "a" }, Enumerable.Range(0, 3).Select(label.TextAt).ToArray());
    }

    [Fact]
    public void QuotedFields_KeepDelimitersAndDoubledQuotes()
    {
        string path = _dir.Write("q.csv",
            "id,name,score\n" +
            "1,\"Smith, John\",3\n" +
            "2,\"He said \"\"hi\"\"\",4\n" +
            "3,plain,5\n");
        var table = DataTable.ReadCsv(path);

        Assert.Equal(3, table.RowCount);
        var name = Assert.IsType<TextColumn>(table["name"]);
        Assert.Equal("Smith, John", name.TextAt(0));
        Assert.Equal("He said \"hi\"", name.TextAt(1));
        Assert.Equal("plain", name.TextAt(2));
        Assert.Equal(new[] { 3.0, 4, 5 }, Assert.IsType<NumericColumn>(table["score"]).Values.ToArray());
    }

    [Fact]
    public void QuotedFields_WithSemicolonDelimiter()
    {
        string path = _dir.Write("q.csv", "id;name;score\n1;\"a;b\";3\n2;\"say \"\"x\"\"; ok\";4\n");
        var table = DataTable.ReadCsv(path);

        Assert.Equal(new[] { "id", "name", "score" }, table.ColumnNames.ToArray());
        var name = Assert.IsType<TextColumn>(table["name"]);
        Assert.Equal("a;b", name.TextAt(0));
        Assert.Equal("say \"x\"; ok", name.TextAt(1));
        Assert.Equal(new[] { 3.0, 4 }, Assert.IsType<NumericColumn>(table["score"]).Values.ToArray());
    }

    [Fact]
    public void QuotedNumber_IsStillANumber()
    {
        string path = _dir.Write("q.csv", "x,y\n\"1.5\",2\n\"2\",3\n");
        var table = DataTable.ReadCsv(path);
        Assert.Equal(new[] { 1.5, 2 }, Assert.IsType<NumericColumn>(table["x"]).Values.ToArray());
    }

    // ---------------------------------------------------------------- numeric vs text

    [Fact]
    public void NumericAndTextColumns_AreTold()
    {
        string path = _dir.Write("t.csv",
            "num,txt,late\n" +
            "1,a,1.50\n" +
            "2.5,b,2\n" +
            "-4e-1,a,3\n" +
            "7,c,x\n");
        var table = DataTable.ReadCsv(path);

        var num = Assert.IsType<NumericColumn>(table["num"]);
        Assert.Equal(new[] { 1, 2.5, -0.4, 7 }, num.Values.ToArray());

        var txt = Assert.IsType<TextColumn>(table["txt"]);
        Assert.Equal(new[] { "a", "b", "c" }, txt.DistinctValues.ToArray());
        Assert.Equal(new[] { 0, 1, 0, 2 }, txt.Codes.ToArray());
        Assert.Equal(0, txt.NumericCount);

        // Numbers first, text on the last row: the column is text and keeps the early values' exact spelling.
        var late = Assert.IsType<TextColumn>(table["late"]);
        Assert.Equal(new[] { "1.50", "2", "3", "x" }, Enumerable.Range(0, 4).Select(late.TextAt).ToArray());
        Assert.Equal(3, late.NumericCount);
        Assert.Equal(3, late.FirstNonNumericRow);
    }

    [Fact]
    public void MissingValues_EmptyNaAndDot_AreNaNAndCounted()
    {
        string path = _dir.Write("m.csv",
            "x,g,z\n" +
            "1,a,5\n" +
            ",b,NA\n" +
            "NA,,6\n" +
            ".,NA,.\n" +
            "5,a,7\n" +
            " NA ,b,8\n");
        var table = DataTable.ReadCsv(path);
        Assert.Equal(6, table.RowCount);

        var x = Assert.IsType<NumericColumn>(table["x"]);
        Assert.Equal(1.0, x[0]);
        Assert.True(double.IsNaN(x[1]));
        Assert.True(double.IsNaN(x[2]));
        Assert.True(double.IsNaN(x[3]));
        Assert.Equal(5.0, x[4]);
        Assert.True(double.IsNaN(x[5]), "a blank-padded NA is missing too (fields are trimmed)");
        Assert.Equal(4, x.MissingCount);
        Assert.Equal(new[] { false, true, true, true, false, true }, Enumerable.Range(0, 6).Select(x.IsMissing).ToArray());

        var g = Assert.IsType<TextColumn>(table["g"]);
        Assert.Equal(2, g.MissingCount);
        Assert.True(g.IsMissing(2));
        Assert.True(g.IsMissing(3));
        Assert.Equal("", g.TextAt(2));
        Assert.Equal(new[] { "a", "b" }, g.DistinctValues.ToArray());

        var z = Assert.IsType<NumericColumn>(table["z"]);
        Assert.Equal(2, z.MissingCount);
    }

    [Fact]
    public void LeadingMissingValues_ThenText_GiveATextColumn()
    {
        string path = _dir.Write("m.csv", "y,g\n1,NA\n2,\n3,b\n4,a\n");
        var table = DataTable.ReadCsv(path);
        var g = Assert.IsType<TextColumn>(table["g"]);
        Assert.Equal(2, g.MissingCount);
        Assert.Equal(new[] { "", "", "b", "a" }, Enumerable.Range(0, 4).Select(g.TextAt).ToArray());
    }

    [Fact]
    public void TrailingBlankLine_IsIgnored()
    {
        string path = _dir.Write("b.csv", "x,y\n1,2\n3,4\n\n");
        var table = DataTable.ReadCsv(path);
        Assert.Equal(2, table.RowCount);
    }

    [Fact]
    public void WrongFieldCount_NamesTheLine()
    {
        string path = _dir.Write("w.csv", "x,y\n1,2\n3,4,5\n");
        var e = Assert.Throws<DataException>(() => DataTable.ReadCsv(path));
        Assert.Contains("line 3", e.Message);
        Assert.Contains(path, e.Message);
    }

    [Fact]
    public void MissingFile_EmptyFile_HeaderOnly_AreDataExceptions()
    {
        var missing = Assert.Throws<DataException>(() => DataTable.ReadCsv(_dir.PathOf("nope.csv")));
        Assert.Contains("nope.csv", missing.Message);
        Assert.Contains("not found", missing.Message);

        string empty = _dir.Write("empty.csv", "");
        Assert.Contains("empty", Assert.Throws<DataException>(() => DataTable.ReadCsv(empty)).Message);

        string header = _dir.Write("header.csv", "x,y\n");
        Assert.Contains("no data rows", Assert.Throws<DataException>(() => DataTable.ReadCsv(header)).Message);
    }

    // ---------------------------------------------------------------- a model's columns only

    [Fact]
    public void ModelColumns_AreTheOnlyOnesParsed_InTheHeadersOrder()
    {
        // 'note' turns to text after two numbers: read whole, the file is read a second time for it.
        string path = _dir.Write("m.csv", "id,y,note,g,x\n1,2.5,7,a,0.5\n2,3.5,8,b,1.5\n3,4.5,late,a,2.5\n");
        var table = CsvTableReader.Read(path, labelColumns: ["g"], columns: ["x", "g", "y"]);

        Assert.Equal(new[] { "y", "g", "x" }, table.ColumnNames.ToArray());
        Assert.Equal(new[] { 2.5, 3.5, 4.5 }, Assert.IsType<NumericColumn>(table["y"]).Values.ToArray());
        Assert.Equal(new[] { 0.5, 1.5, 2.5 }, Assert.IsType<NumericColumn>(table["x"]).Values.ToArray());
        Assert.Equal(new[] { "a", "b", "a" }, Enumerable.Range(0, 3).Select(Assert.IsType<TextColumn>(table["g"]).TextAt).ToArray());
        Assert.Equal(new[] { 2, 3, 4 }, Enumerable.Range(0, 3).Select(table.LineOf).ToArray());
        Assert.False(table.Contains("note"));
    }

    [Fact]
    public void ModelColumns_AMissingNameIsToldAmongEveryColumnOfTheFile()
    {
        string path = _dir.Write("m.csv", "id,score,school\n1,2,a\n2,3,b\n");
        var table = CsvTableReader.Read(path, columns: ["scores", "school"]);

        string message = Assert.Throws<DataException>(() => table["scores"]).Message;
        Assert.Contains("Did you mean 'score'?", message);
        Assert.Contains("Columns: id, score, school.", message);
        Assert.Equal(message, DataTable.ReadCsv(path).MissingColumnMessage("scores"));
    }

    [Fact]
    public void ModelColumns_AHeaderNameWrittenTwiceIsRefusedEvenWhenNotRead()
    {
        string path = _dir.Write("m.csv", "id,y,id\n1,2,3\n");
        Assert.Contains("appears twice", Assert.Throws<DataException>(() => CsvTableReader.Read(path, columns: ["y"])).Message);
    }

    [Fact]
    public void ModelColumns_GiveTheStatisticsOfTheWholeTable()
    {
        // Through DataSources, as reml, sample and fit read a CSV file below the streaming size.
        string path = BayesHlm.Tests.Data.Sources.SourceComparison.HsbWithGaps(_dir);
        foreach (var spec in new[]
                 {
                     BayesHlm.Tests.Data.Sources.SourceComparison.Spec,
                     ModelSpec.FromFormula("mathach ~ ses + factor(sector_name) + (1 + ses | school)"),
                 })
        {
            var whole = SufficientStatistics.Build(spec, DataTable.ReadCsv(path, spec.LabelColumns));
            var table = BayesHlm.Data.Sources.DataSources.Read(new BayesHlm.Data.Sources.DataSource(path), spec.Columns, spec.LabelColumns);
            Assert.Equal(spec.Columns.Order(), table.ColumnNames.Order());
            var read = SufficientStatistics.Build(spec, table);
            Assert.Equal(whole.Total(), read.Total());
            for (int j = 0; j < whole.LeafCount; j++) Assert.Equal(whole.Leaf(j).ToArray(), read.Leaf(j).ToArray());
            Assert.Equal(whole.Frame.MissingByColumn.OrderBy(p => p.Key), read.Frame.MissingByColumn.OrderBy(p => p.Key));
        }
    }

    // ---------------------------------------------------------------- room for the rows

    [Fact]
    public void Columns_AreAllocatedOnceAtTheirSize()
    {
        // hsb.csv: 7185 rows × 11 columns, 0.63 MB of values. Columns doubled from 1024 rows and then trimmed
        // allocated 2.1 MB, and every new page of it is a page fault in a short process.
        string path = RepositoryPaths.Data("hsb.csv");
        DataTable.ReadCsv(path);
        long before = GC.GetAllocatedBytesForCurrentThread();
        var table = DataTable.ReadCsv(path);
        long used = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(7185, table.RowCount);
        Assert.True(used < 1_100_000, $"reading hsb.csv allocated {used:N0} bytes");
    }

    [Theory]
    [InlineData("x,y\n1,2\n3,4", 2)]                          // no line break after the last row
    [InlineData("x,y\r\n1,2\r\n3,4\r\n", 2)]                  // CRLF
    [InlineData("x,y\n1,2\n\n\n3,4\n\n\n\n", 2)]                // blank lines: fewer rows than lines
    [InlineData("x,y\n1,\"a\nb\nc\"\n3,d\n", 2)]                // line breaks inside quotes
    [InlineData("x,y\n3,2\n", 1)]
    public void RowCount_DoesNotDependOnTheRoomMadeForIt(string text, int rows)
    {
        var table = DataTable.ReadCsv(_dir.Write("r.csv", text));

        Assert.Equal(rows, table.RowCount);
        Assert.Equal(rows, table["x"].Length);
        Assert.Equal(rows, table["y"].Length);
        Assert.Equal(3.0, Assert.IsType<NumericColumn>(table["x"]).Values[rows - 1]);
    }

    [Fact]
    public void ManyRows_GrowPastTheRoomOfACompressedFile()
    {
        // A .csv.gz gets room for 1024 rows, growing by doubling; 5000 rows fill it four times over.
        var text = new System.Text.StringBuilder("g,y\n");
        for (int i = 0; i < 5000; i++) text.Append(CultureInfo.InvariantCulture, $"{i % 7},{i * 0.5}\n");
        string path = Path.Combine(_dir.Path, "many.csv.gz");
        using (var gz = new System.IO.Compression.GZipStream(File.Create(path), System.IO.Compression.CompressionLevel.Fastest))
        using (var w = new StreamWriter(gz)) w.Write(text.ToString());
        var table = DataTable.ReadCsv(path, ["g"]);

        Assert.Equal(5000, table.RowCount);
        Assert.Equal(2499.5, Assert.IsType<NumericColumn>(table["y"]).Values[4999]);
        Assert.Equal("1", Assert.IsType<TextColumn>(table["g"]).TextAt(4999)); // 4999 mod 7
    }

    // ---------------------------------------------------------------- columns in a model

    [Fact]
    public void TextColumnInFormula_IsTreatmentCodedFactor_FirstSortedLevelIsReference()
    {
        // Levels appear unsorted in the file; the reference must be "A" (first in sorted order).
        string[] group = { "C", "A", "B", "A", "C", "B", "A", "C", "B", "A", "B", "C" };
        double[] y = { 7.5, 1.25, 4.0, 3.5, 9.0, 6.25, 2.0, 8.75, 5.5, 0.5, 4.75, 10.0 };
        string path = _dir.Write("f.csv", "group,y\n" + string.Concat(group.Select((g, i) => $"{g},{N(y[i])}\n")));

        var fit = Reml.Fit(ModelSpec.FromFormula("y ~ group"), DataTable.ReadCsv(path));

        double Mean(string level) => group.Select((g, i) => (g, y[i])).Where(p => p.g == level).Average(p => p.Item2);
        Assert.Equal(new[] { "(Intercept)", "groupB", "groupC" }, fit.FixedEffects.Select(f => f.Term).ToArray());
        Assert.Equal(Mean("A"), fit.FixedEffects[0].Estimate, 1e-10);
        Assert.Equal(Mean("B") - Mean("A"), fit.FixedEffects[1].Estimate, 1e-10);
        Assert.Equal(Mean("C") - Mean("A"), fit.FixedEffects[2].Estimate, 1e-10);
        Assert.Equal(group.Length, fit.Observations);
    }

    [Fact]
    public void FactorOfNumericColumn_LevelsSortedNumerically()
    {
        // Ordinal sorting would put "10" before "2"; levels of numbers sort as numbers, reference 2.
        double[] x = { 10, 2, 3, 2, 10, 3, 2, 3, 10, 2 };
        double[] y = { 1.5, 4.0, 2.25, 5.0, 0.75, 3.0, 4.5, 2.75, 1.0, 3.75 };
        string path = _dir.Write("f.csv", "x,y\n" + string.Concat(x.Select((v, i) => $"{N(v)},{N(y[i])}\n")));
        var table = DataTable.ReadCsv(path);
        Assert.IsType<NumericColumn>(table["x"]);

        var fit = Reml.Fit(ModelSpec.FromFormula("y ~ factor(x)"), table);

        double Mean(double level) => x.Select((v, i) => (v, y[i])).Where(p => p.v == level).Average(p => p.Item2);
        Assert.Equal(new[] { "(Intercept)", "factor(x)3", "factor(x)10" }, fit.FixedEffects.Select(f => f.Term).ToArray());
        Assert.Equal(Mean(2), fit.FixedEffects[0].Estimate, 1e-10);
        Assert.Equal(Mean(3) - Mean(2), fit.FixedEffects[1].Estimate, 1e-10);
        Assert.Equal(Mean(10) - Mean(2), fit.FixedEffects[2].Estimate, 1e-10);

        // Without factor() the same column is one numeric slope.
        var linear = Reml.Fit(ModelSpec.FromFormula("y ~ x"), table);
        Assert.Equal(new[] { "(Intercept)", "x" }, linear.FixedEffects.Select(f => f.Term).ToArray());
    }

    [Fact]
    public void NonNumericValueInNumericUse_NamesFileLineColumnAndValue()
    {
        // Header is line 1, so the 5th data row is line 6.
        string path = _dir.Write("bad.csv", "y,x,g\n1,2,a\n2,3,a\n3,4,b\n4,5,b\nabc,6,c\n6,7,c\n");
        var table = DataTable.ReadCsv(path);
        var e = Assert.Throws<DataException>(() => SufficientStatistics.Build(ModelSpec.FromFormula("y ~ x + (1 | g)"), table));
        Assert.Contains("bad.csv", e.Message);
        Assert.Contains("line 6", e.Message);
        Assert.Contains("'y'", e.Message);
        Assert.Contains("'abc'", e.Message);
    }

    [Fact]
    public void ListwiseDeletion_CountsMissingPerColumnAndRowsUsed()
    {
        // y missing in rows 1 and 4, x missing in rows 4 and 6 (row 4 in both), z (not in the model) in row 0.
        double[] x = { 0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 3.5, 4.0, 4.5, 5.0, 5.5, 6.0 };
        double[] y = { 1.2, 2.9, 2.1, 3.8, 3.3, 5.1, 4.4, 5.9, 6.6, 6.1, 7.7, 8.0 };
        var yMissing = new HashSet<int> { 1, 4 };
        var xMissing = new HashSet<int> { 4, 6 };
        var lines = new List<string> { "y,x,z" };
        for (int i = 0; i < x.Length; i++)
            lines.Add($"{(yMissing.Contains(i) ? (i == 1 ? "NA" : "") : N(y[i]))},{(xMissing.Contains(i) ? "." : N(x[i]))},{(i == 0 ? "NA" : "1")}");
        string path = _dir.Write("lw.csv", string.Join("\n", lines) + "\n");

        var fit = Reml.Fit(ModelSpec.FromFormula("y ~ x"), DataTable.ReadCsv(path));

        Assert.Equal(12, fit.Frame.RowsRead);
        Assert.Equal(9, fit.Frame.RowsUsed);
        Assert.Equal(9, fit.Observations);
        Assert.Equal(2, fit.Frame.MissingByColumn["y"]);
        Assert.Equal(2, fit.Frame.MissingByColumn["x"]);
        Assert.False(fit.Frame.MissingByColumn.TryGetValue("z", out int z) && z > 0, "a column the model does not read must not drop rows");

        // Independent OLS on the complete rows.
        var used = Enumerable.Range(0, x.Length).Where(i => !yMissing.Contains(i) && !xMissing.Contains(i)).ToArray();
        double mx = used.Average(i => x[i]), my = used.Average(i => y[i]);
        double slope = used.Sum(i => (x[i] - mx) * (y[i] - my)) / used.Sum(i => (x[i] - mx) * (x[i] - mx));
        Assert.Equal(slope, fit.FixedEffects[1].Estimate, 1e-10);
        Assert.Equal(my - slope * mx, fit.FixedEffects[0].Estimate, 1e-10);
    }

    [Fact]
    public void ListwiseDeletion_IncludesGroupingColumn()
    {
        // 6 groups of 8 rows; y missing in 2 rows, x in 1, the text grouping column in 2 (one overlapping y).
        var rng = new Random(12345);
        var lines = new List<string> { "y,x,school" };
        int n = 48;
        var missY = new HashSet<int> { 3, 17 };
        var missX = new HashSet<int> { 25 };
        var missG = new HashSet<int> { 17, 40 };
        for (int i = 0; i < n; i++)
        {
            int g = i / 8;
            double xi = Math.Round(rng.NextDouble() * 4 - 2, 3);
            double yi = Math.Round(10 + 2 * g + 1.5 * xi + (rng.NextDouble() - 0.5) * 3, 3);
            lines.Add($"{(missY.Contains(i) ? "NA" : N(yi))},{(missX.Contains(i) ? "" : N(xi))},{(missG.Contains(i) ? "NA" : "s" + g)}");
        }
        string path = _dir.Write("lw.csv", string.Join("\n", lines) + "\n");

        var fit = Reml.Fit(ModelSpec.FromFormula("y ~ x + (1 | school)"), DataTable.ReadCsv(path));

        Assert.Equal(48, fit.Frame.RowsRead);
        Assert.Equal(48 - 4, fit.Frame.RowsUsed);
        Assert.Equal(44, fit.Observations);
        Assert.Equal(2, fit.Frame.MissingByColumn["y"]);
        Assert.Equal(1, fit.Frame.MissingByColumn["x"]);
        Assert.Equal(2, fit.Frame.MissingByColumn["school"]);
        Assert.Equal(("school", 6), fit.GroupCounts.Single());
    }

    [Fact]
    public void RowsAllMissing_IsADataException()
    {
        string path = _dir.Write("am.csv", "y,x\nNA,1\n2,NA\n.,.\n");
        var e = Assert.Throws<DataException>(() => Reml.Fit(ModelSpec.FromFormula("y ~ x"), DataTable.ReadCsv(path)));
        Assert.Contains("No rows", e.Message);
    }
}

public class FastDoubleTests
{
    [Theory]
    [InlineData("0")] [InlineData("-0")] [InlineData("12.345")] [InlineData("-1.528")] [InlineData("+3")] [InlineData(".5")]
    [InlineData("5.")] [InlineData("1e5")] [InlineData("1.5E-3")] [InlineData("-2.25e+10")] [InlineData("0.1")] [InlineData("0.30000000000000004")]
    [InlineData("123456789012345678")] [InlineData("9007199254740993")] [InlineData("1e-30")] [InlineData("1.7976931348623157e308")]
    [InlineData("000123.4500")] [InlineData("3.14159265358979323846")] [InlineData("1e400")]
    public void Parse_AgreesWithTheFrameworkToTheLastBit(string text)
    {
        bool expectedOk = double.TryParse(text, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out double expected);
        bool ok = BayesHlm.Data.FastDouble.TryParse(text, out double actual);
        Assert.Equal(expectedOk, ok);
        if (ok) Assert.Equal(BitConverter.DoubleToInt64Bits(expected), BitConverter.DoubleToInt64Bits(actual));
    }

    [Fact]
    public void Parse_RandomDecimals_AgreeWithTheFramework()
    {
        var rng = new Random(99);
        for (int i = 0; i < 100_000; i++)
        {
            double v = (rng.NextDouble() - 0.5) * Math.Pow(10, rng.Next(-8, 12));
            string text = v.ToString(i % 3 == 0 ? "R" : i % 3 == 1 ? "F4" : "E6", System.Globalization.CultureInfo.InvariantCulture);
            double expected = double.Parse(text, System.Globalization.CultureInfo.InvariantCulture);
            Assert.True(BayesHlm.Data.FastDouble.TryParse(text, out double actual), text);
            Assert.Equal(BitConverter.DoubleToInt64Bits(expected), BitConverter.DoubleToInt64Bits(actual));
        }
    }

    [Theory]
    [InlineData("abc")] [InlineData("1.2.3")] [InlineData("--1")] [InlineData("1e")] [InlineData("")] [InlineData("NaN")]
    public void Parse_RejectsWhatTheFrameworkRejectsOrHandlesItsWay(string text)
    {
        bool expectedOk = double.TryParse(text, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out _);
        Assert.Equal(expectedOk, BayesHlm.Data.FastDouble.TryParse(text, out _));
    }
}
