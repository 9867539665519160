using System.CommandLine;
using BayesHlm.Data;
using BayesHlm.Data.Sources;
using BayesHlm.Model;
using BayesHlm.Statistics;
using BayesHlm.Statistics.Moments;

namespace BayesHlm.Cli;

/// <summary><c>bayeshlm stats</c> writes a model's per-cell statistics of a CSV or Parquet file (one streaming pass);
/// <c>bayeshlm stats-merge</c> adds the statistics of disjoint shards of the rows. <c>bayeshlm reml --stats FILE</c>
/// fits from them. The layout is docs/statistics-file.md.</summary>
internal static class StatsCommand
{
    public static Command Create(TextWriter output)
    {
        var model = new Argument<string?>("model") { Description = "A model file (YAML); alternative to --data and --formula.", Arity = ArgumentArity.ZeroOrOne };
        var data = new Option<string?>("--data") { Description = "The data file: CSV with a header row, or Parquet (.parquet)." };
        var formula = new Option<string?>("--formula") { Description = "lme4-style formula, e.g. \"y ~ x + (1 + x | g)\"." };
        var outFile = new Option<string?>("--out") { Description = "The statistics file to write: CSV, or Parquet when it ends in .parquet." };
        var naValues = new Option<string?>("--na-values") { Description = "Codes that mark a missing value besides empty, NA and '.', comma-separated." };
        var decimalComma = new Option<bool>("--decimal-comma") { Description = "The data's numbers are written with a decimal comma (3,14)." };
        var cmd = new Command("stats",
            "Write a gaussian model's per-group statistics of a CSV file, read in one streaming pass (memory in groups, not rows). " +
            "Fit from them with 'bayeshlm reml --stats FILE'; add shards with 'bayeshlm stats-merge'. Layout: docs/statistics-file.md.\n\n" +
            "Examples:\n  bayeshlm stats --data big.csv --formula \"y ~ x + (1 + x | g)\" --out stats.csv\n" +
            "  bayeshlm reml --stats stats.csv --formula \"y ~ x + (1 + x | g)\"")
        { model, data, formula, outFile, naValues, decimalComma };
        cmd.SetAction(parse =>
        {
            string? modelPath = parse.GetValue(model), dataPath = parse.GetValue(data), formulaText = parse.GetValue(formula);
            IEnumerable<string> missing = SampleCommand.Codes(parse.GetValue(naValues));
            bool comma = parse.GetValue(decimalComma);
            ModelSpec spec;
            if (modelPath is not null)
            {
                CliApp.RejectUnknownOption([modelPath], "stats");
                if (formulaText is not null) throw new ModelSpecificationException("Give either a model file or --formula, not both.");
                var file = ModelFile.Load(modelPath, dataPath);
                spec = file.Spec;
                dataPath = file.DataPath;
                if (parse.GetValue(naValues) is null) missing = file.MissingValues;
                comma |= file.DecimalComma;
            }
            else
            {
                if (dataPath is null || formulaText is null)
                    throw new ModelSpecificationException("Missing input: give --data FILE and --formula \"...\" (or a model file).");
                spec = ModelSpec.FromFormula(formulaText);
            }
            string target = parse.GetValue(outFile) ?? throw new ModelSpecificationException("Give the file to write: --out stats.csv.");
            var missingList = missing.ToList();
            if (!SufficientStatistics.Streams(spec))
            {
                try { MomentPlan.Create(spec, _ => false); }
                catch (StreamingNotPossibleException e)
                {
                    throw new ModelSpecificationException($"bayeshlm stats cannot write this model's statistics: {e.Message}. Fit it from the data: bayeshlm reml --data FILE.");
                }
            }
            var kind = DataSource.KindOf(dataPath);
            if (kind is not (DataSourceKind.Csv or DataSourceKind.Parquet))
                throw new ModelSpecificationException($"bayeshlm stats reads a CSV or Parquet file; '{dataPath}' is a database. " +
                    "Its database computes the statistics: bayeshlm stats-sql prints the query, and bayeshlm reml --data fits from it directly.");
            bool parquet = kind == DataSourceKind.Parquet;
            CellMoments moments;
            try
            {
                moments = parquet ? MomentReader.FromParquet(spec, dataPath, spec.LabelColumns, missingList)
                    : MomentReader.FromCsv(spec, dataPath, spec.LabelColumns, missingList, comma);
                // The statistics must make a model that can be fitted: the same checks, and messages, as a fit.
                SufficientStatistics.FromMoments(moments);
            }
            catch (Exception e) when (e is StreamingNotPossibleException or UserInputException)
            {
                // The in-memory path's message for the same data (what 'bayeshlm reml' says), when it has one.
                SufficientStatistics.Build(spec, parquet ? ParquetTableReader.Read(dataPath, spec.Columns, spec.LabelColumns, missingList)
                    : DataTable.ReadCsv(dataPath, spec.LabelColumns, missingList, comma));
                if (e is UserInputException) throw;
                throw new DataException($"bayeshlm stats cannot stream '{dataPath}': {e.Message}. Fit it from the data: bayeshlm reml --data {dataPath}.");
            }
            StatisticsFile.Write(moments, target);
            output.WriteLine($"{moments.RowsUsed} rows used of {moments.RowsRead} read; {moments.Cells.Count} cells written to {target}.");
            return CliApp.Ok;
        });
        return cmd;
    }

    public static Command CreateMerge(TextWriter output)
    {
        var files = new Argument<string[]>("files") { Description = "Statistics files of disjoint shards of the rows (bayeshlm stats --out).", Arity = ArgumentArity.OneOrMore };
        var outFile = new Option<string?>("--out") { Description = "The merged statistics file to write." };
        var cmd = new Command("stats-merge",
            "Add the statistics of disjoint shards of the rows (exactly: they are sums). A group's rows may be split between shards; " +
            "group-mean centring is applied after the merge.\n\n" +
            "Example:\n  bayeshlm stats-merge a.csv b.csv c.csv --out all.csv")
        { files, outFile };
        cmd.SetAction(parse =>
        {
            var paths = parse.GetValue(files) ?? [];
            CliApp.RejectUnknownOption(paths, "stats-merge");
            string target = parse.GetValue(outFile) ?? throw new ModelSpecificationException("Give the file to write: --out all.csv.");
            var spec = ModelSpec.FromFormula(StatisticsFile.Formula(paths[0]));
            var merged = StatisticsFile.Read(paths[0], spec);
            foreach (var path in paths.Skip(1)) merged.Merge(StatisticsFile.Read(path, spec));
            merged.Source = string.Join(" + ", paths);
            SufficientStatistics.FromMoments(merged);
            StatisticsFile.Write(merged, target);
            output.WriteLine($"{paths.Length} files merged: {merged.RowsUsed} rows used of {merged.RowsRead} read; {merged.Cells.Count} cells written to {target}.");
            return CliApp.Ok;
        });
        return cmd;
    }
}
