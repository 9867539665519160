using BayesHlm.Reporting;

namespace BayesHlm.ModelChecks;

/// <summary>What the model checks read from a finished run: its rows and draws, as the sampler's statistics see them.</summary>
internal static class ModelCheckInputs
{
    /// <summary>The run's rows and draws; group effects not saved by the run are drawn with <paramref name="seed"/>.</summary>
    internal static RowPredictor Rows(FinishedRun run, ulong seed)
    {
        ArgumentNullException.ThrowIfNull(run);
        var s = run.Statistics.ForSampler();
        return new RowPredictor(s, run.Design, new DrawReader(s, run.Priors, run.Draws), seed);
    }
}
