using System.Globalization;
using System.Text;
using BayesHlm.Data;
using BayesHlm.Data.Sources;
using BayesHlm.Estimation;
using BayesHlm.Model;
using BayesHlm.Statistics;
using BayesHlm.Statistics.Moments;
using BayesHlm.Tests.Data.Sources;
using Npgsql;

namespace BayesHlm.Tests.Statistics;

/// <summary>The statistics pushed down to the database as one GROUP BY (SqlMomentQuery) equal the in-memory statistics
/// of the same rows read from the CSV file (SufficientStatistics.Build, which builds every design column and sums w wᵀ
/// row by row), to 1e-10 relative, and so do their REML fits: on DuckDB, and on PostgreSQL when BAYESHLM_TEST_POSTGRES
/// names a test database (.ci/postgres.sh).</summary>
public sealed class SqlPushDownTests : IDisposable
{
    private readonly TestFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private static string Sql(string path) => path.Replace("'", "''");

    /// <summary>A DuckDB file with the CSV as table <paramref name="table"/> (types as DuckDB infers them).</summary>
    private string DuckDbOf(string csv, string table = "hsb")
    {
        string db = _folder.PathOf($"{Guid.NewGuid():N}.duckdb");
        ParquetSourceTests.DuckDb(db, $"CREATE TABLE \"{table}\" AS SELECT * FROM read_csv('{Sql(csv)}')");
        return db;
    }

    public static TheoryData<string> Formulas() => new()
    {
        // HSB slopes-as-outcomes.
        "mathach ~ meanses * center(ses, school) + sector + (1 + center(ses, school) | school)",
        SourceComparison.Formula,
        // I(), log, scale, center(x), mean by a factor, an interaction of two numbers.
        "mathach ~ I(ses^2) + log(size) + scale(disclim) + center(pracad) + mean(ses, sector) + ses:himinty + (1 | school)",
        "mathach ~ I((ses + 2)/size * 1000) + sqrt(size) + exp(ses) + factor(sector) * ses + (1 + ses | school)",
        // No intercept, an offset, diagonal covariance.
        "mathach ~ 0 + ses + offset(meanses) + (1 + ses || school)",
    };

    [Theory]
    [MemberData(nameof(Formulas))]
    public void Hsb_pushed_down_to_duckdb_equals_the_rows(string formula)
    {
        var spec = ModelSpec.FromFormula(formula);
        string csv = RepositoryPaths.Data("hsb.csv");
        var rows = SufficientStatistics.Build(spec, DataTable.ReadCsv(csv, spec.LabelColumns));
        using var db = SqlSource.Open(new DataSource("duckdb:" + DuckDbOf(csv)) { Table = "hsb" });
        foreach (bool window in new[] { true, false })
        {
            var pushed = SufficientStatistics.FromMoments(SqlMoments.Read(spec, db, window));
            AssertSame(rows, pushed);
            StreamingStatisticsTests.AssertSameFit(Reml.Fit(rows), Reml.Fit(pushed));
        }
    }

    [Fact]
    public void Nulls_text_factor_and_where_as_the_rows()
    {
        string csv = SourceComparison.HsbWithGaps(_folder);
        var spec = ModelSpec.FromFormula("mathach ~ sector_name * ses + log(size) + meanses + (1 + ses | school)");
        string db = DuckDbOf(csv);
        var rows = SufficientStatistics.Build(spec, DataTable.ReadCsv(csv, spec.LabelColumns));
        var pushed = SqlMoments.Build(spec, new DataSource("duckdb:" + db) { Table = "hsb" }, null, out bool down);
        Assert.True(down);
        Assert.True(rows.Frame.MissingByColumn["ses"] > 100);
        AssertSame(rows, pushed);
        SourceComparison.SameFit(Reml.Fit(rows), Reml.Fit(pushed));

        // --where: the CSV filtered to the same rows.
        var lines = File.ReadAllLines(csv);
        int sizeAt = Array.IndexOf(lines[0].Split(','), "size");
        string filtered = _folder.Write("filtered.csv", string.Join('\n', lines.Where((l, i) => i == 0 || double.Parse(l.Split(',')[sizeAt], CultureInfo.InvariantCulture) > 1200)) + "\n");
        var rowsWhere = SufficientStatistics.Build(spec, DataTable.ReadCsv(filtered, spec.LabelColumns));
        var pushedWhere = SqlMoments.Build(spec, new DataSource("duckdb:" + db) { Table = "hsb", Where = "size > 1200" }, null, out down);
        Assert.True(down);
        Assert.True(rowsWhere.N < rows.N / 2, $"{rowsWhere.N} of {rows.N}");
        AssertSame(rowsWhere, pushedWhere);
        SourceComparison.SameFit(Reml.Fit(rowsWhere), Reml.Fit(pushedWhere));
    }

