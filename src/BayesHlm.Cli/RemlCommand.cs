using System.CommandLine;
using System.Text.Json;
using BayesHlm.Data;
using BayesHlm.Data.Sources;
using BayesHlm.Estimation;
using BayesHlm.Estimation.Glmm;
using BayesHlm.Model;
using BayesHlm.Prediction;
using BayesHlm.Reporting;

namespace BayesHlm.Cli;

/// <summary><c>bayeshlm reml</c>: the EB/ML fit (REML or ML), its tables, and optionally JSON.</summary>
internal static class RemlCommand
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var model = new Argument<string?>("model") { Description = "A model file (YAML); alternative to --data and --formula.", Arity = ArgumentArity.ZeroOrOne };
        var data = new Option<string?>("--data") { Description = DataSourceOptions.DataDescription };
        var sourceOptions = new DataSourceOptions();
        var formula = new Option<string?>("--formula") { Description = "lme4-style formula, e.g. \"y ~ x + (1 + x | g)\"." };
        var method = new Option<string?>("--method") { Description = "reml (default) or ml; for a binomial or Poisson family laplace (default) or agq." };
        var family = new Option<string?>("--family") { Description = "The outcome's distribution: gaussian (default), bernoulli (0/1 or two-valued text), binomial (successes out of --trials), poisson (counts; an exposure as offset(log(x)) in the formula)." };
        var trials = new Option<string?>("--trials") { Description = "For --family binomial: the column of each row's number of trials." };
        var agq = new Option<int?>("--agq") { Description = "Adaptive Gauss-Hermite quadrature with this many points per group (glmer's nAGQ; one scalar random effect); implies --method agq." };
        method.AcceptOnlyFromAmong("reml", "ml", "laplace", "agq");
        var algorithm = new Option<string>("--algorithm") { Description = "auto (Newton, EM as fallback), em (as the HLM software), or newton.", DefaultValueFactory = _ => "auto" };
        algorithm.AcceptOnlyFromAmong("auto", "em", "newton");
        var df = new Option<string>("--df") { Description = "Fixed-effect df: bw (SAS between-within, default) or satterthwaite.", DefaultValueFactory = _ => "bw" };
        df.AcceptOnlyFromAmong("bw", "satterthwaite");
        var by = new Option<string?>("--by") { Description = "Fit the model separately for each value of this column (SAS BY)." };
        var byParallel = new Option<int?>("--by-parallel") { Description = "With --by: how many BY groups are fitted at once (default: one per core; 1 fits them one after another)." };
        var json = new Option<string?>("--json") { Description = "Write the fit as JSON to this file, or '-' for standard output." };
        var groups = new Option<bool>("--groups") { Description = "Also print every group's EB and OLS estimates and reliabilities." };
        var decimalComma = new Option<bool>("--decimal-comma") { Description = "The data's numbers are written with a decimal comma (3,14), fields separated by ';' or tabs." };
        var weights = new Option<string?>("--weights") { Description = "Column of precision weights: row i's level-1 variance is σ²/w_i (lme4's weights=)." };
        var ci = new Option<string>("--ci") { Description = "Confidence intervals: wald (t or z with the fit's df, the default) or profile (adds profile-likelihood intervals of every sd, correlation, σ and fixed effect, as lme4's confint(method = \"profile\"); gaussian fits).", DefaultValueFactory = _ => "wald" };
        ci.AcceptOnlyFromAmong("wald", "profile");
        var level = new Option<double>("--level") { Description = "Coverage of the confidence intervals, Wald and profile (default 0.95).", DefaultValueFactory = _ => 0.95 };
        var naValues = new Option<string?>("--na-values") { Description = "Codes that mark a missing value besides empty, NA and '.', comma-separated: --na-values -99,999." };
        var residuals = new Option<string?>("--residuals") { Description = "Write HLM's residual files into this folder: level1.csv (fitted values, residuals, standardised), level2_<group>.csv (EB effects, SEs, OLS, reliabilities) and their plots." };
        var predict = new Option<string?>("--predict") { Description = "Predict these new rows (CSV; the outcome may be left out), as lme4's predict: conditional on the groups' EB effects (0 for a new group) and marginal." };
        var predictOut = new Option<string?>("--predict-out") { Description = "The CSV file --predict writes (default predictions.csv)." };
        var stats = new Option<string?>("--stats") { Description = "Fit from a statistics file (bayeshlm stats, stats-merge) instead of --data: a gaussian model, the one the file was written for." };

        var cmd = new Command("reml",
            "Fit a hierarchical linear model by REML or ML (EB estimates, SAS-style tables).\n\n" +
            "Examples:\n  bayeshlm reml models/hsb_slopes_as_outcomes.yaml\n" +
            "  bayeshlm reml --data models/data/hsb.csv --formula \"mathach ~ meanses + (1 | school)\" --method ml --json fit.json\n" +
            "  bayeshlm reml models/hsb_slopes_as_outcomes.yaml --ci profile")
        { model, data, formula, method, family, trials, agq, algorithm, df, ci, level, by, byParallel, json, groups, naValues, weights, decimalComma, residuals, predict, predictOut, stats };
        sourceOptions.AddTo(cmd);

        cmd.SetAction(parse =>
        {
            string? modelPath = parse.GetValue(model);
            string? dataPath = parse.GetValue(data);
            string? formulaText = parse.GetValue(formula);
            string? methodText = parse.GetValue(method);
            string? byColumn = parse.GetValue(by);
            string? id = null;
            int? fileAgq = null;
            IEnumerable<string> missingCodes = SampleCommand.Codes(parse.GetValue(naValues));
            bool comma = parse.GetValue(decimalComma);
            ModelSpec spec;
            DataSource? fileSource = null;
            if (modelPath is not null) CliApp.RejectUnknownOption([modelPath], "reml");
            if (modelPath is not null)
            {
                if (formulaText is not null)
                    throw new ModelSpecificationException("Give either a model file or --formula, not both (--data beside a model file replaces its data: file).");
                var file = ModelFile.Load(modelPath, dataPath);
                spec = file.Spec;
                dataPath = file.DataPath;
                fileSource = file.Source;
                methodText ??= file.Method;
                fileAgq = file.QuadraturePoints;
                byColumn ??= file.By;
                id = file.Name;
                if (parse.GetValue(naValues) is null) missingCodes = file.MissingValues;
                comma |= file.DecimalComma;
            }
            else
            {
                if ((dataPath is null && parse.GetValue(stats) is null) || formulaText is null)
                    throw new ModelSpecificationException("Missing input: give a model file (bayeshlm reml MODEL.yaml) or both --data FILE and --formula \"...\".");
                spec = ModelSpec.FromFormula(formulaText);
                if (parse.GetValue(weights) is { } w) spec = spec.WithWeights(w);
            }
            if (parse.GetValue(family) is { } familyText) spec = spec.WithFamily(Families.Parse(familyText), spec.Trials);
            if (parse.GetValue(trials) is { } trialsColumn) spec = spec with { Trials = trialsColumn };
            double coverage = parse.GetValue(level);
            if (!(coverage > 0 && coverage < 1))
                throw new ModelSpecificationException($"--level is the intervals' coverage, between 0 and 1 (0.95 for 95%), not {coverage}.");
            bool profile = parse.GetValue(ci) == "profile";
            var glmm = GlmmOptionsFor(spec, methodText, parse.GetValue(agq) ?? fileAgq);
            if (glmm is not null)
            {
                if (profile)
                    throw new ModelSpecificationException($"--ci profile is for gaussian REML and ML fits: the {spec.Family.Name()} model's Laplace or quadrature likelihood is not profiled. Drop --ci profile for the Wald intervals, or use 'bayeshlm fit' for posterior intervals.");
                glmm = glmm with { ConfidenceLevel = coverage };
            }
            var options = new RemlOptions
            {
                ConfidenceLevel = coverage,
                Method = methodText is null || glmm is not null ? EstimationMethod.Reml : RemlOptions.ParseMethod(methodText),
                Algorithm = parse.GetValue(algorithm) switch { "em" => EstimationAlgorithm.Em, "newton" => EstimationAlgorithm.Newton, _ => EstimationAlgorithm.Auto },
                DegreesOfFreedom = parse.GetValue(df) == "satterthwaite" ? DegreesOfFreedomMethod.Satterthwaite : DegreesOfFreedomMethod.BetweenWithin,
            };
            if (parse.GetValue(stats) is { } statsPath)
            {
                if (parse.GetValue(data) is not null)
                    throw new ModelSpecificationException("Give --data or --stats, not both: a statistics file replaces the data.");
                if (glmm is not null || byColumn is not null || profile || parse.GetValue(residuals) is not null || parse.GetValue(predict) is not null)
                    throw new ModelSpecificationException("A statistics file fits a gaussian model's REML or ML estimates and EB effects; " +
                        "--by, --residuals, --predict, --ci profile and other families need the rows: give --data instead.");
                var fromStats = Reml.Fit(BayesHlm.Statistics.SufficientStatistics.FromMoments(BayesHlm.Statistics.Moments.StatisticsFile.Read(statsPath, spec)), options);
                string statsJson = RemlJsonWriter.ToJson(fromStats, id, statsPath);
                if (parse.GetValue(json) != "-") output.Write(RemlTextReport.Render(fromStats, statsPath, parse.GetValue(groups)));
                if (parse.GetValue(json) is { } statsJsonPath) CliApp.WriteJson(output, statsJsonPath, statsJson);
                return CliApp.Ok;
            }
            ArgumentNullException.ThrowIfNull(dataPath);
            var source = sourceOptions.For(parse, dataPath, fileSource);
            // A gaussian fit of one model needs only the per-group statistics: a large CSV or Parquet file is streamed into them (memory in
            // groups, not rows), an SQL source computes them in one GROUP BY (the rows stay in the database). Residuals,
            // predictions, profile intervals, BY groups and other families read the rows.
            bool stream = byColumn is null && glmm is null && !profile && parse.GetValue(residuals) is null && parse.GetValue(predict) is null;
            bool streamFile = stream && source.Kind is DataSourceKind.Csv or DataSourceKind.Parquet && source.Where is null && source.Table is null && source.Query is null
                && BayesHlm.Statistics.SufficientStatistics.WorthStreaming(source.Location);
            bool pushDown = stream && source.Kind is DataSourceKind.DuckDb or DataSourceKind.Postgres;
            var labels = byColumn is null ? spec.LabelColumns : spec.LabelColumns.Append(byColumn);
            var table = streamFile || pushDown ? null : DataSources.Read(source, byColumn is null ? spec.Columns : spec.Columns.Append(byColumn),
                labels, missingCodes, comma);
            // A PostgreSQL password never reaches the output.
            if (source.Kind is not (DataSourceKind.Csv or DataSourceKind.Parquet) || source.Where is not null) dataPath = source.ToString();
            string? jsonPath = parse.GetValue(json);
            bool jsonToStdout = jsonPath == "-";
            bool groupTables = parse.GetValue(groups);
            Func<string> jsonText; // written only with --json: the text report needs none of it
            int exit = CliApp.Ok;
            if (byColumn is null)
            {
                var fit = pushDown ? Reml.FitSql(spec, source, options, missingCodes)
                    : table is null ? (source.Kind == DataSourceKind.Parquet ? Reml.FitParquet(spec, source.Location, options, labels, missingCodes)
                        : Reml.FitCsv(spec, source.Location, options, labels, missingCodes, comma))
                    : glmm is null ? Fit(spec, table, options, profile) : GeneralizedFit.Fit(spec, table, glmm);
                if (!jsonToStdout) output.Write(RemlTextReport.Render(fit, dataPath, groupTables));
                jsonText = () => RemlJsonWriter.ToJson(fit, id, dataPath);
                var messages = jsonToStdout ? error : output;
                if (parse.GetValue(residuals) is { } folder) WriteResiduals(fit, spec, table!, folder, messages);
                if (parse.GetValue(predict) is { } newRows)
                    WritePredictions(fit, spec, newRows, parse.GetValue(predictOut) ?? "predictions.csv", missingCodes, comma, messages);
            }
            else
            {
                if (parse.GetValue(residuals) is not null || parse.GetValue(predict) is not null)
                    throw new ModelSpecificationException("--residuals and --predict are for one fit, not for --by: select the rows of one BY group and fit them alone.");
                int parallel = parse.GetValue(byParallel) ?? Environment.ProcessorCount;
                if (parallel < 1) throw new ModelSpecificationException($"--by-parallel must be 1 or more (BY groups fitted at once), not {parallel}.");
                var by = glmm is null ? Reml.FitBy(table!, byColumn, rows => Fit(spec, rows, options, profile), parallel)
                    : Reml.FitBy(table!, byColumn, rows => GeneralizedFit.Fit(spec, rows, glmm), parallel);
                if (!jsonToStdout)
                {
                    if (by.MissingByValue > 0) output.WriteLine($"{by.MissingByValue} rows with a missing {byColumn} belong to no BY group and were left out.");
                    foreach (var f in by.Fits)
                    {
                        output.WriteLine($"\n=== {byColumn} = {f.Value} ===");
                        output.Write(f.Fit is null ? $"No fit: {f.Error}\n" : RemlTextReport.Render(f.Fit, dataPath, groupTables));
                    }
                }
                var failed = by.Fits.Where(f => f.Error is not null).ToList();
                foreach (var f in failed) error.WriteLine($"error: {f.Error}");
                if (failed.Count > 0)
                {
                    error.WriteLine($"{failed.Count} of {by.Fits.Count} BY groups could not be fitted.");
                    exit = CliApp.BadInput;
                }
                jsonText = () => ByJson(by, id, dataPath);
            }
            if (jsonPath is not null) CliApp.WriteJson(output, jsonPath, jsonText());
            return exit;
        });
        return cmd;
    }

    /// <summary>HLM's residual files and plots into <paramref name="folder"/>.</summary>
    private static void WriteResiduals(RemlFit fit, ModelSpec spec, DataTable table, string folder, TextWriter messages)
    {
        var design = BayesHlm.Statistics.Design.Build(spec, BayesHlm.Statistics.ModelFrame.Build(spec, table), table.Source);
        var values = FittedValues.For(fit, design);
        Directory.CreateDirectory(folder);
        var written = new List<string> { Path.Combine(folder, "level1.csv") };
        AtomicFile.WriteText(written[0], ResidualWriters.Level1(fit, design, values));
        foreach (var g in fit.Groups)
        {
            string file = Path.Combine(folder, $"level2_{string.Concat(g.Group.Select(c => char.IsLetterOrDigit(c) ? c : '_'))}.csv");
            AtomicFile.WriteText(file, ResidualWriters.Level2(g));
            written.Add(file);
        }
        written.AddRange(Plots.WriteResiduals(fit, design, values, folder));
        messages.WriteLine($"\nResiduals written to {folder}: {string.Join(", ", written.Select(Path.GetFileName))}.");
    }

    /// <summary>lme4's predict for the rows of <paramref name="path"/>, into <paramref name="target"/>.</summary>
    private static void WritePredictions(RemlFit fit, ModelSpec spec, string path, string target, IEnumerable<string> missingCodes, bool comma, TextWriter messages)
    {
        if (!File.Exists(path)) throw new ModelSpecificationException($"--predict: the file '{path}' does not exist.");
        var rows = DataTable.ReadCsv(path, spec.LabelColumns, missingCodes, comma);
        var (design, dropped) = NewRows.Design(spec, rows, fit.FixedEffects.Select(f => f.Term).ToArray());
        var values = FittedValues.For(fit, design);
        AtomicFile.WriteText(target, ResidualWriters.Predictions(fit, design, values));
        int fresh = Enumerable.Range(0, design.N).Count(i => values.NewGroup.Any(level => level[i]));
        messages.WriteLine($"\n{design.N} rows predicted into {target}" + (dropped > 0 ? $" ({dropped} left out: a value the model needs is missing)" : "") +
            (fresh > 0 ? $"; {fresh} in groups the fit has not seen (their effects 0)." : "."));
        foreach (string note in NewRows.Notes(spec)) messages.Write(Format.Wrap(note));
    }

    /// <summary>A gaussian fit, with its profile-likelihood intervals when asked for.</summary>
    private static RemlFit Fit(ModelSpec spec, DataTable rows, RemlOptions options, bool profile)
    {
        var fit = Reml.Fit(spec, rows, options);
        return profile ? fit with { Profile = ProfileLikelihood.Intervals(fit, rows, options.ConfidenceLevel) } : fit;
    }

    /// <summary>The binomial or Poisson fit's settings from --method and --agq; null for a gaussian model (REML or ML).</summary>
    internal static GlmmOptions? GlmmOptionsFor(ModelSpec spec, string? methodText, int? agq)
    {
        string? m = methodText?.Trim().ToLowerInvariant();
        if (spec.Family == Family.Gaussian)
        {
            if (agq is not null || m is "laplace" or "agq")
                throw new ModelSpecificationException("The Laplace approximation and adaptive quadrature are for binomial and Poisson outcomes: add --family bernoulli, binomial or poisson, or use --method reml or ml.");
            return null;
        }
        if (m is "reml")
            throw new ModelSpecificationException($"REML does not exist for a {spec.Family.Name()} outcome (there is no residual variance to restrict the likelihood for): use --method laplace (the default, as glmer) or --method agq --agq N.");
        if (m is not (null or "laplace" or "ml" or "agq"))
            throw new ModelSpecificationException($"Unknown method '{methodText}' for a {spec.Family.Name()} outcome: use laplace (the default) or agq (adaptive quadrature, with --agq N points).");
        int points = agq ?? (m == "agq" ? 25 : 1);
        if (points < 1) throw new ModelSpecificationException($"--agq needs at least 1 point, not {points}.");
        return new GlmmOptions { QuadraturePoints = points };
    }

    private static string ByJson(ByFits by, string? id, string dataPath)
    {
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            w.WriteString("by", by.Column);
            w.WriteNumber("missing_by_value", by.MissingByValue);
            w.WriteStartArray("fits");
            foreach (var f in by.Fits)
            {
                if (f.Fit is not null) RemlJsonWriter.Write(w, f.Fit, id, dataPath, lead => lead.WriteString("value", f.Value));
                else
                {
                    w.WriteStartObject();
                    w.WriteString("value", f.Value);
                    w.WriteString("error", f.Error);
                    w.WriteEndObject();
                }
            }
            w.WriteEndArray();
            w.WriteEndObject();
        }
        return System.Text.Encoding.UTF8.GetString(ms.ToArray());
    }
}
