using System.Text.RegularExpressions;
using BayesHlm.Data;
using Sylvan.Data.Csv;

namespace BayesHlm.Diagnostics;

/// <summary>
/// Reads draws from files: our draws.csv (columns chain, iteration, then one per parameter; several chains in
/// one file) and CmdStan output CSV (comment lines, <c>lp__</c> and sampler columns ending in <c>__</c>, one file
/// per chain; warm-up rows skipped when the run saved them). Several files are combined chain by chain.
/// </summary>
public static partial class DrawsReader
{
    /// <summary>What was read: the draws, and CmdStan's divergent transitions if any were recorded.</summary>
    public sealed record Result(DrawSet Draws, int DivergentTransitions, IReadOnlyList<string> Sources);

    /// <summary>Reads the files and puts their chains together in the order given. A <see cref="DataException"/>
    /// when the files name different parameters, the chains differ in length, or a chain has fewer than 4 draws.</summary>
    /// <param name="paths">draws.csv files or CmdStan CSV files, one or more.</param>
    public static Result Read(IReadOnlyList<string> paths)
    {
        ArgumentNullException.ThrowIfNull(paths);
        if (paths.Count == 0) throw new DataException("No draws file given.");
        if (paths.GroupBy(Path.GetFullPath).FirstOrDefault(g => g.Count() > 1) is { } twice)
            throw new DataException($"'{twice.First()}' is given twice: its chains would be counted twice, which inflates the ESS. Give each draws file once.");
        var chains = new List<(string File, string[] Names, List<double[]> Rows)>();
        int divergent = 0;
        foreach (var path in paths)
        {
            var file = ReadFile(path);
            divergent += file.Divergent;
            chains.AddRange(file.Chains.Select(c => (path, file.Names, c)));
        }
        var names = chains[0].Names;
        foreach (var c in chains)
            if (!c.Names.SequenceEqual(names))
                throw new DataException($"'{c.File}' has other parameters than '{chains[0].File}' ({Difference(names, c.Names)}). Give files from one model.");
        int iterations = chains.Min(c => c.Rows.Count);
        if (chains.Any(c => c.Rows.Count != iterations))
            throw new DataException($"The chains have different numbers of draws ({string.Join(", ", chains.Select((c, i) => $"chain {i + 1} in '{c.File}': {c.Rows.Count}"))}). " +
                                    "Diagnostics need chains of equal length: give complete runs of the same settings.");
        if (iterations < 4)
            throw new DataException($"{(iterations == 1 ? "A single draw" : $"Only {iterations} draws")} per chain in '{chains[0].File}': R̂ and ESS need at least 4 draws per chain (they split each chain in two).");
        var draws = new double[names.Length][];
        for (int p = 0; p < names.Length; p++)
        {
            var a = new double[chains.Count * iterations];
            for (int c = 0; c < chains.Count; c++)
                for (int i = 0; i < iterations; i++) a[c * iterations + i] = chains[c].Rows[i][p];
            draws[p] = a;
        }
        return new Result(new DrawSet(names, chains.Count, iterations, draws), divergent, paths.ToList());
    }

    private static string Difference(string[] a, string[] b)
    {
        var onlyA = a.Except(b).Take(3).ToList();
        var onlyB = b.Except(a).Take(3).ToList();
        return onlyA.Count + onlyB.Count == 0 ? "the same names in another order" : $"{string.Join(", ", onlyA.Concat(onlyB))} differ";
    }

    private sealed record FileDraws(string[] Names, List<List<double[]>> Chains, int Divergent);

