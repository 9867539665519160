namespace BayesHlm.Reporting;

/// <summary>Fields written to CSV the way every reader here (and R's read.csv) reads them back.</summary>
internal static class CsvText
{
    /// <summary>A field holding a comma, quote or newline (parameter names such as
    /// <c>cov[school:(Intercept),center(ses, school)]</c>) quoted, its quotes doubled.</summary>
    public static string Quote(string field) =>
        field.IndexOfAny([',', '"', '\n']) >= 0 ? "\"" + field.Replace("\"", "\"\"") + "\"" : field;
}
