using System.CommandLine;
using BayesHlm.Diagnostics.Loo;
using BayesHlm.ModelChecks;
using BayesHlm.Reporting;

namespace BayesHlm.Cli;

/// <summary><c>bayeshlm loo DIR… [--groups F]</c> and <c>bayeshlm loo --loglik FILE.csv […] [--json FILE]</c>: PSIS-LOO
/// and WAIC of pointwise log-likelihoods as the R package loo 2.5.1 computes them — of runs (each row given its
/// groups' effects, or each group of a factor with its effects integrated out) or of files; with several models,
/// loo_compare's table, and DIC beside it for runs. Reading the inputs (<see cref="Inputs"/>, <see cref="RunInputs"/>)
/// is kept apart from reporting them.</summary>
internal static class LooCommand
{
    public static Command Create(TextWriter output)
    {
        var runs = new Argument<string[]>("runs") { Description = "Run directories written by 'bayeshlm fit' or 'bayeshlm sample --out'; several are compared.", Arity = ArgumentArity.ZeroOrMore };
        var loglik = new Option<string[]>("--loglik")
        {
            Description = "A pointwise log-likelihood CSV (columns chain, iteration, then one per observation). Give it once per model to compare models.",
            Arity = ArgumentArity.OneOrMore,
        };
        var groups = new Option<string?>("--groups") { Description = "Leave out one group of this grouping factor at a time (its effects integrated out exactly, per draw): how well the model predicts a new group. Linear models." };
        var writeLoglik = new Option<string?>("--write-loglik") { Description = "Also write the run's pointwise log-likelihood matrix to this CSV (the --loglik layout, which R's loo reads)." };
        var seed = new Option<ulong>("--seed") { Description = "Seed of group effects drawn afresh when a run did not save them (default 1).", DefaultValueFactory = _ => 1 };
        var json = new Option<string?>("--json") { Description = "Write the estimates, pointwise values and diagnostics as JSON to this file, or '-' for standard output (instead of the tables)." };
        var cmd = new Command("loo",
            "Leave-one-out cross-validation by Pareto smoothed importance sampling (PSIS-LOO) and WAIC, computed as the R package loo 2.5.1 does, " +
            "with the Pareto k diagnostic of each observation. Several --loglik files are compared as loo_compare does, best model first.\n\n" +
            "Examples:\n  bayeshlm loo runs/hsb_slopes_as_outcomes\n  bayeshlm loo runs/hsb_anova runs/hsb_slopes_as_outcomes --groups school\n" +
            "  bayeshlm loo --loglik loglik.csv\n  bayeshlm loo --loglik model1.csv --loglik model2.csv --json loo.json")
        { runs, loglik, groups, writeLoglik, seed, json };
        cmd.SetAction(parse =>
        {
            string? jsonPath = parse.GetValue(json);
            if (jsonPath is not null && Directory.Exists(jsonPath))
                throw new ModelSpecificationException($"--json '{jsonPath}' is a folder: give the name of the file to write, e.g. --json {Path.Combine(jsonPath, "loo.json")}.");
            var dirs = parse.GetValue(runs) ?? [];
            CliApp.RejectUnknownOption(dirs, "loo");
            var files = parse.GetValue(loglik) ?? [];
            if (dirs.Length == 0 && files.Length == 0)
                throw new ModelSpecificationException("Give run directories (bayeshlm loo runs/a runs/b) or log-likelihood files (--loglik FILE.csv).");
            string? level = parse.GetValue(groups);
            if (level is not null && dirs.Length == 0) throw new ModelSpecificationException("--groups reads run directories: give them (bayeshlm loo runs/a --groups school).");
            var fromRuns = RunInputs(dirs, level, parse.GetValue(seed));
            var models = fromRuns.Select(r => r.Model).Concat(Inputs(files).Select(m => LooModel.Compute(m.Name, m.LogLikelihood))).ToList();
            if (parse.GetValue(writeLoglik) is { } target)
            {
                if (fromRuns.Count != 1 || files.Length > 0) throw new ModelSpecificationException("--write-loglik writes one run's matrix: give one run.");
                var run = fromRuns[0];
                var matrix = run.LogLikelihood ?? new PointwiseLogLikelihood(Whole(run.Rows!, run.Model), run.Model.Loo.Draws, run.ChainOfDraw, run.Model.Loo.Names.ToArray());
                AtomicFile.WriteText(target, LogLikelihoodCsv.ToCsv(matrix));
            }
            int exit = Report(models, output, jsonPath);
            if (jsonPath != "-") Notes(fromRuns, level, output);
            return exit;
        });
        return cmd;
    }