    private static FileDraws ReadFile(string path)
    {
        if (Directory.Exists(path)) throw new DataException($"'{path}' is a folder, not a draws file. Give draws.csv files (ours or CmdStan's).");
        if (!File.Exists(path)) throw new DataException($"Draws file '{path}' not found (looked for '{Path.GetFullPath(path)}').");
        if (CsvTableReader.IsCompressedOrBinary(path) is { } format)
            throw new DataException($"'{path}' is {format}, not a CSV text file of draws. Give draws.csv as the sampler wrote it (decompress it first).");
        var comments = new List<string>();
        using var text = new StreamReader(path);
        if (text.Peek() < 0) throw new DataException($"Draws file '{path}' is empty.");
        var options = new CsvDataReaderOptions { HasHeaders = true, Comment = '#', CommentHandler = (Action<string>)(c => comments.Add(c)), OwnsReader = false };
        using var csv = CsvDataReader.Create(text, options);
        var header = Enumerable.Range(0, csv.FieldCount).Select(i => csv.GetName(i).Trim()).ToArray();
        bool cmdStan = header.Contains("lp__");
        int chainCol = Array.IndexOf(header, "chain"), iterCol = Array.IndexOf(header, "iteration");
        if (!cmdStan && chainCol < 0)
            throw new DataException($"'{path}', line 1: no 'chain' column. Our draws files start with columns chain, iteration; CmdStan files have lp__. Columns here: {string.Join(", ", header.Take(10))}.");
        // Parameters: all but bookkeeping and sampler columns (CmdStan's end in __).
        // R's write.csv adds an unnamed first column of row names: not a parameter.
        var paramIdx = Enumerable.Range(0, header.Length)
            .Where(i => i != chainCol && i != iterCol && header[i].Length > 0 && !header[i].EndsWith("__", StringComparison.Ordinal) && header[i] != ".chain" && header[i] != ".iteration" && header[i] != ".draw")
            .ToArray();
        if (paramIdx.Length == 0) throw new DataException($"'{path}': no parameter columns.");
        var names = paramIdx.Select(i => cmdStan ? StanName(header[i]) : header[i]).ToArray();
        if (names.GroupBy(n => n).FirstOrDefault(g => g.Count() > 1) is { } twice)
        {
            var columns = paramIdx.Where((_, k) => names[k] == twice.Key).Select(i => i + 1);
            throw new DataException($"'{path}', line 1: the parameter '{twice.Key}' has two columns ({string.Join(" and ", columns)}), so its draws would be counted twice. " +
                                    "Give each parameter one column.");
        }
        var seen = new Dictionary<(int Chain, double Iteration), int>();
        int divergentCol = Array.IndexOf(header, "divergent__");
        var chains = new SortedDictionary<int, List<double[]>>();
        var divergentRows = new List<bool>();
        int rowsRead = 0;
        while (csv.Read())
        {
            // The physical line: the header, the rows so far, and every comment line Sylvan skipped.
            int line = 1 + ++rowsRead + comments.Count;
            if (csv.RowFieldCount != header.Length)
                throw new DataException($"'{path}', line {line}: {csv.RowFieldCount} fields, but the header has {header.Length}. The file may be truncated or ragged.");
            int chain = 1;
            if (!cmdStan)
            {
                double cv = Number(csv, chainCol, path, line, header);
                if (cv != Math.Floor(cv) || cv < 1) throw new DataException($"'{path}', line {line}, column 'chain': '{csv.GetString(chainCol)}' is not a chain number (1, 2, …).");
                chain = (int)cv;
            }
            if (!cmdStan && iterCol >= 0)
            {
                double iteration = Number(csv, iterCol, path, line, header);
                if (!seen.TryAdd((chain, iteration), line))
                    throw new DataException($"'{path}', line {line}: chain {chain}, iteration {csv.GetString(iterCol)} is already at line {seen[(chain, iteration)]}; " +
                                            "a draw counted twice would inflate the ESS. Remove the repeated rows (were two files joined twice?).");
            }
            var row = new double[paramIdx.Length];
            for (int k = 0; k < paramIdx.Length; k++) row[k] = Number(csv, paramIdx[k], path, line, header);
            divergentRows.Add(divergentCol >= 0 && Number(csv, divergentCol, path, line, header) > 0);
            if (!chains.TryGetValue(chain, out var list)) chains[chain] = list = new List<double[]>();
            list.Add(row);
        }
        if (chains.Count == 0) throw new DataException($"Draws file '{path}' has a header but no draws.");
        int warmup = cmdStan ? SavedWarmupRows(comments) : 0;
        if (warmup > 0) chains[1] = chains[1].Skip(Math.Min(warmup, chains[1].Count)).ToList();
        int divergent = divergentRows.Skip(warmup).Count(d => d);
        return new FileDraws(names, chains.Values.ToList(), divergent);
    }

    private static double Number(CsvDataReader csv, int col, string path, int line, string[] header)
    {
        var field = csv.GetFieldSpan(col).Trim();
        if (CsvTableReader.TryParseNumber(field, out double v)) return v;
        if (CsvTableReader.IsMissingToken(field)) return double.NaN;
        throw new DataException($"'{path}', line {line}, column '{header[col]}': '{field.ToString()}' is not a number.");
    }

    /// <summary>CmdStan writes warm-up draws first when save_warmup is on: ⌈num_warmup / thin⌉ of them.</summary>
    private static int SavedWarmupRows(List<string> comments)
    {
        if (!comments.Any(c => SaveWarmup().IsMatch(c))) return 0;
        var warmup = comments.Select(c => NumWarmup().Match(c)).FirstOrDefault(m => m.Success);
        if (warmup is null) return 0;
        int n = int.Parse(warmup.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        var thinMatch = comments.Select(c => Thin().Match(c)).FirstOrDefault(m => m.Success);
        int thin = thinMatch is null ? 1 : Math.Max(1, int.Parse(thinMatch.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture));
        return (n + thin - 1) / thin;
    }

    /// <summary>CmdStan writes beta[2] as beta.2 and Sigma[1,2] as Sigma.1.2.</summary>
    private static string StanName(string column)
    {
        var m = StanIndex().Match(column);
        return m.Success ? $"{m.Groups[1].Value}[{m.Groups[2].Value.Replace('.', ',')}]" : column;
    }

    [GeneratedRegex(@"^([^.]+)\.(\d+(?:\.\d+)*)$")]
    private static partial Regex StanIndex();

    [GeneratedRegex(@"save_warmup\s*=\s*(1|true)")]
    private static partial Regex SaveWarmup();

    [GeneratedRegex(@"num_warmup\s*=\s*(\d+)")]
    private static partial Regex NumWarmup();

    [GeneratedRegex(@"\bthin\s*=\s*(\d+)")]
    private static partial Regex Thin();
}
