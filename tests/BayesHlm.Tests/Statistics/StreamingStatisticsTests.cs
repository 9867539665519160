using System.Globalization;
using System.Text;
using BayesHlm.Data;
using BayesHlm.Estimation;
using BayesHlm.Model;
using BayesHlm.Statistics;
using BayesHlm.Statistics.Moments;
using BayesHlm.Tests.Support;

namespace BayesHlm.Tests.Statistics;

/// <summary>The statistics from one streaming pass over a CSV file (per-cell moments, then the C_j by algebra) and from
/// merged shards of it equal the in-memory statistics of the rows (SufficientStatistics.Build, an independent path: it
/// builds every design column and sums w wᵀ row by row), to 1e-10 relative, and so do their fits.</summary>
public class StreamingStatisticsTests
{
    private static string Hsb => RepositoryPaths.Data("hsb.csv");

    public static TheoryData<string, string> Models() => new()
    {
        // HSB slopes-as-outcomes: a level-2 predictor, group-mean centring, its interaction, a random slope.
        { "hsb.csv", "mathach ~ meanses * center(ses, school) + sector + (1 + center(ses, school) | school)" },
        // center and mean by a factor other than the grouping one.
        { "hsb.csv", "mathach ~ center(ses, sector) + mean(ses, sector) + minority + (1 | school)" },
        // A factor() fixed effect times a number, and a random slope as written.
        { "hsb.csv", "mathach ~ factor(sector) * ses + female + (1 + ses | school)" },
        // I(), log, scale, center(x), an interaction of two numbers.
        { "hsb.csv", "mathach ~ I(ses^2) + log(size) + scale(disclim) + center(pracad) + ses:himinty + (1 | school)" },
        // No intercept, an offset, diagonal covariance.
        { "hsb.csv", "mathach ~ 0 + ses + offset(meanses) + (1 + ses || school)" },
        // Three levels, nested.
        { "three_level_sim.csv", "y ~ x + (1 | school/classroom)" },
        { "three_level_sim.csv", "y ~ center(x, classroom) + (1 + x | school) + (1 | school:classroom)" },
        // Crossed factors.
        { "crossed_sim.csv", "y ~ x + (1 | school) + (1 | neighbourhood)" },
    };

    [Theory]
    [MemberData(nameof(Models))]
    public void StreamedStatistics_EqualTheRows(string file, string formula)
    {
        var spec = ModelSpec.FromFormula(formula);
        string path = RepositoryPaths.Data(file);
        var rows = SufficientStatistics.Build(spec, DataTable.ReadCsv(path, spec.LabelColumns));
        var streamed = MomentStatistics.Build(MomentReader.FromCsv(spec, path, spec.LabelColumns));
        AssertSame(rows, streamed);
        AssertSameFit(Reml.Fit(rows), Reml.Fit(streamed));
    }

