using System.CommandLine;
using BayesHlm.Data;
using BayesHlm.Prediction;
using BayesHlm.Reporting;

namespace BayesHlm.Cli;

/// <summary><c>bayeshlm predict DIR --data new.csv</c>: posterior predictions for new rows.</summary>
internal static class PredictCommand
{
    public static Command Create(TextWriter output)
    {
        var dir = new Argument<string>("run") { Description = "A run directory written by 'bayeshlm fit' or 'bayeshlm sample --out'." };
        var data = new Option<string?>("--data") { Description = "The new rows (CSV with the model's columns; the outcome may be left out)." };
        var groups = new Option<string>("--groups") { Description = "existing (default): rows in groups the run has seen use those groups' effects, the others are new groups; new: every row as in a new group.", DefaultValueFactory = _ => "existing" };
        groups.AcceptOnlyFromAmong("existing", "new");
        var outFile = new Option<string?>("--out") { Description = "The CSV file to write (default DIR/predictions.csv)." };
        var seed = new Option<ulong>("--seed") { Description = "Seed of the predictive draws (default 1).", DefaultValueFactory = _ => 1 };
        var cmd = new Command("predict",
            "Predictions for new rows from a finished run, per draw then summarised: the expected outcome (brms's posterior_epred) and a new observation (posterior_predict), with 95% intervals.\n\n" +
            "Examples:\n  bayeshlm predict runs/hsb_slopes_as_outcomes --data new_students.csv\n  bayeshlm predict runs/hsb_slopes_as_outcomes --data new_schools.csv --groups new --out pred.csv")
        { dir, data, groups, outFile, seed };
        cmd.SetAction(parse =>
        {
            string path = parse.GetValue(dir)!;
            CliApp.RejectUnknownOption([path], "predict");
            string dataPath = parse.GetValue(data) ?? throw new ModelSpecificationException("Give the new rows: bayeshlm predict DIR --data new.csv.");
            if (!File.Exists(dataPath)) throw new ModelSpecificationException($"The new data file '{dataPath}' does not exist.");
            var run = FinishedRun.Load(path);
            var table = DataTable.ReadCsv(dataPath, run.Manifest.Model.LabelColumns, run.Manifest.Data.MissingValues, run.Manifest.Data.DecimalComma);
            var predictions = PosteriorPrediction.Run(run, table, parse.GetValue(groups) == "new", parse.GetValue(seed));
            string target = parse.GetValue(outFile) ?? Path.Combine(path, "predictions.csv");
            AtomicFile.WriteText(target, PredictionWriters.ToCsv(predictions));
            output.Write(PredictionWriters.ToText(predictions));
            output.WriteLine($"\nEvery row written to {target}.");
            return CliApp.Ok;
        });
        return cmd;
    }
}
