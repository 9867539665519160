#:package DuckDB.NET.Data.Full@1.5.6.1
// Writes the Parquet benchmark data with DuckDB: N rows (default 10⁷) × 5 columns — g (10⁴ groups, integer), x, z, y,
// w (unused) — y = 1 + 0.5 x − 0.3 z + u_g + (0.2 + v_g) x + e, sorted by g up to 10⁷ rows (above, the sort would
// dominate; the statistics do not care about the order). Usage: dotnet run make_big_parquet.cs -- OUT.parquet [N]
using DuckDB.NET.Data;

string output = args.Length > 0 ? args[0] : "/tmp/big.parquet";
long rows = args.Length > 1 ? long.Parse(args[1]) : 10_000_000;
using var connection = new DuckDBConnection("Data Source=:memory:");
connection.Open();
using var command = connection.CreateCommand();
command.CommandText = "SELECT setseed(0.42)";
command.ExecuteNonQuery();
command.CommandText = $"""
    COPY (
      WITH groups AS (SELECT g, 2 * (random() - 0.5) AS u, 0.5 * (random() - 0.5) AS v FROM range(10000) t(g)),
      obs AS (SELECT (i % 10000)::INTEGER AS g, random() * 2 - 1 AS x, random() * 2 - 1 AS z, random() AS w,
                     (random() + random() + random() - 1.5) * 2 AS e FROM range({rows}) t(i))
      SELECT obs.g, x, z, 1 + 0.5 * x - 0.3 * z + u + (0.2 + v) * x + e AS y, w
      FROM obs JOIN groups USING (g){(rows <= 10_000_000 ? " ORDER BY obs.g" : "")}
    ) TO '{output.Replace("'", "''")}' (FORMAT parquet)
    """;
var clock = System.Diagnostics.Stopwatch.StartNew();
command.ExecuteNonQuery();
Console.WriteLine($"{rows:N0} rows written to {output} in {clock.Elapsed.TotalSeconds:F1} s ({new FileInfo(output).Length / 1e6:F0} MB)");
