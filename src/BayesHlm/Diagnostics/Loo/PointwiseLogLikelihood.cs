using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace BayesHlm.Diagnostics.Loo;

/// <summary>
/// The log-likelihood of each observation under each posterior draw: S draws × N observations, the input of
/// PSIS-LOO and WAIC. Stored observation by observation (observation i's S draws at [i·S, i·S + S)) because
/// every computation works on one observation's draws at a time. Draws are in chain order, chains of equal
/// length, every value finite — what loo's <c>relative_eff</c> and <c>validate_ll</c> require. Immutable.
/// </summary>
public sealed class PointwiseLogLikelihood
{
    private readonly double[] _values;
    private readonly int[] _chainOfDraw;

    /// <summary>Wraps the values without copying them (the caller must not change them afterwards).</summary>
    /// <param name="values">draws × names.Length values, observation by observation: observation i's draws at [i·draws, (i+1)·draws).</param>
    /// <param name="draws">Draws per observation (all chains together).</param>
    /// <param name="chainOfDraw">The chain of each draw: non-decreasing (a chain's draws together), every chain the same length.</param>
    /// <param name="names">Observation names.</param>
    public PointwiseLogLikelihood(double[] values, int draws, int[] chainOfDraw, string[] names)
    {
        ArgumentNullException.ThrowIfNull(values);
        ArgumentNullException.ThrowIfNull(chainOfDraw);
        ArgumentNullException.ThrowIfNull(names);
        if (draws < 1 || names.Length < 1) throw new ArgumentException("At least one draw and one observation are needed.");
        if (values.LongLength != (long)draws * names.Length)
            throw new ArgumentException($"{draws} draws × {names.Length} observations need {(long)draws * names.Length} values, not {values.LongLength}.", nameof(values));
        if (chainOfDraw.Length != draws)
            throw new ArgumentException($"One chain number per draw is needed ({draws}), not {chainOfDraw.Length}.", nameof(chainOfDraw));
        int chains = 1;
        for (int d = 1; d < draws; d++)
        {
            if (chainOfDraw[d] < chainOfDraw[d - 1])
                throw new ArgumentException($"Draws must be in chain order: draw {d + 1} is of chain {chainOfDraw[d]} after a draw of chain {chainOfDraw[d - 1]}.", nameof(chainOfDraw));
            if (chainOfDraw[d] != chainOfDraw[d - 1]) chains++;
        }
        if (draws % chains != 0 || Enumerable.Range(0, chains).Any(c => chainOfDraw[c * (draws / chains)] != chainOfDraw[(c + 1) * (draws / chains) - 1]))
            throw new ArgumentException("The chains have different numbers of draws; loo's relative efficiency needs chains of equal length.", nameof(chainOfDraw));
        for (long k = 0; k < values.LongLength; k++)
            if (!double.IsFinite(values[k]))
                throw new ArgumentException($"The log-likelihood of observation '{names[k / draws]}' under draw {k % draws + 1} is {values[k]}: loo needs finite values.", nameof(values));
        _values = values;
        _chainOfDraw = chainOfDraw;
        Draws = draws;
        Chains = chains;
        Names = names;
    }

    /// <summary>Reads our log-likelihood CSV: a header <c>chain,iteration,&lt;observation&gt;…</c> (quoted or not; the
    /// iteration column may be left out), then one row per draw. Rows are grouped by chain in chain-number order.
    /// A <see cref="DataException"/> naming the line and column of anything that is not a finite number, ragged
    /// rows, chains of unequal length, a missing or empty file.</summary>
    /// <param name="path">The CSV file.</param>
    public static PointwiseLogLikelihood ReadCsv(string path) => LogLikelihoodCsv.Read(path);

    /// <summary>S, the number of draws (all chains).</summary>
    public int Draws { get; }

    /// <summary>N, the number of observations.</summary>
    public int Observations => Names.Count;

    /// <summary>Number of chains.</summary>
    public int Chains { get; }

    /// <summary>Draws per chain.</summary>
    public int DrawsPerChain => Draws / Chains;

    /// <summary>Observation names, in column order.</summary>
    public IReadOnlyList<string> Names { get; }

    /// <summary>The chain of each draw, as given.</summary>
    public IReadOnlyList<int> ChainOfDraw => _chainOfDraw;

    /// <summary>The S log-likelihood values of <paramref name="observation"/> (0-based), chain after chain.</summary>
    public ReadOnlySpan<double> Observation(int observation)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(observation);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(observation, Observations);
        // The matrix may pass 2^31 values (an int offset), though no observation's draws do.
        return MemoryMarshal.CreateReadOnlySpan(ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_values), (nint)observation * Draws), Draws);
    }
}
