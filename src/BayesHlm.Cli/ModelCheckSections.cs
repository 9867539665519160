using BayesHlm.ModelChecks;
using BayesHlm.Reporting;

namespace BayesHlm.Cli;

/// <summary>The report's model checks for a run: its predictive check (prior predictive for a prior-only run), and
/// what could not be checked said instead of failing the report.</summary>
internal static class ModelCheckSections
{
    public static ModelCheckSection For(FinishedRun run, string directory)
    {
        PredictiveCheckResult? ppc = null;
        var notChecked = new List<string>();
        IReadOnlyList<string> plots = [];
        try
        {
            bool prior = run.Manifest.Sampler.PriorOnly;
            ppc = PosteriorPredictiveCheck.Run(ModelCheckInputs.Rows(run, 1), prior, 1) with { Prior = prior };
            plots = Plots.WriteChecks(ppc, Path.Combine(directory, "plots"));
        }
        catch (ModelSpecificationException e)
        {
            // A model whose group effects were not saved and cannot be redrawn: the report says so and goes on.
            notChecked.Add($"No predictive check: {e.Message}");
        }
        string? loo = null;
        if (!run.Manifest.Sampler.PriorOnly)
            try
            {
                var model = LooCommand.ReadRun(run, Path.GetFileName(Path.GetFullPath(directory).TrimEnd(Path.DirectorySeparatorChar)), null, 1).Model;
                loo = Diagnostics.Loo.LooTextReport.ToText(model);
            }
            catch (ModelSpecificationException e)
            {
                notChecked.Add($"No leave-one-out estimate: {e.Message}");
            }
        return new ModelCheckSection(ppc, plots, loo, notChecked);
    }
}