    /// <summary>HSB with gaps (NULLs) and a text column, copied into a fresh PostgreSQL schema: the pushed-down
    /// statistics (slopes-as-outcomes, a text factor, I(), log(), a --where) equal the rows'. Without
    /// BAYESHLM_TEST_POSTGRES (a connection string; .ci/postgres.sh sets it) there is nothing to run against.</summary>
    [Fact]
    public void Hsb_pushed_down_to_postgres_equals_the_rows()
    {
        string? connection = Environment.GetEnvironmentVariable("BAYESHLM_TEST_POSTGRES");
        if (string.IsNullOrEmpty(connection)) return;
        string csv = SourceComparison.HsbWithGaps(_folder);
        string schema = $"pushdown_{Guid.NewGuid():N}";
        var lines = File.ReadAllLines(csv);
        using (var pg = new NpgsqlConnection(connection))
        {
            pg.Open();
            using (var create = pg.CreateCommand())
            {
                create.CommandText = $"CREATE SCHEMA {schema}; CREATE TABLE {schema}.hsb (school INTEGER, minority INTEGER, female INTEGER, " +
                                     "ses DOUBLE PRECISION, mathach DOUBLE PRECISION, size INTEGER, sector INTEGER, pracad DOUBLE PRECISION, " +
                                     "disclim DOUBLE PRECISION, himinty INTEGER, meanses DOUBLE PRECISION, sector_name TEXT)";
                create.ExecuteNonQuery();
            }
            using (var writer = pg.BeginTextImport($"COPY {schema}.hsb FROM STDIN (FORMAT csv, HEADER true)"))
                foreach (var line in lines) writer.WriteLine(line);
        }
        try
        {
            foreach (var (formula, where) in new (string, string?)[]
            {
                ("mathach ~ meanses * center(ses, school) + sector + (1 + center(ses, school) | school)", null),
                ("mathach ~ sector_name * ses + I(ses^2) + log(size) + (1 + ses | school)", null),
                ("mathach ~ ses + meanses + (1 + ses | school)", "size > 1200"),
            })
            {
                var spec = ModelSpec.FromFormula(formula);
                string expectedCsv = where is null ? csv : _folder.Write($"{Guid.NewGuid():N}.csv",
                    string.Join('\n', lines.Where((l, i) => i == 0 || double.Parse(l.Split(',')[5], CultureInfo.InvariantCulture) > 1200)) + "\n");
                var rows = SufficientStatistics.Build(spec, DataTable.ReadCsv(expectedCsv, spec.LabelColumns));
                var pushed = SqlMoments.Build(spec, new DataSource(connection) { Table = $"{schema}.hsb", Where = where }, null, out bool down);
                Assert.True(down, formula);
                AssertSame(rows, pushed);
                StreamingStatisticsTests.AssertSameFit(Reml.Fit(rows), Reml.Fit(pushed));
            }
        }
        finally
        {
            using var pg = new NpgsqlConnection(connection);
            pg.Open();
            using var drop = pg.CreateCommand();
            drop.CommandText = $"DROP SCHEMA {schema} CASCADE";
            drop.ExecuteNonQuery();
        }
    }

    [Fact]
    public void Models_the_moments_do_not_carry_are_read_from_the_rows()
    {
        string db = DuckDbOf(RepositoryPaths.Data("hsb.csv"));
        var source = new DataSource("duckdb:" + db) { Table = "hsb" };
        var spec = ModelSpec.FromFormula("mathach ~ poly(ses, 2) + (1 | school)");
        var rows = SufficientStatistics.Build(spec, DataTable.ReadCsv(RepositoryPaths.Data("hsb.csv"), spec.LabelColumns));
        var stats = SqlMoments.Build(spec, source, null, out bool down);
        Assert.False(down);
        AssertSame(rows, stats);
        // Missing-value codes are applied to the rows, not in SQL.
        SqlMoments.Build(ModelSpec.FromFormula("mathach ~ ses + (1 | school)"), source, ["-99"], out down);
        Assert.False(down);
    }

    [Fact]
    public void Log_of_a_non_positive_value_is_refused_with_the_count()
    {
        string db = DuckDbOf(RepositoryPaths.Data("hsb.csv"));
        var spec = ModelSpec.FromFormula("mathach ~ log(ses) + (1 | school)");
        var e = Assert.Throws<DataException>(() => SqlMoments.Build(spec, new DataSource("duckdb:" + db) { Table = "hsb" }, null, out _));
        Assert.Contains("log(ses)", e.Message);
        Assert.Contains("needs positive values", e.Message);
    }

