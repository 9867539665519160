using System.Text.Json.Nodes;
using BayesHlm.Model;
using BayesHlm.Reporting;
using BayesHlm.Sampling;
using BayesHlm.Tests.Cli;

namespace BayesHlm.Tests.BadInput;

/// <summary>
/// Run directories the run-based cases need ({runs}): a good run, a run of the same model on other data, a run whose data file has changed since, a run
/// holding another run's draws.csv, a run without draws.csv, and a folder that is not a run; for --resume, an
/// interrupted run (stopped in-process after a checkpoint), one whose data changed since, one without its
/// checkpoints, and one whose lock a running process (this one) holds. Made once per class.
/// </summary>
public sealed class BadInputRuns : IDisposable
{
    private readonly TestFolder _folder = new();

    public BadInputRuns()
    {
        string good = Path.Combine(BadInputCorpusTests.BadDirectory, "good.csv");
        File.Copy(good, _folder.PathOf("data.csv"));
        File.Copy(good, _folder.PathOf("changed.csv"));
        Sample("data.csv", "y ~ x + (1 | g)", "run");
        Sample("data.csv", "y ~ 1 + (1 | g)", "other");
        Sample("changed.csv", "y ~ x + (1 | g)", "data_changed");
        File.Copy(good, _folder.PathOf("more.csv"));
        File.AppendAllText(_folder.PathOf("more.csv"), "7,1,c,1,v\n");
        Sample("more.csv", "y ~ x + (1 | g)", "other_data");
        Interrupt("changed.csv", "interrupted_data_changed");
        File.AppendAllText(_folder.PathOf("changed.csv"), "7,1,c,1,v\n");
        Interrupt("data.csv", "interrupted");
        CopyDirectory(_folder.PathOf("interrupted"), _folder.PathOf("locked"));
        File.WriteAllText(_folder.PathOf(Path.Combine("locked", "run.lock")), Environment.ProcessId.ToString());
        CopyDirectory(_folder.PathOf("interrupted"), _folder.PathOf("no_checkpoint"));
        var manifest = JsonNode.Parse(File.ReadAllText(_folder.PathOf(Path.Combine("no_checkpoint", "run.json"))))!;
        foreach (var checkpoint in Directory.GetFiles(_folder.PathOf("no_checkpoint"), "checkpoint.*"))
        {
            File.Delete(checkpoint);
            manifest["files"]!.AsObject().Remove(Path.GetFileName(checkpoint));
        }
        File.WriteAllText(_folder.PathOf(Path.Combine("no_checkpoint", "run.json")), manifest.ToJsonString());

        CopyDirectory(_folder.PathOf("run"), _folder.PathOf("foreign_draws"));
        File.Copy(_folder.PathOf(Path.Combine("other", "draws.csv")), _folder.PathOf(Path.Combine("foreign_draws", "draws.csv")), overwrite: true);
        CopyDirectory(_folder.PathOf("run"), _folder.PathOf("no_draws"));
        File.Delete(_folder.PathOf(Path.Combine("no_draws", "draws.csv")));
        CopyDirectory(_folder.PathOf("run"), _folder.PathOf("bad_manifest"));
        File.WriteAllText(_folder.PathOf(Path.Combine("bad_manifest", "run.json")), "{\"status\": ");
        Directory.CreateDirectory(_folder.PathOf("not_a_run"));
        _folder.Write(Path.Combine("not_a_run", "notes.txt"), "not a run\n");
    }

    public string RunsPath => _folder.Path;

    private void Sample(string data, string formula, string output)
    {
        var r = CliRunner.RunIn(_folder.Path, "sample", "--data", data, "--formula", formula, "--out", output,
            "--iter", "200", "--warmup", "100", "--chains", "2", "--quiet");
        if (r.ExitCode != 0) throw new InvalidOperationException("Could not make the run fixture:\n" + r);
    }

    /// <summary>A run of <paramref name="data"/> stopped at iteration 150 of 200, every chain saving its state every iteration.</summary>
    private void Interrupt(string data, string output)
    {
        using var cancel = new CancellationTokenSource();
        var request = new RunRequest(_folder.PathOf(data), ModelSpec.FromFormula("y ~ x + (1 | g)"), PriorSpec.Default, new SamplerOptions { Chains = 2, Iterations = 200, Warmup = 100 });
        var policy = new CheckpointPolicy(TimeSpan.Zero) { Saved = c => { if (c.Iteration == 150) cancel.Cancel(); } };
        if (!BayesianRun.Execute(request, _folder.PathOf(output), policy, cancel: cancel.Token).Interrupted)
            throw new InvalidOperationException("Could not make the interrupted run fixture: it was not interrupted.");
    }

    private static void CopyDirectory(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.GetFiles(from)) File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
    }

    public void Dispose() => _folder.Dispose();
}

/// <summary>
/// The bad-input corpus: each case runs the real CLI from a fresh temporary folder and expects exit code 2, a message
/// holding the given fragment (what is wrong and, where the program says it, where), and no stack trace.
/// Placeholders in the arguments: {bad} = tests/data/bad, {data} = models/data/, {runs} = the run fixtures
/// (<see cref="BadInputRuns"/>), {tmp} = the case's own temporary folder (its working directory).
/// Entries with Skip are bugs found by the corpus, kept with the message they should give.
/// </summary>
public class BadInputCorpusTests(BadInputRuns runs) : IClassFixture<BadInputRuns>
{
    public static string BadDirectory => Path.Combine(RepositoryPaths.RepositoryDirectory, "tests", "data", "bad");

    private const string F = "y ~ x + (1 | g)";
    private const string Hsb = "{data}/hsb.csv";
    private const string Good = "{bad}/good.csv";

    private static readonly string[] Short = ["--iter", "200", "--warmup", "100", "--quiet"];

    private static void Add(TheoryData<string, string, string[]> d, string id, string fragment, params string[] args) =>
        d.Add(id, fragment, args);

    private static string[] Reml(string data, string formula) => ["reml", "--data", data, "--formula", formula];
    private static string[] SampleGood(params string[] more) =>
        ["sample", "--data", Good, "--formula", F, "--out", "{tmp}/run", .. Short, .. more];
    private static string[] Fit(string model) => ["fit", "{bad}/" + model, "--out", "{tmp}/run", .. Short];
    private static string[] Priors(string file, string formula = F, string data = Good) =>
        ["sample", "--data", data, "--formula", formula, "--priors", "{bad}/" + file, "--out", "{tmp}/run", .. Short];

