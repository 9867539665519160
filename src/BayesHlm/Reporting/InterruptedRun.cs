namespace BayesHlm.Reporting;

/// <summary>
/// Whether a run directory holds a run that <c>--resume</c> may continue, checked before anything is read or written:
/// a run (run.json), not complete, not being written by a running process, with checkpoints, and with its data file
/// and files as the run left them.
/// </summary>
internal static class InterruptedRun
{
    /// <summary>The run's manifest, when it may be resumed.</summary>
    /// <exception cref="ModelSpecificationException">It may not, and why.</exception>
    public static RunManifest Check(string directory)
    {
        if (string.IsNullOrWhiteSpace(directory))
            throw new ModelSpecificationException("--resume needs the run directory of an interrupted run, e.g. --resume runs/mine.");
        string runJson = Path.Combine(directory, "run.json");
        if (!Directory.Exists(directory) || !File.Exists(runJson))
            throw new ModelSpecificationException($"'{directory}' is not a run directory: no run.json there. --resume continues an interrupted run of 'bayeshlm fit' or 'bayeshlm sample' in the directory it wrote.");
        RunFolder.RefuseIfLocked(directory);
        var manifest = RunManifest.Read(runJson);
        if (manifest.Complete)
            throw new ModelSpecificationException($"The run in '{directory}' is complete: there is nothing to resume. Its draws are in draws.csv; to run it again, use --force without --resume.");
        if (!RunCheckpoints.AnyIn(directory))
            throw new ModelSpecificationException($"'{directory}' has no checkpoint (checkpoint.chainN.bin), so the run cannot be resumed: it was written by a bayeshlm that did not save them, or they were removed. Run the model again (--force).");
        manifest.CheckData("the run cannot be continued on other data. Restore the file, or run the model again (--force).");
        manifest.CheckFiles(directory);
        return manifest;
    }
}