    /// <summary>The named log-likelihood of each model: a file's name without its extension, or the path as given
    /// when two files share a name.</summary>
    internal static IReadOnlyList<(string Name, PointwiseLogLikelihood LogLikelihood)> Inputs(IReadOnlyList<string> loglikFiles)
    {
        if (loglikFiles.GroupBy(Path.GetFullPath).FirstOrDefault(g => g.Count() > 1) is { } twice)
            throw new ModelSpecificationException($"'{twice.First()}' is given twice: give each model's log-likelihood file once.");
        var stems = loglikFiles.Select(Path.GetFileNameWithoutExtension).ToList();
        return loglikFiles
            .Select((file, i) => (stems.Count(s => s == stems[i]) > 1 ? file : stems[i]!, PointwiseLogLikelihood.ReadCsv(file)))
            .ToList();
    }

    /// <summary>One run's pointwise log-likelihood, and its DIC when the values are the observation-wise ones.</summary>
    /// <param name="Name">The run's name.</param>
    /// <param name="LogLikelihood">The whole matrix where it was built (group-wise), else null.</param>
    /// <param name="Model">Its PSIS-LOO and WAIC.</param>
    /// <param name="Dic">DIC, for the observation-wise values.</param>
    /// <param name="GroupEffectsDrawn">The run's group effects were drawn afresh (not saved).</param>
    /// <param name="Rows">The observation-wise values on demand (for --write-loglik).</param>
    /// <param name="ChainOfDraw">The chain of each draw.</param>
    internal sealed record RunInput(string Name, PointwiseLogLikelihood? LogLikelihood, LooModel Model, Dic? Dic, bool GroupEffectsDrawn, ObservationDraws? Rows, int[] ChainOfDraw);

    /// <summary>Each run's log-likelihood: per observation given its groups' effects, or with <paramref name="level"/>
    /// per group of that factor with its effects integrated out. Runs fitted to other data (another file, or other rows
    /// of it) are refused: their elpd would not be comparable.</summary>
    internal static IReadOnlyList<RunInput> RunInputs(IReadOnlyList<string> dirs, string? level, ulong seed)
    {
        var runs = dirs.Select(FinishedRun.Load).ToList();
        for (int r = 1; r < runs.Count; r++)
        {
            RunData a = runs[0].Manifest.Data, b = runs[r].Manifest.Data;
            if (a.Sha256 != b.Sha256 || a.RowsUsed != b.RowsUsed)
                throw new ModelSpecificationException(
                    $"'{dirs[0]}' and '{dirs[r]}' were fitted to different data ({a.Path}, {a.RowsUsed} rows used; {b.Path}, {b.RowsUsed} rows used): " +
                    "their elpd values are not comparable. Compare runs fitted to the same rows.");
        }
        var names = dirs.Select(d => Path.GetFileName(Path.GetFullPath(d).TrimEnd(Path.DirectorySeparatorChar))).ToList();
        return runs.Select((run, r) => ReadRun(run, names.Count(n => n == names[r]) > 1 ? dirs[r] : names[r], level, seed)).ToList();
    }