    /// <summary>x = 10⁹ + N(0, 1): the cell's shift is one of its values (MIN), so the sums keep the digits, as the CSV
    /// path's first value does.</summary>
    [Fact]
    public void Predictor_of_mean_ten_to_the_nine_keeps_its_digits()
    {
        var rng = new Random(16);
        var far = new StringBuilder("g,x,y\n");
        for (int j = 0; j < 60; j++)
        {
            double u0 = Normal(rng), u1 = 0.3 * Normal(rng), offset = 5 * j;
            for (int i = 0; i < 40; i++)
            {
                double x = 1e9 + offset + Normal(rng);
                double y = 2 + u0 + (0.5 + u1) * (x - 1e9) + Normal(rng);
                far.Append(CultureInfo.InvariantCulture, $"{j},{x:R},{y:R}\n");
            }
        }
        string csv = _folder.Write("far.csv", far.ToString());
        var spec = ModelSpec.FromFormula("y ~ x + (1 + x | g)");
        var streamed = SufficientStatistics.FromMoments(MomentReader.FromCsv(spec, csv, spec.LabelColumns));
        using var db = SqlSource.Open(new DataSource("duckdb:" + DuckDbOf(csv, "far")) { Table = "far" });
        var pushed = SufficientStatistics.FromMoments(SqlMoments.Read(spec, db));
        AssertSame(streamed, pushed);
        // The intercept's variance at x = 0, 10⁹ from the data, is as ill-conditioned for either: compare what the
        // data determine (as StreamingStatisticsTests does).
        var (a, b) = (Reml.Fit(streamed), Reml.Fit(pushed));
        Assert.Equal(a.FixedEffects[1].Estimate, b.FixedEffects[1].Estimate, 1e-7 * Math.Abs(a.FixedEffects[1].Estimate));
        Assert.Equal(a.ResidualVariance, b.ResidualVariance, 1e-7 * a.ResidualVariance);
        Assert.Equal(a.Fit.Minus2LogLikelihood, b.Fit.Minus2LogLikelihood, 1e-9 * a.Fit.Minus2LogLikelihood);
    }

    [Fact]
    public void Ansi_query_runs_on_duckdb()
    {
        var spec = ModelSpec.FromFormula("mathach ~ meanses * center(ses, school) + sector + I(ses^2) + log(size) + (1 + center(ses, school) | school)");
        string csv = RepositoryPaths.Data("hsb.csv");
        var rows = SufficientStatistics.Build(spec, DataTable.ReadCsv(csv, spec.LabelColumns));
        using var db = SqlSource.Open(new DataSource("duckdb:" + DuckDbOf(csv)) { Table = "hsb" });
        var plan = MomentPlan.Create(spec, _ => false);
        var query = SqlMomentQuery.Create(plan, SqlDialect.Ansi, "\"hsb\"", null);
        Assert.Contains("DOUBLE PRECISION", query.Sql);
        var pushed = SufficientStatistics.FromMoments(query.Read(db.Query(query.Sql), "ansi"));
        AssertSame(rows, pushed);
    }

    [Fact]
    public void Spark_query_quotes_with_backquotes_and_uses_spark_types()
    {
        var spec = ModelSpec.FromFormula("y ~ log(x) + I(z^2) + (1 | g)");
        var plan = MomentPlan.Create(spec, _ => false);
        string sql = SqlMomentQuery.Create(plan, SqlDialect.Spark, "`db`.`obs`", "year = 2024").Sql;
        Assert.Equal(Golden, sql.Replace("\r", ""));
        Assert.All(sql.Split('\n'), line => Assert.True(line.Length <= 80, line));
    }

