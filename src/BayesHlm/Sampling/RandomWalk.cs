using BayesHlm.Statistics;

namespace BayesHlm.Sampling;

/// <summary>A log density of one real variable, up to a constant. A struct implementing it is passed by value to
/// <see cref="RandomWalk.Step{T}"/>, so a sweep allocates nothing.</summary>
internal interface ILogDensity
{
    double At(double x);
}

/// <summary>
/// A one-dimensional random-walk Metropolis–Hastings step on an unconstrained scale, its proposal sd adapted
/// towards 0.44 acceptance (Roberts and Rosenthal 2001) during warm-up only and frozen after.
/// </summary>
internal sealed class RandomWalk
{
    private double _logScale = Math.Log(0.2);
    private int _proposals, _accepted;

    public double AcceptanceRate => _proposals == 0 ? double.NaN : (double)_accepted / _proposals;

    /// <summary>One MH step from <paramref name="x"/> for the log target <paramref name="target"/>; returns the new state.</summary>
    public double Step<T>(double x, in T target, Random rng, bool adapt) where T : struct, ILogDensity
    {
        double proposal = x + Math.Exp(_logScale) * rng.NextStandardNormal();
        double logRatio = target.At(proposal) - target.At(x);
        bool accept = Math.Log(1 - rng.NextDouble()) < logRatio;
        _proposals++;
        if (accept) _accepted++;
        if (adapt) _logScale += ((accept ? 1 : 0) - 0.44) / Math.Sqrt(_proposals + 10);
        return accept ? proposal : x;
    }

    /// <summary>The adapted scale and the counts, for a checkpoint.</summary>
    public void SaveState(CheckpointWriter into)
    {
        into.Write(_logScale);
        into.Write(_proposals);
        into.Write(_accepted);
    }

    /// <summary>Reads back what <see cref="SaveState"/> wrote.</summary>
    public void RestoreState(CheckpointReader from)
    {
        _logScale = from.ReadDouble();
        _proposals = checked((int)from.ReadInt64());
        _accepted = checked((int)from.ReadInt64());
    }
}