    /// <summary>One run's log-likelihood, as <see cref="RunInputs"/> describes it.</summary>
    internal static RunInput ReadRun(FinishedRun run, string name, string? level, ulong seed)
    {
        var rows = ModelCheckInputs.Rows(run, seed);
        if (level is null)
        {
            var source = new ObservationDraws(rows);
            var observations = ObservationLikelihood.Names(run.Design);
            var deviance = new double[rows.Draws];
            var model = LooModel.Compute(name, rows.Draws, rows.ChainOfDraw, observations, source.Fill, part => Dic.AddDeviance(part, deviance));
            return new RunInput(name, null, model, Dic.FromDeviance(deviance), rows.DrawsGroupEffects, source, rows.ChainOfDraw);
        }
        var s = rows.Statistics;
        int k = s.Levels.ToList().FindIndex(l => l.Grouping.Name == level);
        if (k < 0)
            throw new ModelSpecificationException($"--groups {level}: run '{run.Directory}' has no grouping factor '{level}'. Its factors: {string.Join(", ", s.Levels.Select(l => l.Grouping.Name))}.");
        var likelihood = new GroupLikelihood(s, run.Design, k);
        var reader = new DrawReader(s, run.Priors, run.Draws);
        var values = likelihood.Compute(reader, seed);
        var matrix = new PointwiseLogLikelihood(values, reader.Count, reader.ChainOfDraw, likelihood.Names.ToArray());
        return new RunInput(name, matrix, LooModel.Compute(name, matrix), null, false, null, reader.ChainOfDraw);
    }

    /// <summary>DIC beside LOO, and what the values were computed from.</summary>
    private static void Notes(IReadOnlyList<RunInput> runs, string? level, TextWriter output)
    {
        if (runs.Count == 0) return;
        output.WriteLine();
        if (level is not null)
            output.Write(Format.Wrap($"Leave-one-{level}-out: each {level}'s log-likelihood with its effects integrated out exactly per draw (given the levels above it) — how well each model predicts a new {level}."));
        else
        {
            output.Write(Format.Wrap("Pointwise log-likelihoods per row, given its groups' effects" +
                (runs.Any(r => r.GroupEffectsDrawn) ? " (drawn from their exact conditional per draw where a run did not save them)" : "") +
                ". To ask how well a model predicts a new group, add --groups <factor>: high Pareto k of rows often comes from groups that are small or unusual."));
            var table = new TextTable("model", "DIC", "pD", "mean deviance");
            foreach (var r in runs.Where(r => r.Dic is not null))
                table.Add(r.Name, Format.Fixed(r.Dic!.Value, 1), Format.Fixed(r.Dic.PD, 1), Format.Fixed(r.Dic.MeanDeviance, 1));
            output.Write("\nDIC as JAGS computes it (pD = var(deviance)/2):\n" + table.Render());
            output.Write(Format.Wrap("DIC assumes a posterior close to normal and counts parameters through the deviance's spread: with group effects, small groups or skewed posteriors it can mislead (pD near 0 or negative); prefer elpd_loo."));
        }
    }

    /// <summary>Each model's LOO and WAIC, then the comparison when there are several; JSON to <paramref name="jsonPath"/>
    /// if given ('-': standard output, instead of the tables).</summary>
    internal static int Report(IReadOnlyList<(string Name, PointwiseLogLikelihood LogLikelihood)> inputs, TextWriter output, string? jsonPath) =>
        Report(inputs.Select(m => LooModel.Compute(m.Name, m.LogLikelihood)).ToList(), output, jsonPath);

    /// <summary>A run's whole observation-wise matrix (what --write-loglik writes).</summary>
    private static double[] Whole(ObservationDraws rows, LooModel model)
    {
        var values = new double[(long)model.Loo.Names.Count * model.Loo.Draws];
        rows.Fill(0, model.Loo.Names.Count, values);
        return values;
    }

    /// <summary>Each model's LOO and WAIC (computed), then the comparison when there are several.</summary>
    internal static int Report(IReadOnlyList<LooModel> models, TextWriter output, string? jsonPath)
    {
        LooComparison? comparison = models.Count > 1 ? LooComparison.Compare(models.Select(m => (m.Name, m.Loo)).ToList()) : null;
        string? json = jsonPath is null ? null : comparison is null ? LooJsonWriter.ToJson(models[0]) : LooJsonWriter.ToJson(models, comparison);
        if (jsonPath == "-")
        {
            output.WriteLine(json);
            return CliApp.Ok;
        }
        for (int i = 0; i < models.Count; i++)
        {
            if (i > 0) output.WriteLine();
            output.Write(LooTextReport.ToText(models[i]));
        }
        if (comparison is not null) output.Write("\n" + LooTextReport.ToText(comparison));
        if (jsonPath is not null)
        {
            LooJsonWriter.Write(jsonPath, json!);
            output.WriteLine($"\nJSON written to {jsonPath}");
        }
        return CliApp.Ok;
    }
}