    private const string Golden = """
        WITH src AS (
          SELECT NULLIF(CAST(`y` AS DOUBLE), CAST('NaN' AS DOUBLE)) AS c0,
            NULLIF(CAST(`x` AS DOUBLE), CAST('NaN' AS DOUBLE)) AS c1,
            NULLIF(CAST(`z` AS DOUBLE), CAST('NaN' AS DOUBLE)) AS c2,
            CASE WHEN TRIM(CAST(`g` AS STRING)) IN ('', 'NA', '.') OR
                UPPER(TRIM(CAST(`g` AS STRING))) = 'NAN' THEN NULL ELSE TRIM(CAST(`g` AS
                STRING)) END AS c3
          FROM `db`.`obs`
          WHERE (year = 2024)
        ),
        used AS (
          SELECT c3 AS k0,
            c0 AS b0,
            LN(CASE WHEN c1 > 0 THEN c1 END) AS b1,
            POWER(c2, 2) AS b2
          FROM src
          WHERE c0 IS NOT NULL AND c1 IS NOT NULL AND c2 IS NOT NULL AND c3 IS NOT NULL
        ),
        shifted AS (
          SELECT used.k0,
            m.s0,
            m.s1,
            m.s2,
            used.b0 - m.s0 AS u0,
            used.b1 - m.s1 AS u1,
            used.b2 - m.s2 AS u2
          FROM used
          JOIN (SELECT k0, MIN(b0) AS s0, MIN(b1) AS s1, MIN(b2) AS s2 FROM used GROUP
              BY k0) m
            ON used.k0 = m.k0
        )
        SELECT 'cell' AS `row_type`,
          k0 AS `g`,
          COUNT(*) AS `n`,
          MIN(s0) AS `shift:y`,
          MIN(s1) AS `shift:log(x)`,
          MIN(s2) AS `shift:I(z^2)`,
          CASE WHEN MAX(u0) > 0 THEN 1 ELSE 0 END AS `varies:y`,
          CASE WHEN MAX(u1) > 0 THEN 1 ELSE 0 END AS `varies:log(x)`,
          CASE WHEN MAX(u2) > 0 THEN 1 ELSE 0 END AS `varies:I(z^2)`,
          SUM(u0) AS `sum:y`,
          SUM(u1) AS `sum:log(x)`,
          SUM(u2) AS `sum:I(z^2)`,
          SUM(u0 * u0) AS `sum:y*y`,
          SUM(u0 * u1) AS `sum:y*log(x)`,
          SUM(u0 * u2) AS `sum:y*I(z^2)`,
          SUM(u1 * u1) AS `sum:log(x)*log(x)`,
          SUM(u1 * u2) AS `sum:log(x)*I(z^2)`,
          SUM(u2 * u2) AS `sum:I(z^2)*I(z^2)`,
          CAST(NULL AS BIGINT) AS `missing:y`,
          CAST(NULL AS BIGINT) AS `missing:x`,
          CAST(NULL AS BIGINT) AS `missing:z`,
          CAST(NULL AS BIGINT) AS `missing:g`,
          CAST(NULL AS BIGINT) AS `invalid:log(x)`,
          CAST(NULL AS BIGINT) AS `invalid:I(z^2)`,
          CAST(NULL AS BIGINT) AS `outcome_not_01`
        FROM shifted
        GROUP BY k0
        UNION ALL
        SELECT 'total',
          CAST(NULL AS STRING),
          a.n,
          CAST(NULL AS DOUBLE),
          CAST(NULL AS DOUBLE),
          CAST(NULL AS DOUBLE),
          CAST(NULL AS INTEGER),
          CAST(NULL AS INTEGER),
          CAST(NULL AS INTEGER),
          CAST(NULL AS DOUBLE),
          CAST(NULL AS DOUBLE),
          CAST(NULL AS DOUBLE),
          CAST(NULL AS DOUBLE),
          CAST(NULL AS DOUBLE),
          CAST(NULL AS DOUBLE),
          CAST(NULL AS DOUBLE),
          CAST(NULL AS DOUBLE),
          CAST(NULL AS DOUBLE),
          a.n - a.c0,
          a.n - a.c1,
          a.n - a.c2,
          a.n - a.c3,
          COALESCE(b.i0, 0),
          COALESCE(b.i1, 0),
          COALESCE(b.y, 0)
        FROM (SELECT COUNT(*) AS n, COUNT(c0) AS c0, COUNT(c1) AS c1, COUNT(c2) AS c2,
            COUNT(c3) AS c3 FROM src) a
        CROSS JOIN (SELECT SUM(CASE WHEN b1 IS NULL THEN 1 ELSE 0 END) AS i0, SUM(CASE
            WHEN b2 IS NULL THEN 1 ELSE 0 END) AS i1, SUM(CASE WHEN b0 IN (0, 1) THEN 0
            ELSE 1 END) AS y FROM used) b
        ORDER BY 1, 2
        """;

    /// <summary>StreamingStatisticsTests' comparison (Σ C_j and each C_j to 1e-10 of the scale of its row and column,
    /// groups, levels, warnings) and the frame's rows read, used and missing per column.</summary>
    private static void AssertSame(SufficientStatistics expected, SufficientStatistics actual)
    {
        StreamingStatisticsTests.AssertSame(expected, actual);
        Assert.Equal(expected.Frame.RowsRead, actual.Frame.RowsRead);
        Assert.Equal(expected.Frame.RowsUsed, actual.Frame.RowsUsed);
        Assert.Equal(expected.Frame.MissingByColumn.OrderBy(p => p.Key), actual.Frame.MissingByColumn.OrderBy(p => p.Key));
    }

    private static double Normal(Random rng) => Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());
}
