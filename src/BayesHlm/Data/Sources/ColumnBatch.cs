namespace BayesHlm.Data.Sources;

/// <summary>One column of a <see cref="ColumnBatch"/>: numbers (NaN where missing) or text (null where missing).</summary>
/// <param name="Name">The column's name in the source.</param>
/// <param name="Numbers">The values of a numeric column, NaN where missing; null for a text column.</param>
/// <param name="Texts">The values of a text (or label) column, null where missing; null for a numeric column.</param>
public sealed record BatchColumn(string Name, double[]? Numbers, string?[]? Texts)
{
    /// <summary>True for a numeric column (<see cref="Numbers"/> set).</summary>
    public bool IsNumeric => Numbers is not null;
}

/// <summary>
/// A slice of consecutive rows of a source, column by column (a Parquet row group): what a streaming consumer —
/// moments accumulated batch by batch, never the whole table in memory — reads.
/// </summary>
/// <param name="FirstRow">The index of the batch's first row in the source (0-based).</param>
/// <param name="RowCount">The number of rows in the batch; every column holds this many values.</param>
/// <param name="Columns">The columns asked for, in the order asked.</param>
public sealed record ColumnBatch(long FirstRow, int RowCount, IReadOnlyList<BatchColumn> Columns)
{
    /// <summary>The column called <paramref name="name"/> (ordinal comparison); an exception when the batch has none.</summary>
    public BatchColumn this[string name] =>
        Columns.FirstOrDefault(c => c.Name == name) ?? throw new KeyNotFoundException($"The batch has no column '{name}'.");
}
