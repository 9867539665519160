namespace BayesHlm.Data;

/// <summary>A streamed pass over the rows met something only the in-memory path handles as it should (a column that is
/// text after numbers, a model feature the per-cell moments cannot carry): the caller reads the table whole instead, and
/// its result or its error is the answer. <see cref="Exception.Message"/> names what it was, for a refusal.</summary>
internal sealed class StreamingNotPossibleException : Exception
{
    public StreamingNotPossibleException(string reason) : base(reason) { }
}
