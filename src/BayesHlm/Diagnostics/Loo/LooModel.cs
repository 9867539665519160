namespace BayesHlm.Diagnostics.Loo;

/// <summary>What is reported of one model's pointwise log-likelihood: its PSIS-LOO and its WAIC.</summary>
/// <param name="Name">The model's name, for tables and comparisons.</param>
/// <param name="Loo">PSIS-LOO, with r_eff from the chains.</param>
/// <param name="Waic">WAIC.</param>
public sealed record LooModel(string Name, LooResult Loo, Waic Waic)
{
    /// <summary>PSIS-LOO and WAIC of <paramref name="logLikelihood"/>.</summary>
    /// <param name="name">The model's name.</param>
    /// <param name="logLikelihood">Its pointwise log-likelihood.</param>
    public static LooModel Compute(string name, PointwiseLogLikelihood logLikelihood) =>
        new(name, PsisLoo.Compute(logLikelihood), Waic.Compute(logLikelihood));

    /// <summary>PSIS-LOO and WAIC of a log-likelihood that is computed a block of observations at a time, never held
    /// whole: <paramref name="fill"/>(from, to, into) writes observations [from, to) into a buffer (observation by
    /// observation), which the next block reuses. Each observation's results depend on its own draws only, so they
    /// are those of the whole matrix; memory is one block's, and the pages of a large fresh matrix are not touched.</summary>
    /// <param name="name">The model's name.</param>
    /// <param name="draws">Draws per observation.</param>
    /// <param name="chainOfDraw">The chain of each draw.</param>
    /// <param name="names">Observation names.</param>
    /// <param name="fill">Writes a block's values.</param>
    /// <param name="seen">Given each block as it is computed (to accumulate what needs every value, as DIC does).</param>
    /// <param name="blockSize">Observations per block (default: 4 million values' worth).</param>
    public static LooModel Compute(string name, int draws, int[] chainOfDraw, string[] names, Action<int, int, double[]> fill, Action<PointwiseLogLikelihood>? seen = null, int? blockSize = null)
    {
        ArgumentNullException.ThrowIfNull(names);
        ArgumentNullException.ThrowIfNull(fill);
        int n = names.Length, block = Math.Clamp(blockSize ?? 4_000_000 / Math.Max(draws, 1), 1, n);
        double[] elpd = new double[n], pLoo = new double[n], k = new double[n], nEff = new double[n], mcse = new double[n], rEff = new double[n];
        double[] elpdWaic = new double[n], pWaic = new double[n];
        double[]? buffer = null;
        for (int from = 0; from < n; from += block)
        {
            int to = Math.Min(n, from + block);
            if (buffer is null || buffer.Length != (to - from) * draws) buffer = new double[(to - from) * draws];
            fill(from, to, buffer);
            var part = new PointwiseLogLikelihood(buffer, draws, chainOfDraw, names[from..to]);
            seen?.Invoke(part);
            var loo = PsisLoo.Compute(part);
            var waic = Waic.Compute(part);
            for (int i = from; i < to; i++)
            {
                int j = i - from;
                (elpd[i], pLoo[i], k[i], nEff[i], mcse[i], rEff[i]) = (loo.PointwiseElpdLoo[j], loo.PointwisePLoo[j], loo.ParetoK[j], loo.NEff[j], loo.PointwiseMcseElpdLoo[j], loo.RelativeEfficiency[j]);
                (elpdWaic[i], pWaic[i]) = (waic.PointwiseElpdWaic[j], waic.PointwisePWaic[j]);
            }
        }
        return new(name, new LooResult(draws, names, elpd, pLoo, k, nEff, mcse, rEff), Waic.FromPointwise(elpdWaic, pWaic));
    }
}
