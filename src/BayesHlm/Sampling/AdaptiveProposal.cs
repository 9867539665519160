using BayesHlm.Statistics;
using BayesHlm.Statistics.Linalg;

namespace BayesHlm.Sampling;

/// <summary>
/// The Gaussian random-walk proposal of a d-dimensional Metropolis–Hastings move, adapted during warm-up only
/// (Haario et al. 2001; Roberts and Rosenthal 2009): its shape is the covariance of the states visited so far, its
/// size is tuned by Robbins–Monro towards 0.44 acceptance in one dimension and 0.234 in several. Frozen after
/// warm-up, so the kept chain is Markov. Allocation-free per proposal.
/// </summary>
internal sealed class AdaptiveProposal
{
    private const int MinimumForShape = 200;
    private readonly int _d;
    private readonly double[] _mean, _scatter, _chol, _z;
    private double _logScale;
    private long _seen, _proposals, _accepted;

    public AdaptiveProposal(int d, double initialScale)
    {
        _d = d;
        _mean = new double[d];
        _scatter = new double[d * d];
        _chol = new double[d * d];
        _z = new double[d];
        for (int i = 0; i < d; i++) _chol[i * d + i] = 1;
        _logScale = Math.Log(initialScale);
    }

    public double AcceptanceRate => _proposals == 0 ? double.NaN : (double)_accepted / _proposals;

    /// <summary>proposal = from + scale · L z.</summary>
    public void Propose(ReadOnlySpan<double> from, Span<double> proposal, Random rng)
    {
        int d = _d;
        double scale = Math.Exp(_logScale);
        for (int i = 0; i < d; i++) _z[i] = rng.NextStandardNormal();
        for (int i = 0; i < d; i++)
        {
            double v = 0;
            for (int j = 0; j <= i; j++) v += _chol[i * d + j] * _z[j];
            proposal[i] = from[i] + scale * v;
        }
    }

    /// <summary>
    /// <paramref name="moves"/> random-walk Metropolis–Hastings moves of <paramref name="phi"/> (in place) against
    /// <paramref name="logTarget"/>, starting from its value <paramref name="current"/> there; <paramref name="proposal"/>
    /// is a buffer. Returns whether any move was accepted. The delegate should be created once, not per call.
    /// </summary>
    public bool Walk(double[] phi, double[] proposal, double current, Func<double[], double> logTarget, int moves, Random rng, bool adapt)
    {
        bool moved = false;
        for (int move = 0; move < moves; move++)
        {
            Propose(phi, proposal, rng);
            double next = logTarget(proposal);
            bool accept = Math.Log(1 - rng.NextDouble()) < next - current;
            if (accept)
            {
                Array.Copy(proposal, phi, phi.Length);
                current = next;
                moved = true;
            }
            Record(accept, phi, adapt);
        }
        return moved;
    }

    /// <summary>Records the outcome of a proposal and the state the chain is now in; adapts when <paramref name="adapt"/>.</summary>
    public void Record(bool accepted, ReadOnlySpan<double> state, bool adapt)
    {
        _proposals++;
        if (accepted) _accepted++;
        if (!adapt) return;
        double target = _d == 1 ? 0.44 : 0.234;
        _logScale += ((accepted ? 1 : 0) - target) / Math.Sqrt(_proposals + 10);
        // Welford's running covariance of the visited states.
        _seen++;
        int d = _d;
        Span<double> delta = stackalloc double[d];
        for (int i = 0; i < d; i++) { delta[i] = state[i] - _mean[i]; _mean[i] += delta[i] / _seen; }
        for (int i = 0; i < d; i++)
            for (int j = 0; j < d; j++) _scatter[i * d + j] += delta[i] * (state[j] - _mean[j]);
        if (_seen >= MinimumForShape && _seen % 50 == 0) UpdateShape();
    }

    /// <summary>Everything the proposal has learnt — scale, the visited states' mean and scatter, the shape L — and its
    /// counts, for a checkpoint.</summary>
    public void SaveState(CheckpointWriter into)
    {
        into.Write(_logScale);
        into.Write(_seen);
        into.Write(_proposals);
        into.Write(_accepted);
        into.Write(_mean);
        into.Write(_scatter);
        into.Write(_chol);
    }

    /// <summary>Reads back what <see cref="SaveState"/> wrote.</summary>
    public void RestoreState(CheckpointReader from)
    {
        _logScale = from.ReadDouble();
        _seen = from.ReadInt64();
        _proposals = from.ReadInt64();
        _accepted = from.ReadInt64();
        from.ReadInto(_mean);
        from.ReadInto(_scatter);
        from.ReadInto(_chol);
    }

    /// <summary>L from the states' covariance (regularised so it stays positive definite); the size already tuned
    /// for the unit shape is rescaled so the proposal's overall spread does not jump.</summary>
    private void UpdateShape()
    {
        int d = _d;
        var c = new double[d * d];
        double trace = 0;
        for (int i = 0; i < d; i++) trace += _scatter[i * d + i] / (_seen - 1);
        for (int i = 0; i < d; i++)
            for (int j = 0; j < d; j++) c[i * d + j] = _scatter[i * d + j] / (_seen - 1) + (i == j ? 1e-6 * (trace / d + 1e-12) : 0);
        if (!Dense.CholeskyInPlace(c, d)) return;
        double oldSize = 0, newSize = 0;
        for (int i = 0; i < d * d; i++) { oldSize += _chol[i] * _chol[i]; newSize += c[i] * c[i]; }
        Array.Copy(c, _chol, d * d);
        _logScale += 0.5 * Math.Log(oldSize / newSize);
    }
}