    public static TheoryData<string, string, string[]> Cases()
    {
        var d = new TheoryData<string, string, string[]>();

        // ---- statistics files (bayeshlm stats, reml --stats) ----
        Add(d, "stats-other-model", "holds the statistics of another model (y ~ 1 + (1 | g))", "reml", "--stats", "{bad}/stats_other_model.csv", "--formula", F);
        Add(d, "stats-truncated", "stats_truncated.csv' is cut short", "reml", "--stats", "{bad}/stats_truncated.csv", "--formula", F);
        Add(d, "stats-missing-column", "stats_missing_column.csv', line 8: the column 'sum:x*x' is missing", "reml", "--stats", "{bad}/stats_missing_column.csv", "--formula", F);
        Add(d, "stats-not-stats", "good.csv' is not a statistics file", "reml", "--stats", Good, "--formula", F);
        Add(d, "stats-missing-file", "Statistics file", "reml", "--stats", "{bad}/nope.csv", "--formula", F);
        Add(d, "stats-and-data", "Give --data or --stats, not both", "reml", "--stats", "{bad}/stats_other_model.csv", "--data", Good, "--formula", F);
        Add(d, "stats-with-by", "need the rows: give --data instead", "reml", "--stats", "{bad}/stats_other_model.csv", "--formula", F, "--by", "g");
        Add(d, "stats-poly", "cannot write this model's statistics: poly(x, 2)", "stats", "--data", Good, "--formula", "y ~ poly(x, 2) + (1 | g)", "--out", "{tmp}/s.csv");
        Add(d, "stats-merge-other-model", "holds the statistics of another model", "stats-merge", "{bad}/stats_other_model.csv", "{bad}/stats_missing_column.csv", "--out", "{tmp}/s.csv");
        Add(d, "by-parallel-zero", "--by-parallel must be 1 or more", "reml", "--data", Good, "--formula", F, "--by", "g", "--by-parallel", "0");
        Add(d, "stats-parquet-not-stats", "good.parquet' is a Parquet file but not a statistics file", "reml", "--stats", "{bad}/good.parquet", "--formula", F);
        Add(d, "stats-parquet-cut-short", "cut_short.parquet' is not a Parquet file, or it is damaged or cut short", "reml", "--stats", "{bad}/cut_short.parquet", "--formula", F);
        Add(d, "stats-from-database", "bayeshlm stats reads a CSV or Parquet file;", "stats", "--data", "duckdb:{tmp}/x.db", "--formula", F, "--out", "{tmp}/s.csv");
        Add(d, "stats-bad-data", "column 'y': 2 values are not (finite) numbers", "stats", "--data", "{bad}/nonnumeric_outcome.csv", "--formula", F, "--out", "{tmp}/s.csv");

        // ---- CSV data ----
        Add(d, "csv-missing", "nope.csv' not found", Reml("{bad}/nope.csv", F));
        Add(d, "csv-folder", "is a folder, not a data file", Reml("{bad}", F));
        Add(d, "csv-empty", "empty.csv' is empty", Reml("{bad}/empty.csv", F));
        Add(d, "csv-header-only", "header_only.csv' has a header but no data rows", Reml("{bad}/header_only.csv", F));
        Add(d, "csv-ragged", "ragged.csv', line 3: 2 fields, but the header has 3", Reml("{bad}/ragged.csv", F));
        Add(d, "csv-unclosed-quote", "unclosed_quote.csv', line 2: malformed CSV", Reml("{bad}/unclosed_quote.csv", F));
        Add(d, "csv-blank-header", "blank_header.csv', line 1: column 2 of the header has no name", Reml("{bad}/blank_header.csv", F));
        Add(d, "csv-duplicate-header", "the column name 'x' appears twice in the header", Reml("{bad}/dup_header.csv", F));
        Add(d, "csv-header-names-look-alike", "written with different Unicode code points (precomposed and combining accents) that look the same", Reml("{bad}/header_nfc_nfd.csv", "g ~ 1 + (1 | g)"));
        Add(d, "csv-nonnumeric-outcome", "column 'y': 2 values are not (finite) numbers — line 3 'high', line 5 'low'", Reml("{bad}/nonnumeric_outcome.csv", F));
        Add(d, "csv-infinite-outcome", "inf_outcome.csv', line 3, column 'y': the value 'Inf' is not a (finite) number", Reml("{bad}/inf_outcome.csv", F));
        Add(d, "csv-latin1", "latin1.csv', line 2: the text is not UTF-8 (byte 0xE9)", Reml("{bad}/latin1.csv", F));
        Add(d, "csv-parquet", "parquet.csv' is a Parquet file, not a CSV text file", Reml("{bad}/parquet.csv", F));
        Add(d, "csv-sqlite", "sqlite.csv' is an SQLite database, not a CSV text file", Reml("{bad}/sqlite.csv", F));
        Add(d, "csv-zip", "zip.csv' is a ZIP archive", Reml("{bad}/zip.csv", F));
        Add(d, "csv-binary", "binary.csv' is binary, not text", Reml("{bad}/binary.csv", F));
        Add(d, "csv-one-group", "The grouping factor 'g' has only one group ('a')", Reml("{bad}/one_group.csv", F));
        Add(d, "csv-all-missing", "No rows are left after dropping rows with missing values in 'y' (3)", Reml("{bad}/all_missing.csv", F));
        Add(d, "csv-group-all-missing", "No rows are left after dropping rows with missing values in 'g' (3)", Reml("{bad}/group_missing.csv", F));
        Add(d, "csv-no-such-predictor", "Column 'sess' not found in '", Reml(Hsb, "mathach ~ sess + (1 | school)"));
        Add(d, "csv-no-such-predictor-suggests", "Did you mean 'ses'?", Reml(Hsb, "mathach ~ sess + (1 | school)"));
        Add(d, "csv-no-such-outcome", "Column 'mathac' not found in '", Reml(Hsb, "mathac ~ ses + (1 | school)"));
        Add(d, "csv-no-such-group", "Did you mean 'school'?", Reml(Hsb, "mathach ~ ses + (1 | schol)"));
        Add(d, "csv-outcome-constant-within-groups", "The outcome 'y' does not vary within any group of 'g'", Reml("{bad}/constant_within.csv", "y ~ 1 + (1 | g)"));
        Add(d, "csv-log-of-negative", "line 2, column 'ses': log(ses) needs positive values, found -1.528", Reml(Hsb, "mathach ~ log(ses) + (1 | school)"));
        Add(d, "csv-diagnose-latin1-is-not-draws", "latin1.csv', line 1: no 'chain' column", ["diagnose", "{bad}/latin1.csv"]);

        // ---- Parquet, DuckDB and PostgreSQL sources ----
        Add(d, "parquet-missing-column", "Column 'sess' not found in '", Reml("{bad}/good.parquet", "y ~ sess + (1 | g)"));
        Add(d, "parquet-list-column", "column 'x': its Parquet type a list of INT64 (Int(bitWidth=64, isSigned=true)) is neither a number nor text", Reml("{bad}/list_column.parquet", F));
        Add(d, "parquet-cut-short", "cut_short.parquet' starts as a Parquet file but does not end as one", Reml("{bad}/cut_short.parquet", F));
        Add(d, "parquet-missing-file", "nope.parquet' not found", Reml("{bad}/nope.parquet", F));
        Add(d, "parquet-with-table", "--table is for SQL sources", [.. Reml("{bad}/good.parquet", F), "--table", "t"]);
        Add(d, "parquet-bad-where", "the database refused the query", [.. Reml("{bad}/good.parquet", F), "--where", "nosuch > 1"]);
        Add(d, "csv-with-where", "--where needs an SQL source or a Parquet file", [.. Reml(Good, F), "--where", "x > 1"]);
        Add(d, "sql-table-and-query", "Give --table or --query, not both", [.. Reml("duckdb:", F), "--table", "t", "--query", "SELECT 1"]);
        Add(d, "duckdb-missing-file", "DuckDB database '", [.. Reml("duckdb:{tmp}/nope.duckdb", F), "--table", "t"]);
        Add(d, "duckdb-no-table-or-query", "say which rows to read with --table NAME or --query", Reml("duckdb:", F));
        Add(d, "duckdb-unknown-table", "no table or view 'hsb'. The database has no tables.", [.. Reml("duckdb:", F), "--table", "hsb"]);
        Add(d, "duckdb-bad-sql", "the database refused the query: Parser Error", [.. Reml("duckdb:", F), "--query", "SELEC * FROM t"]);
        Add(d, "duckdb-query-missing-column", "Column 'x' not found in duckdb: (in memory), query.", [.. Reml("duckdb:", F), "--query", "SELECT 1.5 AS y, 'a' AS g"]);
        Add(d, "postgres-refused", "Could not connect to PostgreSQL at 127.0.0.1:1: connection refused", [.. Reml("postgres://someone@127.0.0.1:1/db", F), "--table", "t"]);
        Add(d, "postgres-bad-connection-string", "The PostgreSQL connection string 'Host=x;Nonsense=1' cannot be read", [.. Reml("Host=x;Nonsense=1", F), "--table", "t"]);

        // ---- Binomial and Poisson outcomes ----
        Add(d, "family-unknown", "Unknown family 'logit': use gaussian, bernoulli", [.. Reml(Good, F), "--family", "logit"]);
        Add(d, "family-bernoulli-not-binary", "column 'y': a bernoulli outcome is 0 or 1, not 3", [.. Reml(Good, F), "--family", "bernoulli"]);
        Add(d, "family-bernoulli-three-words", "has 3 distinct values ('maybe', 'no', 'yes')", [.. Reml("{bad}/binary_three_values.csv", F), "--family", "bernoulli"]);
        Add(d, "family-binomial-no-trials", "name the column that holds each row's trials (--trials COLUMN", [.. Reml(Good, F), "--family", "binomial"]);
        Add(d, "family-binomial-over-trials", "binomial_over_trials.csv', line 4, column 'y': a binomial outcome counts successes, a whole number from 0 to the trials (3 in 'n'), not 4", [.. Reml("{bad}/binomial_over_trials.csv", F), "--family", "binomial", "--trials", "n"]);
        Add(d, "family-trials-without-binomial", "Trials ('n') belong to the binomial family", [.. Reml("{bad}/binomial_over_trials.csv", F), "--trials", "n"]);
        Add(d, "family-poisson-negative", "poisson_negative.csv', line 4, column 'y': a poisson outcome counts events, a whole number of at least 0, not -1", [.. Reml("{bad}/poisson_negative.csv", F), "--family", "poisson"]);
        Add(d, "family-reml", "REML does not exist for a poisson outcome", [.. Reml(Good, F), "--family", "poisson", "--method", "reml"]);
        Add(d, "family-agq-slopes", "Adaptive quadrature (--agq) integrates one scalar random effect per group", [.. Reml(Good, "y ~ x + (1 + x | g)"), "--family", "poisson", "--agq", "10"]);
        Add(d, "family-laplace-gaussian", "The Laplace approximation and adaptive quadrature are for binomial and Poisson outcomes", [.. Reml(Good, F), "--method", "laplace"]);
        Add(d, "family-offset-unknown-inner", "inside offset() the functions are log(x), sqrt(x) and exp(x)", [.. Reml(Good, "y ~ x + offset(sq(x)) + (1 | g)"), "--family", "poisson"]);

        // ---- Formulas ----
        // A random slope 10⁵ sds from 0: as written (diagonal Σ, or the sampler) its digits are lost; the fix is named.
        Add(d, "slope-far-diagonal", "Centre it", Reml("{bad}/far_slope.csv", "y ~ x + (1 + x || g)"));
        Add(d, "slope-far-sample", "Centre it", ["sample", "--data", "{bad}/far_slope.csv", "--formula", "y ~ x + (1 + x | g)", "--out", "{tmp}/run", .. Short]);
        Add(d, "formula-empty", "The formula is empty", Reml(Hsb, ""));
        Add(d, "formula-no-tilde", "Formula error at column 1: no '~'", Reml(Hsb, "mathach ses + (1|school)"));
        Add(d, "formula-no-outcome", "Formula error at column 1: no outcome before '~'", Reml(Hsb, "~ ses + (1|school)"));
        Add(d, "formula-double-tilde", "Formula error at column 11: unexpected '~'", Reml(Hsb, "mathach ~ ~ ses"));
        Add(d, "formula-open-paren", "random-effects term is inside the parenthesis opened at column 11", Reml(Hsb, "mathach ~ (ses + (1|school)"));
        Add(d, "formula-extra-close-paren", "Formula error at column 14: unexpected ')'", Reml(Hsb, "mathach ~ ses) + (1|school)"));
        Add(d, "formula-unclosed-random", "Formula error at column 26: expected ')' to close the random-effects term", Reml(Hsb, "mathach ~ ses + (1|school"));
        Add(d, "formula-unknown-function", "Formula error at column 11: unknown function 'foo'", Reml(Hsb, "mathach ~ foo(ses) + (1|school)"));
        Add(d, "formula-too-many-arguments", "Formula error at column 11: wrong number of arguments to center()", Reml(Hsb, "mathach ~ center(ses, school, x) + (1|school)"));
        Add(d, "formula-mean-one-argument", "Formula error at column 11: wrong number of arguments to mean()", Reml(Hsb, "mathach ~ mean(ses) + (1|school)"));
        Add(d, "formula-empty-call", "Formula error at column 15: expected a column name inside log(...)", Reml(Hsb, "mathach ~ log() + (1|school)"));
        Add(d, "formula-random-in-colon", "Formula error at column 15: a random-effects term '( ... | group)' must be added at the top level", Reml(Hsb, "mathach ~ ses:(1|school)"));
        Add(d, "formula-random-in-star", "Formula error at column 15: a random-effects term '( ... | group)' must be added at the top level", Reml(Hsb, "mathach ~ ses*(1|school)"));
        Add(d, "formula-double-parentheses", "Formula error at column 18: the random-effects term has two pairs of parentheses", Reml(Hsb, "mathach ~ ses + ((1|school))"));
        Add(d, "formula-bar-without-group", "Formula error at column 20: expected a grouping column after '|'", Reml(Hsb, "mathach ~ ses + (1|)"));
        Add(d, "formula-slope-bar-without-group", "Formula error at column 27: expected a grouping column after '|'", Reml(Hsb, "mathach ~ ses + (1 + ses |)"));
        Add(d, "formula-bar-without-terms", "Formula error at column 18: unexpected '|' where a term was expected", Reml(Hsb, "mathach ~ ses + (|school)"));
        Add(d, "formula-second-bar", "Formula error at column 30: unexpected '|'", Reml(Hsb, "mathach ~ ses + (1 | school) | sector"));
        Add(d, "formula-number-two", "Formula error at column 11: the number 2 is not a term", Reml(Hsb, "mathach ~ 2 + ses + (1|school)"));
        Add(d, "formula-number-half", "Formula error at column 11: the number 0.5 is not a term", Reml(Hsb, "mathach ~ 0.5 + (1|school)"));
        Add(d, "formula-double-plus", "Formula error at column 16: unexpected '+' where a term was expected", Reml(Hsb, "mathach ~ ses ++ (1|school)"));
        Add(d, "formula-power-zero", "Formula error at column 24: the power after '^' must be a whole number of at least 1", Reml(Hsb, "mathach ~ (ses+sector)^0 + (1|school)"));
        Add(d, "formula-too-deep", "Formula error at column 111: parentheses nested more than 100 deep",
            Reml(Hsb, "mathach ~ " + new string('(', 150) + "ses" + new string(')', 150) + " + (1|school)"));
        Add(d, "formula-too-wide", "the interaction expands to more than 1000 terms",
            Reml(Hsb, "mathach ~ (minority + female + ses + size + sector + pracad + disclim + himinty + meanses + log(size) + center(ses))^11 + (1 | school)"));
        Add(d, "formula-too-long", "characters long; a formula is at most 10,000",
            Reml(Hsb, "mathach ~ ses" + string.Concat(Enumerable.Repeat(" + ses", 2000)) + " + (1|school)"));
        Add(d, "formula-asis-division-by-zero", "good.csv', line 2: I(y/(x - 2)) is not a finite number where y = 1, x = 2: division by zero in y/(x - 2)",
            Reml(Good, "y ~ I(y/(x - 2)) + (1 | g)"));
        Add(d, "formula-asis-unbalanced", "Formula error at column 16: '|' inside I(...): is the ')' closing the I( at column 5 missing?", Reml(Good, "y ~ I(x^2 + (1 | g)"));
        Add(d, "formula-asis-unclosed", "Formula error at column 14: expected ')' to close the I( at column 9 but the formula ended", Reml(Good, "y ~ x + I(x^2"));
        Add(d, "formula-asis-unknown-column", "Column 'sess' not found in '", Reml(Hsb, "mathach ~ I(sess^2) + (1 | school)"));
        Add(d, "formula-poly-degree-too-high", "poly(x, 5) needs at least 6 distinct values of x; x has 5", Reml(Good, "y ~ poly(x, 5) + (1 | g)"));
        Add(d, "formula-poly-non-integer-degree", "Formula error at column 13: the degree of poly() must be a whole number from 1 to 10, not 1.5", Reml(Good, "y ~ poly(x, 1.5) + (1 | g)"));
        Add(d, "formula-slope-constant-within", "The random slope of 'meanses' on 'school' cannot be estimated: 'meanses' does not vary within any group",
            Reml(Hsb, "mathach ~ ses + meanses + (1 + meanses|school)"));
        Add(d, "formula-slope-level2-sector", "The random slope of 'sector' on 'school' cannot be estimated", Reml(Hsb, "mathach ~ ses + (1 + sector|school)"));
        Add(d, "formula-collinear", "The fixed effects are collinear (the design is rank deficient): 'x2' is a linear combination of 'x'", Reml("{bad}/collinear.csv", "y ~ x + x2 + (1|g)"));
        Add(d, "formula-outcome-as-predictor", "The fixed effects reproduce the outcome 'mathach' exactly", Reml(Hsb, "mathach ~ mathach + (1|school)"));
        Add(d, "formula-fixed-factor-of-group", "Remove the fixed factor of the groups (e.g. factor(school)), or the random intercept", Reml(Hsb, "mathach ~ factor(school) + (1|school)"));
        Add(d, "formula-nested-in-itself", "Each group of 'school' holds exactly one group of 'school:school'", Reml(Hsb, "mathach ~ ses + (1|school/school)"));
        Add(d, "formula-random-intercept-twice", "The random coefficient '(Intercept)' appears twice for grouping factor 'school'", Reml(Hsb, "mathach ~ ses + (1|school) + (1|school)"));
        Add(d, "formula-too-many-random-effects", "The random effects of 'g' number 3 × 2 = 6, not fewer than the 6 rows", Reml(Good, "y ~ x + (1 + x | g)"));

        // ---- Model files ----
        Add(d, "model-missing", "Model file '", ["fit", "{bad}/nomodel.yaml", "--out", "{tmp}/run"]);
        Add(d, "model-empty", "model_empty.yaml' is empty or not a mapping of keys", Fit("model_empty.yaml"));
        Add(d, "model-a-list", "model_not_mapping.yaml' is empty or not a mapping of keys", Fit("model_not_mapping.yaml"));
        Add(d, "model-a-csv", "good.csv' is empty or not a mapping of keys", Fit("good.csv"));
        Add(d, "model-binary", "binary.csv', line 1, column 17: not valid YAML", Fit("binary.csv"));
        Add(d, "model-unknown-key", "model_unknown_key.yaml', line 4, column 1: unknown key 'methd'", Fit("model_unknown_key.yaml"));
        Add(d, "model-no-data", "model_no_data.yaml': no 'data:' key", Fit("model_no_data.yaml"));
        Add(d, "model-data-not-found", "nowhere.csv' not found", Fit("model_data_missing_file.yaml"));
        Add(d, "model-data-escapes", "data: '../../../models/data/hsb.csv' lies outside the model file's folder", Fit("model_data_escape.yaml"));
        Add(d, "model-data-absolute", "data: '/etc/passwd' lies outside the model file's folder", ["reml", "{bad}/model_data_absolute.yaml"]);
        Add(d, "model-no-model", "model_no_model.yaml': no model. Add 'level1:' and 'level2:' sections, or a 'formula:'", Fit("model_no_model.yaml"));
        Add(d, "model-formula-and-levels", "model_formula_and_levels.yaml', line 3, column 10: give the model either as 'formula:' or as levels", Fit("model_formula_and_levels.yaml"));
        Add(d, "model-formula-a-list", "model_formula_list.yaml', line 3, column 10: 'formula' must be a single value", Fit("model_formula_list.yaml"));
        Add(d, "model-duplicate-key", "model_dup_key.yaml', line 4, column 1: not valid YAML (Duplicate key formula)", Fit("model_dup_key.yaml"));
        Add(d, "model-duplicate-prior-key", "model_prior_dup.yaml', line 6, column 3: not valid YAML (Duplicate key fixed)", Fit("model_prior_dup.yaml"));
        Add(d, "model-anchor", "model_anchor.yaml', line 3, column 10: YAML anchors (&f) are not read", Fit("model_anchor.yaml"));
        Add(d, "model-alias", "model_alias.yaml', line 1, column 7: YAML anchors (&n) are not read", Fit("model_alias.yaml"));
        Add(d, "model-two-documents", "model_two_docs.yaml', line 4: a second YAML document", Fit("model_two_docs.yaml"));
        Add(d, "model-bad-indentation", "model_bad_indent.yaml', line 6, column 2: not valid YAML", Fit("model_bad_indent.yaml"));
        Add(d, "model-name-path", "model_name_path.yaml', line 1, column 7: the name '../x' is not a plain name", Fit("model_name_path.yaml"));
        Add(d, "model-method", "model_method_bad.yaml', line 4, column 9: The method must be reml or ml, not 'bayes'", Fit("model_method_bad.yaml"));
        Add(d, "model-by-in-fit", "'by:' is for REML fits (bayeshlm reml)", Fit("model_by_nocol.yaml"));
        Add(d, "model-by-no-column", "Column 'sectr' not found in '", ["reml", "{bad}/model_by_nocol.yaml"]);
        Add(d, "model-known-both", "model_known_both.yaml', line 4, column 11: give the known level-1 spread as known_sd or known_variance, not both", Fit("model_known_both.yaml"));
        Add(d, "model-l1-not-equation", "model_l1_no_eq.yaml', line 4, column 3: level 1: 'y b0 + e' is not an equation", Fit("model_l1_no_eq.yaml"));
        Add(d, "model-l1-coefficient-twice", "model_l1_coef_twice.yaml', line 4, column 3: level 1: 'b0' names two coefficients", Fit("model_l1_coef_twice.yaml"));
        Add(d, "model-l1-unknown-outcome", "Column 'z' not found in '", Fit("model_l1_unknown_outcome.yaml"));
        Add(d, "model-l2-no-group", "model_l2_no_group.yaml', line 6, column 3: level2 needs 'group:'", Fit("model_l2_no_group.yaml"));
        Add(d, "model-l2-no-intercept", "level 2: 'b0 = g01*meanses + u0' has no intercept coefficient", Fit("model_l2_no_intercept.yaml"));
        Add(d, "model-l2-random-effect-on-two", "the random effect 'u0' is in the equations of both b0 and b1", Fit("model_u_twice.yaml"));
        Add(d, "model-l2-two-random-effects", "level 2: two random effects in 'b0 = g00 + u0 + u1'", Fit("model_two_u_one_eq.yaml"));
        Add(d, "model-l2-coefficient-twice", "level 2: two equations for 'b0'", Fit("model_coef_twice.yaml"));
        Add(d, "model-l2-unknown-coefficient", "level 2: 'b2' is not a coefficient of level 1 (those are b0, b1)", Fit("model_l2_unknown_coef.yaml"));
        Add(d, "model-l2-repeats-l1-term", "The equations give the fixed effect x twice (b0 → g01*x and b1 → g10)", Fit("model_l2_repeats_l1.yaml"));
        Add(d, "model-sampler-unknown-key", "model_sampler_unknown.yaml', line 7, column 3: unknown sampler key 'chanis'", Fit("model_sampler_unknown.yaml"));
        Add(d, "model-sampler-text", "model_sampler_text.yaml', line 5, column 9: sampler 'iter' must be a whole number of at least 1, not 'many'", Fit("model_sampler_text.yaml"));
        Add(d, "model-sampler-seed-negative", "model_seed_negative.yaml', line 7, column 9: sampler 'seed' must be a whole number ≥ 0, not '-3'", Fit("model_seed_negative.yaml"));
        Add(d, "model-sampler-scalar", "model_sampler_scalar.yaml', line 4, column 10: 'sampler:' takes keys", Fit("model_sampler_scalar.yaml"));
        Add(d, "model-sampler-zero-chains", "sampler 'chains' must be a whole number of at least 1, not '0'", Fit("model_sampler_zero.yaml"));
        Add(d, "model-sampler-thin-zero", "sampler 'thin' must be a whole number of at least 1, not '0'", Fit("model_sampler_thin0.yaml"));
        Add(d, "model-sampler-iter-below-warmup", "Iterations (100) must exceed warm-up (200)", ["fit", "{bad}/model_sampler_iter_lt_warmup.yaml", "--out", "{tmp}/run", "--quiet"]);
        Add(d, "model-prior-misplaced", "model_prior_misplaced.yaml', line 5, column 3 (priors), 'residual': unknown or misplaced prior 'inv_wishart'", Fit("model_prior_misplaced.yaml"));
        Add(d, "model-prior-no-factor", "The priors name 'group:h', but the model's grouping factors are 'g'", Fit("model_prior_no_factor.yaml"));
        Add(d, "model-residual-prior-known-variance", "so there is no residual variance to put a prior on", Fit("model_known_residual.yaml"));

        // ---- Priors (JSON and YAML) ----
        Add(d, "priors-missing", "Priors file '", Priors("nothere.json"));
        Add(d, "priors-not-json", "prior_not_json.json': not valid JSON (line 1, position 56)", Priors("prior_not_json.json"));
        Add(d, "priors-array", "prior_array.json': the priors must be a JSON object", Priors("prior_array.json"));
        Add(d, "priors-unknown-top-key", "prior_top_unknown.json', 'residul': unknown key", Priors("prior_top_unknown.json"));
        Add(d, "priors-unknown-dist-json", "prior_unknown_dist.json', 'residual': unknown or misplaced prior 'half_normal_sd'", Priors("prior_unknown_dist.json"));
        Add(d, "priors-unknown-dist-yaml", "prior_unknown_dist.yaml', 'residual': unknown or misplaced prior 'half_normal_sd'", Priors("prior_unknown_dist.yaml"));
        Add(d, "priors-misplaced-iw", "prior_misplaced.json', 'residual': unknown or misplaced prior 'inv_wishart'", Priors("prior_misplaced.json"));
        Add(d, "priors-no-dist", "prior_no_dist.json', 'residual': expected an object with a \"dist\" name", Priors("prior_no_dist.json"));
        Add(d, "priors-unknown-key-json", "prior_unknown_key.json', 'fixed': unknown key 'varience'. Did you mean 'variance'?", Priors("prior_unknown_key.json"));
        Add(d, "priors-unknown-key-yaml", "prior_unknown_key.yaml', 'fixed': unknown key 'varience'. Did you mean 'variance'?", Priors("prior_unknown_key.yaml"));
        Add(d, "priors-key-twice-json", "prior_dup_key.json': the key 'residual' is given twice", Priors("prior_dup_key.json"));
        Add(d, "priors-key-twice-yaml", "prior_dup_key.yaml', line 2, column 1: not valid YAML (Duplicate key residual)", Priors("prior_dup_key.yaml"));
        Add(d, "priors-text-value", "prior_text_value.json', 'residual': needs a number 'df'", Priors("prior_text_value.json"));
        Add(d, "priors-negative-scale", "prior_negative.json', 'residual': 'scale' must be positive, not -2", Priors("prior_negative.json"));
        Add(d, "priors-negative-shape-yaml", "prior_negative.yaml', 'residual': 'shape' must be positive, not -1", Priors("prior_negative.yaml"));
        Add(d, "priors-zero-variance", "prior_zero_var.json', 'fixed': 'variance' must be positive, not 0", Priors("prior_zero_var.json"));
        Add(d, "priors-iw-not-pd-json", "The inv_wishart scale for 'g' must be a symmetric positive-definite 2×2 matrix", Priors("prior_iw_not_pd.json", "y ~ x + (1 + x | g)", "{bad}/slopes.csv"));
        Add(d, "priors-iw-not-pd-yaml", "The inv_wishart scale for 'g' must be a symmetric positive-definite 2×2 matrix", Priors("prior_iw_not_pd.yaml", "y ~ x + (1 + x | g)", "{bad}/slopes.csv"));
        Add(d, "priors-iw-wrong-size", "The inv_wishart scale for 'g' must be a symmetric positive-definite 2×2 matrix", Priors("prior_iw_size.json", "y ~ x + (1 + x | g)", "{bad}/slopes.csv"));
        Add(d, "priors-iw-df-too-small", "The inv_wishart df for 'g' is 0.5; with 2 random effects it must exceed 1", Priors("prior_iw_df.json", "y ~ x + (1 + x | g)", "{bad}/slopes.csv"));
        Add(d, "priors-lkj-scales-length", "The lkj_half_t prior for 'g' needs 2 positive scales", Priors("prior_lkj_scales.json", "y ~ x + (1 + x | g)", "{bad}/slopes.csv"));
        Add(d, "priors-no-such-factor", "The priors name 'group:school', but the model's grouping factors are 'g'", Priors("prior_no_factor.json"));
        Add(d, "priors-no-such-term", "'fixed:xx' names the fixed effect 'xx', which the model does not have. Did you mean 'x'?", Priors("prior_no_term.json"));
        Add(d, "priors-two-on-one-fixed", "The fixed effect 'x' has two priors ('fixed:x' and 'fixed_block')", Priors("prior_two_on_fixed.json"));
        Add(d, "priors-residual-known-sd", "The level-1 variances are known (sd from column 'sd'), so there is no residual variance",
            ["sample", "--data", Good, "--formula", F, "--known-sd", "sd", "--priors", "{bad}/prior_residual_known.json", "--out", "{tmp}/run", .. Short]);

        // ---- Options ----
        Add(d, "opt-iter-below-warmup", "Iterations (100) must exceed warm-up (200)", ["sample", "--data", Good, "--formula", F, "--out", "{tmp}/run", "--iter", "100", "--warmup", "200", "--quiet"]);
        Add(d, "opt-iter-equals-warmup", "Iterations (100) must exceed warm-up (100)", ["sample", "--data", Good, "--formula", F, "--out", "{tmp}/run", "--iter", "100", "--warmup", "100", "--quiet"]);
        Add(d, "opt-thin-zero", "Thin must be at least 1, not 0", SampleGood("--thin", "0"));
        Add(d, "opt-chains-zero", "Chains must be at least 1, not 0", SampleGood("--chains", "0"));
        Add(d, "opt-seed-negative", "Cannot parse argument '-1' for option '--seed'", SampleGood("--seed", "-1"));
        Add(d, "opt-chains-text", "Cannot parse argument 'four' for option '--chains' as a whole number", SampleGood("--chains", "four"));
        Add(d, "opt-iter-exponent", "Cannot parse argument '2e3' for option '--iter' as a whole number", ["sample", "--data", Good, "--formula", F, "--out", "{tmp}/run", "--iter", "2e3", "--quiet"]);
        Add(d, "opt-iter-overflow", "Cannot parse argument '99999999999' for option '--iter'", ["sample", "--data", Good, "--formula", F, "--out", "{tmp}/run", "--iter", "99999999999", "--quiet"]);
        Add(d, "opt-out-empty", "The run directory (--out) is empty", ["sample", "--data", Good, "--formula", F, "--out", "", .. Short]);
        Add(d, "opt-out-data-folder", "holds files that are not a run's", ["sample", "--data", Good, "--formula", F, "--out", "{data}", .. Short]);
        Add(d, "opt-out-a-file", "good.csv' is a file, not a folder", ["sample", "--data", Good, "--formula", F, "--out", Good, .. Short]);
        Add(d, "opt-out-existing-run-sample", "holds an earlier run (run.json, summary.csv, draws.csv, reml.json). Give another --out, or --force",
            ["sample", "--data", Good, "--formula", F, "--out", "{runs}/run", .. Short]);
        Add(d, "opt-out-existing-run-fit", "holds an earlier run", ["fit", "{bad}/model_ok.yaml", "--out", "{runs}/run", .. Short]);
        Add(d, "opt-init-unknown", "Initial value for 'sigma9': the model has no such variance parameter. Did you mean 'sigma2'?", SampleGood("--init", "{bad}/init_unknown.json"));
        Add(d, "opt-init-negative", "Initial value for 'sigma2' must be a positive variance, not -4", SampleGood("--init", "{bad}/init_negative.json"));
        Add(d, "opt-init-zero", "Initial value for 'tau2[g:(Intercept)]' must be a positive variance, not 0", SampleGood("--init", "{bad}/init_zero.json"));
        Add(d, "opt-init-missing", "Initial values file '", SampleGood("--init", "{bad}/none.json"));
        Add(d, "opt-init-fit", "Initial value for 'sigma9'", ["fit", "{bad}/model_ok.yaml", "--out", "{tmp}/run", "--init", "{bad}/init_unknown.json", .. Short]);
        Add(d, "opt-known-sd-text", "sd_text.csv', line 3, column 'sd': the value 'one' is not a number", ["sample", "--data", "{bad}/sd_text.csv", "--formula", F, "--known-sd", "sd", "--out", "{tmp}/run", .. Short]);
        Add(d, "opt-known-sd-words", "good.csv', line 2, column 'name': the value 'p' is not a number", SampleGood("--known-sd", "name"));
        Add(d, "opt-known-sd-no-column", "Column 'sdd' not found in '", SampleGood("--known-sd", "sdd"));
        Add(d, "opt-known-both", "Give --known-sd or --known-variance, not both", SampleGood("--known-sd", "sd", "--known-variance", "sd"));
        Add(d, "opt-sample-no-data", "Missing --data FILE", ["sample", "--formula", F, "--out", "{tmp}/run"]);
        Add(d, "opt-sample-no-formula", "Missing --formula", ["sample", "--data", Good, "--out", "{tmp}/run"]);
        Add(d, "opt-reml-model-and-formula", "Give either a model file or --formula, not both", ["reml", "{bad}/model_ok.yaml", "--data", Good, "--formula", F]);
        Add(d, "opt-method-bad", "Argument 'bayes' not recognized", ["reml", "--data", Good, "--formula", F, "--method", "bayes"]);
        Add(d, "opt-by-no-column", "Column 'sectr' not found in '", ["reml", "--data", Good, "--formula", F, "--by", "sectr"]);
        Add(d, "opt-fit-no-model", "Missing the model file: bayeshlm fit MODEL.yaml (or bayeshlm fit --resume DIR", ["fit"]);
        Add(d, "opt-checkpoint-every-zero", "--checkpoint-every must be a number of seconds above 0", ["fit", "{bad}/model_ok.yaml", "--out", "{tmp}/run", "--checkpoint-every", "0", .. Short]);

        // ---- --resume ----
        Add(d, "resume-not-a-run", "not_a_run' is not a run directory: no run.json there", ["fit", "--resume", "{runs}/not_a_run"]);
        Add(d, "resume-no-folder", "nothing' is not a run directory: no run.json there", ["sample", "--resume", "{tmp}/nothing"]);
        Add(d, "resume-complete", "run' is complete: there is nothing to resume", ["fit", "--resume", "{runs}/run"]);
        Add(d, "resume-no-checkpoint", "no_checkpoint' has no checkpoint (checkpoint.chainN.bin), so the run cannot be resumed", ["sample", "--resume", "{runs}/no_checkpoint"]);
        Add(d, "resume-data-changed", "changed.csv' has changed since the run (its SHA-256 is not the one in run.json): the run cannot be continued on other data", ["fit", "--resume", "{runs}/interrupted_data_changed"]);
        Add(d, "resume-locked", "locked' is being written by another bayeshlm (process", ["fit", "--resume", "{runs}/locked"]);
        Add(d, "resume-with-model-file", "give it alone (with --quiet or --checkpoint-every if you like), not with the model file '", ["fit", "{bad}/model_ok.yaml", "--resume", "{runs}/interrupted"]);
        Add(d, "resume-with-seed", "not with --seed", ["fit", "--resume", "{runs}/interrupted", "--seed", "3"]);
        Add(d, "resume-with-data-and-iter", "not with --data, --iter", ["sample", "--resume", "{runs}/interrupted", "--data", Good, "--iter", "300"]);
        Add(d, "resume-with-force", "not with --force", ["sample", "--resume", "{runs}/interrupted", "--force"]);
        Add(d, "opt-unknown-command", "Unrecognized command or argument 'fitt'", ["fitt", "x"]);

        // ---- compare / plot / report ----
        foreach (var command in new[] { "compare", "plot", "report", "ppc", "loo" })
        {
            Add(d, $"{command}-not-a-run", "not_a_run' is not a run directory: no run.json there", [command, "{runs}/not_a_run"]);
            Add(d, $"{command}-data-changed", "changed.csv' has changed since the run", [command, "{runs}/data_changed"]);
            Add(d, $"{command}-foreign-draws", "foreign_draws/draws.csv' is not the file this run wrote", [command, "{runs}/foreign_draws"]);
            Add(d, $"{command}-no-draws", "no_draws' has no draws.csv", [command, "{runs}/no_draws"]);
            Add(d, $"{command}-bad-manifest", "bad_manifest/run.json' is not valid JSON", [command, "{runs}/bad_manifest"]);
        }
        Add(d, "compare-a-file", "good.csv' is not a run directory", ["compare", Good]);

        // ---- loo / predict / reml's residuals and predictions ----
        Add(d, "loo-nothing", "Give run directories (bayeshlm loo runs/a runs/b) or log-likelihood files", ["loo"]);
        Add(d, "loo-groups-unknown", "--groups h: run '", ["loo", "{runs}/run", "--groups", "h"]);
        Add(d, "loo-groups-unknown-names-factors", "has no grouping factor 'h'. Its factors: g", ["loo", "{runs}/run", "--groups", "h"]);
        Add(d, "loo-groups-without-runs", "--groups reads run directories", ["loo", "--loglik", "{bad}/draws_a.csv", "--groups", "g"]);
        Add(d, "loo-different-data", "were fitted to different data", ["loo", "{runs}/run", "{runs}/other_data"]);
        Add(d, "loo-write-loglik-two-runs", "--write-loglik writes one run's matrix: give one run", ["loo", "{runs}/run", "{runs}/other", "--write-loglik", "{tmp}/ll.csv"]);
        Add(d, "predict-no-data", "Give the new rows: bayeshlm predict DIR --data new.csv", ["predict", "{runs}/run"]);
        Add(d, "predict-missing-file", "nope.csv' does not exist", ["predict", "{runs}/run", "--data", "{bad}/nope.csv"]);
        Add(d, "predict-missing-column", "Column 'x' not found in '", ["predict", "{runs}/run", "--data", Hsb]);
        Add(d, "predict-not-a-run", "not_a_run' is not a run directory", ["predict", "{runs}/not_a_run", "--data", Good]);
        Add(d, "reml-residuals-with-by", "--residuals and --predict are for one fit, not for --by", [.. Reml(Good, F), "--residuals", "{tmp}/res", "--by", "g"]);
        Add(d, "reml-predict-missing-file", "--predict: the file '", [.. Reml(Good, F), "--predict", "{bad}/nope.csv"]);

        // ---- diagnose ----
        Add(d, "diag-missing", "Draws file '", ["diagnose", "{bad}/nodraws.csv"]);
        Add(d, "diag-empty", "empty.csv' is empty", ["diagnose", "{bad}/empty.csv"]);
        Add(d, "diag-no-chain-column", "draws_no_chain.csv', line 1: no 'chain' column", ["diagnose", "{bad}/draws_no_chain.csv"]);
        Add(d, "diag-fewer-than-4", "Only 3 draws per chain in '", ["diagnose", "{bad}/draws_few.csv"]);
        Add(d, "diag-cmdstan-fewer-than-4", "Only 2 draws per chain in '", ["diagnose", "{bad}/cmdstan_few.csv"]);
        Add(d, "diag-repeated-draw", "draws_repeat.csv', line 4: chain 1, iteration 2 is already at line 3", ["diagnose", "{bad}/draws_repeat.csv"]);
        Add(d, "diag-parameter-twice", "draws_param_twice.csv', line 1: the parameter 'mu' has two columns (3 and 4)", ["diagnose", "{bad}/draws_param_twice.csv"]);
        Add(d, "diag-unequal-chains", "The chains have different numbers of draws", ["diagnose", "{bad}/draws_unequal.csv"]);
        Add(d, "diag-different-parameters", "draws_b.csv' has other parameters than '", ["diagnose", "{bad}/draws_a.csv", "{bad}/draws_b.csv"]);
        Add(d, "diag-text-value", "draws_text.csv', line 3, column 'mu': 'abc' is not a number", ["diagnose", "{bad}/draws_text.csv"]);
        Add(d, "diag-text-chain", "draws_chain_text.csv', line 3, column 'chain': 'x' is not a number", ["diagnose", "{bad}/draws_chain_text.csv"]);
        Add(d, "diag-ragged", "draws_ragged.csv', line 3: 2 fields, but the header has 3", ["diagnose", "{bad}/draws_ragged.csv"]);
        Add(d, "diag-no-parameters", "draws_no_params.csv': no parameter columns", ["diagnose", "{bad}/draws_no_params.csv"]);
        Add(d, "diag-vars-unknown", "No parameter 'muu' in the draws. Did you mean 'mu'?", ["diagnose", "{bad}/draws_a.csv", "--vars", "muu"]);
        Add(d, "diag-probs-above-one", "--probs: '1.5' is not a probability between 0 and 1", ["diagnose", "{bad}/draws_a.csv", "--probs", "1.5"]);
        Add(d, "diag-probs-text", "--probs: 'a' is not a probability between 0 and 1", ["diagnose", "{bad}/draws_a.csv", "--probs", "a,b"]);
        Add(d, "diag-level-two", "--level must be between 0 and 1 (e.g. 0.9), not 2", ["diagnose", "{bad}/draws_a.csv", "--level", "2"]);
        Add(d, "diag-level-zero", "--level must be between 0 and 1 (e.g. 0.9), not 0", ["diagnose", "{bad}/draws_a.csv", "--level", "0"]);
        return d;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    // Bugs the corpus found, fixed since, each with the message it now gives.
    // The formula and data options added with the corpus.
    [InlineData("weights-zero", "weights_zero.csv', line 3, column 'w': a precision weight must be positive", new[] { "reml", "--data", "{bad}/weights_zero.csv", "--formula", F, "--weights", "w" })]
    [InlineData("weights-and-known-sd", "Give precision weights or known level-1 variances, not both", new[] { "sample", "--data", Good, "--formula", F, "--weights", "x", "--known-sd", "sd", "--out", "{tmp}/run", "--quiet" })]
    [InlineData("decimal-comma-with-commas", "with --decimal-comma the fields must be separated by ';'", new[] { "reml", "--data", Good, "--formula", F, "--decimal-comma" })]
    [InlineData("offset-in-interaction", "offset(x) stands alone", new[] { "reml", "--data", Good, "--formula", "y ~ x:offset(x) + (1 | g)" })]
    [InlineData("sqrt-of-negative", "weights_zero.csv', line 6, column 'x': sqrt(x) is not a finite number", new[] { "reml", "--data", "{bad}/weights_zero.csv", "--formula", "y ~ sqrt(x) + (1 | g)" })]
    [InlineData("fixed-formula-random-without-bar", "no '| group'", new[] { "reml", "--data", Hsb, "--formula", "mathach ~ ses + (1 + ses)" })]
    [InlineData("fixed-unknown-option-not-named", "--metod", new[] { "reml", "--data", Good, "--formula", F, "--metod", "ml" })]
    [InlineData("fixed-init-text-value", "'sigma2'", new[] { "sample", "--data", Good, "--formula", F, "--out", "{tmp}/run", "--quiet", "--init", "{bad}/init_text.json" })]
    [InlineData("fixed-model-tab-indent-location", "line 4", new[] { "fit", "{bad}/model_tab_indent.yaml", "--out", "{tmp}/run", "--quiet" })]
    [InlineData("fixed-sampler-chains-location", "line 7, column 11", new[] { "fit", "{bad}/model_sampler_zero.yaml", "--out", "{tmp}/run", "--quiet" })]
    [InlineData("fixed-sampler-thin-location", "line 7, column 9", new[] { "fit", "{bad}/model_sampler_thin0.yaml", "--out", "{tmp}/run", "--quiet" })]
    [InlineData("fixed-l2-equation-location", "line 9", new[] { "fit", "{bad}/model_u_twice.yaml", "--out", "{tmp}/run", "--quiet" })]
    [InlineData("fixed-sampler-iter-negative", "at least 1", new[] { "fit", "{bad}/model_sampler_negative.yaml", "--out", "{tmp}/run", "--quiet" })]
    [InlineData("fixed-diagnose-folder", "is a folder", new[] { "diagnose", "{bad}" })]
    [InlineData("fixed-fit-folder", "is a folder", new[] { "fit", "{bad}", "--out", "{tmp}/run" })]
    [InlineData("fixed-diagnose-csv-to-folder", "--csv", new[] { "diagnose", "{bad}/draws_a.csv", "--csv", "{bad}" })]
    [InlineData("fixed-diagnose-binary", "binary", new[] { "diagnose", "{bad}/binary.csv" })]
    [InlineData("fixed-diagnose-zip", "ZIP", new[] { "diagnose", "{bad}/zip.csv" })]
    [InlineData("fixed-diagnose-same-file-twice", "twice", new[] { "diagnose", "{bad}/draws_a.csv", "{bad}/draws_a.csv" })]
    [InlineData("fixed-truncated-gzip", "truncated", new[] { "reml", "--data", "{bad}/truncated.csv.gz", "--formula", F })]
    public void ABadInput_GivesExitCode2AndAMessageSayingWhatAndWhere(string id, string fragment, string[] args)
    {
        using var folder = new TestFolder();
        string[] expanded = args.Select(a => a
            .Replace("{bad}", BadDirectory)
            .Replace("{data}", Path.Combine(RepositoryPaths.RepositoryDirectory, "models", "data"))
            .Replace("{runs}", runs.RunsPath)
            .Replace("{tmp}", folder.Path)).ToArray();

        var r = CliRunner.RunIn(folder.Path, expanded);

        Assert.True(r.ExitCode == 2, $"[{id}] expected exit code 2\n{r}");
        Assert.True(r.StdErr.Contains(fragment, StringComparison.Ordinal), $"[{id}] stderr lacks \"{fragment}\"\n{r}");
        Assert.False(r.StdErr.Contains("   at ", StringComparison.Ordinal), $"[{id}] stack trace\n{r}");
        Assert.False(r.StdErr.Contains("System.", StringComparison.Ordinal), $"[{id}] .NET type name in the message\n{r}");
    }
}