    /// <summary>The same, streamed from the rows written as Parquet in row groups of 1,000 (so a school's rows fall in two
    /// groups, and each group's text codes are its own), by this library's writer and by DuckDB's.</summary>
    [Theory]
    [MemberData(nameof(Models))]
    public void StreamedParquet_EqualsTheRows(string file, string formula)
    {
        var spec = ModelSpec.FromFormula(formula);
        string path = RepositoryPaths.Data(file);
        var rows = SufficientStatistics.Build(spec, DataTable.ReadCsv(path, spec.LabelColumns));
        string ours = Path.ChangeExtension(Temp(""), ".parquet"), duck = Path.ChangeExtension(Temp(""), ".duck.parquet");
        BayesHlm.Data.Sources.ParquetTableWriter.Write(DataTable.ReadCsv(path), ours, rowGroupSize: 1000);
        BayesHlm.Tests.Data.Sources.ParquetSourceTests.DuckDb(":memory:",
            $"COPY (SELECT * FROM read_csv('{path.Replace("'", "''")}')) TO '{duck.Replace("'", "''")}' (FORMAT parquet, ROW_GROUP_SIZE 1000)");
        foreach (var parquet in new[] { ours, duck })
        {
            var streamed = MomentStatistics.Build(MomentReader.FromParquet(spec, parquet, spec.LabelColumns));
            AssertSame(rows, streamed);
            AssertSameFit(Reml.Fit(rows), Reml.Fit(streamed));
        }
    }

    /// <summary>A Parquet statistics file holds what the CSV one holds, to the last bit, and the two merge.</summary>
    [Fact]
    public void ParquetStatisticsFile_HoldsTheCsvFilesCells()
    {
        var spec = ModelSpec.FromFormula("mathach ~ meanses * center(ses, school) + sector + (1 + center(ses, school) | school)");
        var moments = MomentReader.FromCsv(spec, Hsb, spec.LabelColumns);
        string csv = Path.ChangeExtension(Temp(""), ".stats.csv"), parquet = Path.ChangeExtension(Temp(""), ".stats.parquet");
        StatisticsFile.Write(moments, csv);
        StatisticsFile.Write(moments, parquet);
        Assert.Equal("PAR1", Encoding.ASCII.GetString(File.ReadAllBytes(parquet).AsSpan(0, 4)));
        Assert.Equal(StatisticsFile.Formula(csv), StatisticsFile.Formula(parquet));
        // Another reader (DuckDB's) sees the cells, their keys as text and their counts.
        using (var duck = new DuckDB.NET.Data.DuckDBConnection("Data Source=:memory:"))
        {
            duck.Open();
            using var command = duck.CreateCommand();
            command.CommandText = $"SELECT count(*), CAST(sum(n) AS BIGINT), min(school), typeof(min(school)) FROM '{parquet.Replace("'", "''")}'";
            using var reader = command.ExecuteReader();
            Assert.True(reader.Read());
            Assert.Equal(160L, Convert.ToInt64(reader.GetValue(0), CultureInfo.InvariantCulture));
            Assert.Equal(7185L, Convert.ToInt64(reader.GetValue(1), CultureInfo.InvariantCulture));
            Assert.Equal("1224", reader.GetString(2));
            Assert.Equal("VARCHAR", reader.GetString(3));
        }
        var a = StatisticsFile.Read(csv, spec);
        var b = StatisticsFile.Read(parquet, spec);
        Assert.Equal(a.RowsRead, b.RowsRead);
        Assert.Equal(a.Missing, b.Missing);
        Assert.Equal(a.Source, b.Source);
        Assert.Equal(a.Cells.Select(c => string.Join("|", c.Key)), b.Cells.Select(c => string.Join("|", c.Key)));
        foreach (var (x, y) in a.Cells.Zip(b.Cells))
        {
            Assert.Equal(x.N, y.N);
            Assert.Equal(x.Shift, y.Shift);
            Assert.Equal(x.Varies, y.Varies);
            Assert.Equal(x.Sum, y.Sum);
        }
        var rows = SufficientStatistics.Build(spec, DataTable.ReadCsv(Hsb, spec.LabelColumns));
        AssertSame(rows, MomentStatistics.Build(b));
        // A CSV shard and a Parquet shard of the same rows: every sum twice.
        a.Merge(b);
        Assert.Equal(2 * 7185, a.RowsUsed);
    }

    [Fact]
    public void TextFactorAndMissingValues_AreHandledAsTheRowsAre()
    {
        // sector as text, some values missing in three columns, a missing-value code.
        var lines = File.ReadAllLines(Hsb);
        var sb = new StringBuilder(lines[0] + "\n");
        for (int i = 1; i < lines.Length; i++)
        {
            var f = lines[i].Split(',');
            f[6] = f[6] == "1" ? "catholic" : "public";
            if (i % 97 == 0) f[3] = "";
            if (i % 113 == 0) f[4] = "NA";
            if (i % 131 == 0) f[10] = "-99";
            sb.Append(string.Join(",", f)).Append('\n');
        }
        string path = Temp(sb.ToString());
        var spec = ModelSpec.FromFormula("mathach ~ sector * ses + meanses + (1 + ses | school)");
        var rows = SufficientStatistics.Build(spec, DataTable.ReadCsv(path, spec.LabelColumns, ["-99"]));
        var moments = MomentReader.FromCsv(spec, path, spec.LabelColumns, ["-99"]);
        var streamed = MomentStatistics.Build(moments);
        Assert.Equal(rows.Frame.RowsRead, streamed.Frame.RowsRead);
        Assert.Equal(rows.Frame.RowsUsed, streamed.Frame.RowsUsed);
        Assert.Equal(rows.Frame.MissingByColumn, streamed.Frame.MissingByColumn);
        Assert.True(streamed.Frame.RowsUsed < 7185 - 100);
        AssertSame(rows, streamed);
        AssertSameFit(Reml.Fit(rows), Reml.Fit(streamed));
        // As Parquet (nulls, a text column, the same code), in row groups of 500.
        string parquet = Path.ChangeExtension(path, ".parquet");
        BayesHlm.Data.Sources.ParquetTableWriter.Write(DataTable.ReadCsv(path), parquet, rowGroupSize: 500);
        var fromParquet = MomentStatistics.Build(MomentReader.FromParquet(spec, parquet, spec.LabelColumns, ["-99"]));
        Assert.Equal(rows.Frame.MissingByColumn, fromParquet.Frame.MissingByColumn);
        AssertSame(rows, fromParquet);
    }

    [Fact]
    public void ShardsThatSplitSchools_MergeToTheWholeFile()
    {
        var lines = File.ReadAllLines(Hsb);
        int n = lines.Length - 1;
        // By row position: the cuts fall inside schools, so a school's rows are in two shards (shifts differ).
        int[] cuts = [0, n / 3 + 17, 2 * n / 3 + 5, n];
        var spec = ModelSpec.FromFormula("mathach ~ meanses * center(ses, school) + sector + (1 + center(ses, school) | school)");
        CellMoments? merged = null;
        for (int s = 0; s < 3; s++)
        {
            string shard = Temp(lines[0] + "\n" + string.Join("\n", lines[(1 + cuts[s])..(1 + cuts[s + 1])]) + "\n");
            // Through the statistics file, as bayeshlm stats and stats-merge do.
            string file = Path.ChangeExtension(shard, ".stats.csv");
            StatisticsFile.Write(MomentReader.FromCsv(spec, shard, spec.LabelColumns), file);
            var m = StatisticsFile.Read(file, spec);
            if (merged is null) merged = m;
            else merged.Merge(m);
        }
        var rows = SufficientStatistics.Build(spec, DataTable.ReadCsv(Hsb, spec.LabelColumns));
        var fromShards = MomentStatistics.Build(merged!);
        AssertSame(rows, fromShards);
        AssertSameFit(Reml.Fit(rows), Reml.Fit(fromShards));
    }

    /// <summary>x = 10⁹ + N(0, 1), in groups whose means are far apart: the fit from the streamed file equals the fit of
    /// the same data with 10⁹ subtracted (written exactly), slope for slope, and the intercept moves by 10⁹·slope — a
    /// closed-form invariance, not an earlier output.</summary>
    [Fact]
    public void PredictorOfMeanTenToTheNine_KeepsItsDigits()
    {
        var rng = new Random(16);
        var far = new StringBuilder("g,x,y\n");
        var near = new StringBuilder("g,x,y\n");
        for (int j = 0; j < 60; j++)
        {
            double u0 = Normal(rng), u1 = 0.3 * Normal(rng), offset = 5 * j;
            for (int i = 0; i < 40; i++)
            {
                double e = offset + Normal(rng);
                double x = 1e9 + e;
                double x0 = x - 1e9; // exact (Sterbenz)
                double y = 2 + u0 + (0.5 + u1) * x0 + Normal(rng);
                far.Append(CultureInfo.InvariantCulture, $"{j},{x:R},{y:R}\n");
                near.Append(CultureInfo.InvariantCulture, $"{j},{x0:R},{y:R}\n");
            }
        }
        var spec = ModelSpec.FromFormula("y ~ x + (1 + x | g)");
        var streamedFar = MomentStatistics.Build(MomentReader.FromCsv(spec, Temp(far.ToString()), spec.LabelColumns));
        var rowsNear = SufficientStatistics.Build(spec, DataTable.ReadCsv(Temp(near.ToString()), spec.LabelColumns));
        // The C_j hold the columns centred (x − x̄, the slope about its mean), which are the same numbers for both files:
        // a cross-product summed from x itself would have lost about 10⁹·10⁹·10⁻¹⁶ = 100 in each entry. The limit is x̄
        // itself, representable only to ±6e-8 near 10⁹ (half an ulp): centred about two such means, Σ(x − x̄)² of a group
        // whose x sit d from x̄ moves by about 2·d·6e-8·n, up to a few 1e-8 of it; so 1e-7 here (against the 0.3 that
        // uncentred sums would lose in a group of 40 rows with Σ(x − x̄)² = 300).
        int m = rowsNear.M;
        for (int j = 0; j < rowsNear.LeafCount; j++)
        {
            var e = rowsNear.Leaf(j).ToArray();
            var a = streamedFar.Leaf(j).ToArray();
            for (int i = 0; i < m * m; i++)
                Assert.True(Math.Abs(e[i] - a[i]) <= 1e-7 * Math.Sqrt(e[i / m * m + i / m] * e[i % m * m + i % m]), $"leaf {j} entry {i}: {a[i]:R} vs {e[i]:R}");
        }
        // The fits then agree as far as the optimiser's tolerance (REML from the rows of the far file agrees with the
        // near one to the same ~3e-8: the limit is the optimiser's stopping rule, not the sums).
        var fitFar = Reml.Fit(streamedFar);
        var fitNear = Reml.Fit(rowsNear);
        double slope = fitNear.FixedEffects[1].Estimate;
        Assert.Equal(slope, fitFar.FixedEffects[1].Estimate, 1e-7 * Math.Abs(slope));
        Assert.Equal(fitNear.FixedEffects[0].Estimate, fitFar.FixedEffects[0].Estimate + 1e9 * fitFar.FixedEffects[1].Estimate, 1e-7 * 1e9 * Math.Abs(slope));
        Assert.Equal(fitNear.ResidualVariance, fitFar.ResidualVariance, 1e-7 * fitNear.ResidualVariance);
        Assert.Equal(fitNear.Fit.Minus2LogLikelihood, fitFar.Fit.Minus2LogLikelihood, 1e-9 * fitNear.Fit.Minus2LogLikelihood);
    }

    private static double Normal(Random rng) => Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());

    internal static string Temp(string text)
    {
        string path = Path.Combine(Path.GetTempPath(), $"bayeshlm-stream-{Guid.NewGuid():N}.csv");
        File.WriteAllText(path, text);
        return path;
    }

    internal static void AssertSame(SufficientStatistics expected, SufficientStatistics actual)
    {
        Assert.Equal(expected.FixedNames, actual.FixedNames);
        Assert.Equal(expected.N, actual.N);
        Assert.Equal(expected.M, actual.M);
        Assert.Equal(expected.LeafCount, actual.LeafCount);
        Assert.Equal(expected.Crossed, actual.Crossed);
        Assert.Equal(expected.LeafRowCount, actual.LeafRowCount);
        Assert.Equal(expected.ConstantBelowLevel, actual.ConstantBelowLevel);
        Assert.Equal(expected.DesignWarnings, actual.DesignWarnings);
        Assert.Equal(expected.Levels.Count, actual.Levels.Count);
        for (int k = 0; k < expected.Levels.Count; k++)
        {
            Assert.Equal(expected.Levels[k].TermNames, actual.Levels[k].TermNames);
            Assert.Equal(expected.Levels[k].Grouping.Name, actual.Levels[k].Grouping.Name);
            Assert.Equal(expected.Levels[k].Grouping.GroupNames, actual.Levels[k].Grouping.GroupNames);
            Assert.Equal(expected.Levels[k].Grouping.Parent, actual.Levels[k].Grouping.Parent);
            Assert.Equal(expected.Levels[k].Grouping.RowCount, actual.Levels[k].Grouping.RowCount);
            Assert.Equal(expected.CellLevel[k], actual.CellLevel[k]);
            for (int c = 0; c < expected.P; c++) Assert.Equal(expected.ConstantWithin[c][k], actual.ConstantWithin[c][k]);
        }
        Assert.Equal(expected.OutcomeShift, actual.OutcomeShift, 1e-10 * (1 + Math.Abs(expected.OutcomeShift)));
        Assert.Equal(expected.OutcomeSumOfSquares, actual.OutcomeSumOfSquares, 1e-10 * expected.OutcomeSumOfSquares);
        Close(expected.Total(), actual.Total(), expected.M, "total");
        for (int j = 0; j < expected.LeafCount; j++) Close(expected.Leaf(j).ToArray(), actual.Leaf(j).ToArray(), expected.M, $"leaf {j}");
    }

    /// <summary>Each entry to 1e-10 of the scale of its row and column (√(C_aa·C_bb)): relative where the entry is of that
    /// size, and not asking 1e-10 of an entry that is a cancellation's rounding.</summary>
    private static void Close(double[] expected, double[] actual, int m, string what)
    {
        for (int a = 0; a < m; a++)
            for (int b = 0; b < m; b++)
            {
                double scale = Math.Sqrt(Math.Abs(expected[a * m + a] * expected[b * m + b]));
                double diff = Math.Abs(expected[a * m + b] - actual[a * m + b]);
                Assert.True(diff <= 1e-10 * scale + 1e-300,
                    $"{what}: C[{a},{b}] = {actual[a * m + b]:R}, rows give {expected[a * m + b]:R} (scale {scale:G3})");
            }
    }

    internal static void AssertSameFit(RemlFit expected, RemlFit actual)
    {
        Assert.Equal(expected.FixedEffects.Select(f => f.Term), actual.FixedEffects.Select(f => f.Term));
        for (int i = 0; i < expected.FixedEffects.Count; i++)
        {
            var (e, a) = (expected.FixedEffects[i], actual.FixedEffects[i]);
            Assert.Equal(e.Estimate, a.Estimate, 1e-7 * (1 + Math.Abs(e.Estimate)));
            Assert.Equal(e.StandardError, a.StandardError, 1e-7 * e.StandardError);
        }
        for (int i = 0; i < expected.Covariance.Count; i++)
            Assert.Equal(expected.Covariance[i].Estimate, actual.Covariance[i].Estimate, 1e-7 * (1 + Math.Abs(expected.Covariance[i].Estimate)));
        Assert.Equal(expected.Fit.Minus2LogLikelihood, actual.Fit.Minus2LogLikelihood, 1e-7 * Math.Abs(expected.Fit.Minus2LogLikelihood));
    }
}
