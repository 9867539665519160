using System.CommandLine;
using BayesHlm.Data.Sources;

namespace BayesHlm.Cli;

/// <summary>The options that select rows of an SQL source or a Parquet file: --table, --query, --where, added to a
/// command beside its --data.</summary>
internal sealed class DataSourceOptions
{
    public const string DataDescription =
        "The data: a CSV file (header row; comma, semicolon or tab separated), a Parquet file, duckdb:FILE (with --table or --query), " +
        "or PostgreSQL as postgres://user@host:port/db or Host=…;Database=… (with --table or --query).";

    public Option<string?> Table { get; } = new("--table") { Description = "For an SQL source (duckdb:FILE, postgres://…): the table or view to read (schema.table allowed)." };
    public Option<string?> Query { get; } = new("--query") { Description = "For an SQL source: a SELECT whose rows are the data, e.g. \"SELECT * FROM hsb JOIN schools USING (school)\"." };
    public Option<string?> Where { get; } = new("--where") { Description = "For an SQL source or a Parquet file: an SQL condition selecting the rows, e.g. \"sector = 1\"." };

    public IEnumerable<Option> All => [Table, Query, Where];

    public void AddTo(Command command)
    {
        foreach (var o in All) command.Options.Add(o);
    }

    /// <summary>The source --data (or a model file's data:) names, with these options' selection; the model file's
    /// table:, query: and where: where the command line gives none.</summary>
    public DataSource For(ParseResult parse, string location, DataSource? fromFile = null)
    {
        string? table = parse.GetValue(Table), query = parse.GetValue(Query), where = parse.GetValue(Where);
        if (table is not null && query is not null)
            throw new ModelSpecificationException("Give --table or --query, not both: --table reads a whole table, --query the rows of a SELECT.");
        bool selects = table is not null || query is not null;
        return new DataSource(location)
        {
            Table = selects ? table : fromFile?.Table,
            Query = selects ? query : fromFile?.Query,
            Where = where ?? fromFile?.Where,
        };
    }
}
