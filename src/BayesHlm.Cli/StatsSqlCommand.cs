using System.CommandLine;
using BayesHlm.Data;
using BayesHlm.Model;
using BayesHlm.Statistics.Moments;

namespace BayesHlm.Cli;

/// <summary><c>bayeshlm stats-sql</c> prints the one GROUP BY query whose result is a gaussian model's per-cell
/// statistics, for any SQL engine (DuckDB, PostgreSQL, Spark SQL, a warehouse) to run over its own partitions; the
/// result saved as CSV is read by <c>bayeshlm reml --stats</c>. docs/scaling.md.</summary>
internal static class StatsSqlCommand
{
    public static Command Create(TextWriter output)
    {
        var formula = new Option<string?>("--formula") { Description = "lme4-style formula, e.g. \"y ~ x + (1 + x | g)\"." };
        var table = new Option<string?>("--table") { Description = "The table (or view) the rows are in, written as the engine wants it (db.obs)." };
        var where = new Option<string?>("--where") { Description = "An SQL condition selecting the rows, e.g. \"year = 2024\"." };
        var dialect = new Option<string>("--dialect") { Description = "ansi (default), duckdb, postgres or spark.", DefaultValueFactory = _ => "ansi" };
        dialect.AcceptOnlyFromAmong("ansi", "duckdb", "postgres", "spark");
        var factors = new Option<string?>("--factors") { Description = "Text columns used as plain predictors (comma-separated): they are factors. Grouping columns and factor(x) are always keys; other columns are numbers." };
        var window = new Option<bool>("--window") { Description = "Each cell's shift by a window function MIN(x) OVER (PARTITION BY keys) instead of a GROUP BY joined back (the default: twice as fast on DuckDB)." };
        var cmd = new Command("stats-sql",
            "Print the SQL query whose result is a gaussian model's per-group statistics: one GROUP BY that any engine runs " +
            "where the rows are (the rows never leave it). Save its result as CSV and fit with 'bayeshlm reml --stats FILE'. " +
            "docs/scaling.md.\n\n" +
            "Example:\n  bayeshlm stats-sql --formula \"y ~ x + (1 | g)\" --table obs --dialect duckdb > q.sql\n" +
            "  duckdb -csv db.duckdb < q.sql > stats.csv\n" +
            "  bayeshlm reml --stats stats.csv --formula \"y ~ x + (1 | g)\"")
        { formula, table, where, dialect, factors, window };
        cmd.SetAction(parse =>
        {
            string formulaText = parse.GetValue(formula) ?? throw new ModelSpecificationException("Give the model: --formula \"y ~ x + (1 | g)\".");
            string tableText = parse.GetValue(table) ?? throw new ModelSpecificationException("Give the table the rows are in: --table NAME (as the engine names it: db.obs).");
            var spec = ModelSpec.FromFormula(formulaText);
            var text = (parse.GetValue(factors) ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToHashSet(StringComparer.Ordinal);
            foreach (var f in text)
                if (!spec.Columns.Contains(f))
                    throw new ModelSpecificationException($"--factors names '{f}', which the formula does not use (columns: {string.Join(", ", spec.Columns.Distinct())}).");
            MomentPlan plan;
            try { plan = MomentPlan.Create(spec, text.Contains); }
            catch (StreamingNotPossibleException e)
            {
                throw new ModelSpecificationException($"The statistics of this model are not per-group sums: {e.Message}. Fit it from the rows (bayeshlm reml --data).");
            }
            var d = SqlMomentQuery.ParseDialect(parse.GetValue(dialect)!);
            output.WriteLine(SqlMomentQuery.Create(plan, d, tableText.Trim(), parse.GetValue(where), window: parse.GetValue(window)).Sql + ";");
            return CliApp.Ok;
        });
        return cmd;
    }
}
