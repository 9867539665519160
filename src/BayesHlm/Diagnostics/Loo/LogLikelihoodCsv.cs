using BayesHlm.Data;
using Sylvan.Data.Csv;

namespace BayesHlm.Diagnostics.Loo;

/// <summary>Reads a pointwise log-likelihood CSV (<c>chain, iteration, one column per observation</c>) into a
/// <see cref="PointwiseLogLikelihood"/>, with messages that name the file, line and column of what is wrong.</summary>
internal static class LogLikelihoodCsv
{
    /// <summary>The layout <see cref="Read"/> reads: chain, iteration (both from 1), then one column per observation,
    /// every value as the shortest string that reads back to the same double.</summary>
    public static string ToCsv(PointwiseLogLikelihood ll)
    {
        ArgumentNullException.ThrowIfNull(ll);
        var inv = System.Globalization.CultureInfo.InvariantCulture;
        var sb = new System.Text.StringBuilder("chain,iteration");
        foreach (string name in ll.Names) sb.Append(',').Append(Reporting.CsvText.Quote(name));
        sb.Append('\n');
        var iteration = new int[ll.Chains];
        for (int d = 0; d < ll.Draws; d++)
        {
            int chain = ll.ChainOfDraw[d];
            sb.Append((chain + 1).ToString(inv)).Append(',').Append((++iteration[chain]).ToString(inv));
            for (int i = 0; i < ll.Observations; i++) sb.Append(',').Append(ll.Observation(i)[d].ToString("R", inv));
            sb.Append('\n');
        }
        return sb.ToString();
    }

    public static PointwiseLogLikelihood Read(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (Directory.Exists(path)) throw new DataException($"'{path}' is a folder, not a log-likelihood CSV file.");
        if (!File.Exists(path)) throw new DataException($"Log-likelihood file '{path}' not found (looked for '{Path.GetFullPath(path)}').");
        if (CsvTableReader.IsCompressedOrBinary(path) is { } format)
            throw new DataException($"'{path}' is {format}, not a CSV text file. Decompress it first.");
        using var text = new StreamReader(path);
        if (text.Peek() < 0) throw new DataException($"Log-likelihood file '{path}' is empty.");
        using var csv = CsvDataReader.Create(text, new CsvDataReaderOptions { HasHeaders = true, OwnsReader = false });
        var header = Enumerable.Range(0, csv.FieldCount).Select(i => csv.GetName(i).Trim()).ToArray();
        int chainCol = Array.IndexOf(header, "chain"), iterCol = Array.IndexOf(header, "iteration");
        if (chainCol < 0)
            throw new DataException($"'{path}', line 1: no 'chain' column. A log-likelihood file has columns chain, iteration, then one per observation " +
                                    "(the chains are needed for the relative efficiency of the draws).");
        // R's write.csv puts row names in a first column with an empty name: not an observation.
        var observationCols = Enumerable.Range(0, header.Length).Where(i => i != chainCol && i != iterCol && header[i].Length > 0).ToArray();
        if (observationCols.Length == 0) throw new DataException($"'{path}', line 1: no observation columns after chain and iteration.");
        var chains = new SortedDictionary<int, List<double[]>>();
        int line = 1;
        while (csv.Read())
        {
            line++;
            if (csv.RowFieldCount != header.Length)
                throw new DataException($"'{path}', line {line}: {csv.RowFieldCount} fields, but the header has {header.Length}. The file may be truncated or ragged.");
            double chain = Number(csv, chainCol, path, line, header);
            if (chain != Math.Floor(chain) || chain < 1 || chain > int.MaxValue)
                throw new DataException($"'{path}', line {line}, column 'chain': '{csv.GetString(chainCol)}' is not a chain number (1, 2, …).");
            var row = new double[observationCols.Length];
            for (int k = 0; k < row.Length; k++) row[k] = Number(csv, observationCols[k], path, line, header);
            if (!chains.TryGetValue((int)chain, out var rows)) chains[(int)chain] = rows = new List<double[]>();
            rows.Add(row);
        }
        if (chains.Count == 0) throw new DataException($"Log-likelihood file '{path}' has a header but no draws.");
        int perChain = chains.Values.First().Count;
        if (chains.Values.Any(r => r.Count != perChain))
            throw new DataException($"'{path}': the chains have different numbers of draws ({string.Join(", ", chains.Select(c => $"chain {c.Key}: {c.Value.Count}"))}). " +
                                    "loo's relative efficiency needs chains of equal length: give the same number of draws from each chain.");
        if (perChain < 2)
            throw new DataException($"'{path}': one draw per chain. The relative efficiency of the draws needs at least 2 draws per chain.");
        return Assemble(chains, perChain, observationCols.Select(i => header[i]).ToArray());
    }

    private static PointwiseLogLikelihood Assemble(SortedDictionary<int, List<double[]>> chains, int perChain, string[] names)
    {
        int draws = chains.Count * perChain;
        var values = new double[(long)draws * names.Length];
        var chainOfDraw = new int[draws];
        int d = 0;
        foreach (var (chain, rows) in chains)
            foreach (var row in rows)
            {
                chainOfDraw[d] = chain;
                for (int i = 0; i < row.Length; i++) values[(long)i * draws + d] = row[i];
                d++;
            }
        return new PointwiseLogLikelihood(values, draws, chainOfDraw, names);
    }

    private static double Number(CsvDataReader csv, int col, string path, int line, string[] header)
    {
        var field = csv.GetFieldSpan(col).Trim();
        if (CsvTableReader.TryParseNumber(field, out double v) && double.IsFinite(v)) return v;
        string why = CsvTableReader.IsMissingToken(field) ? "is missing" : double.IsInfinity(v) ? "is infinite" : "is not a number";
        throw new DataException($"'{path}', line {line}, column {col + 1} ('{header[col]}'): '{field.ToString()}' {why}. " +
                                "loo needs a finite log-likelihood for every draw and observation.");
    }
}
