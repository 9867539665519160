using BayesHlm.Statistics;
using BayesHlm.Statistics.Linalg;

namespace BayesHlm.Estimation;

/// <summary>
/// One level's relative covariance Σ_k/σ² written through the lower Cholesky factor Λ′ of its terms in another order,
/// the terms a profiled parameter involves first, in the user's coordinates. There the parameter is a function of Λ′'s
/// first rows alone — the first term's sd is |Λ′₀₀|·σ, the correlation of the first two the direction of row 1 — so
/// fixing it fixes those rows and leaves the rest free. The kernel gets Λ_k back as the Cholesky factor of Σ_k in its
/// own order and coordinates (<see cref="SufficientStatistics.Coordinates"/>).
/// </summary>
internal sealed class PermutedFactor
{
    private readonly SufficientStatistics _statistics;
    private readonly int _level, _q;
    private readonly int[] _order; // _order[r]: the term in row r of Λ′

    /// <param name="statistics">The statistics the kernel factorises (<see cref="SufficientStatistics.ForReml"/>'s).</param>
    /// <param name="level">The grouping level.</param>
    /// <param name="first">The terms that come first, in this order; the others follow in theirs.</param>
    public PermutedFactor(SufficientStatistics statistics, int level, params int[] first)
    {
        _statistics = statistics;
        _level = level;
        _q = statistics.Levels[level].Size;
        _order = first.Concat(Enumerable.Range(0, _q).Except(first)).ToArray();
        // A structured Σ_k is block diagonal, and the Cholesky factor of a block-diagonal matrix has no fill-in in any
        // order of its terms: Λ′ may be non-zero where the permuted Σ_k may.
        var pairs = new HashSet<(int, int)>();
        foreach (var e in new CovarianceLayout(statistics.Levels).ThetaOf(level)) pairs.Add((e.Row, e.Col));
        var free = new List<(int, int)>();
        for (int c = 0; c < _q; c++)
            for (int r = c; r < _q; r++)
                if (pairs.Contains((Math.Max(_order[r], _order[c]), Math.Min(_order[r], _order[c])))) free.Add((r, c));
        Free = free;
    }

    /// <summary>q, the level's number of terms.</summary>
    public int Size => _q;

    /// <summary>The entries of Λ′ that may be non-zero (row ≥ column), column by column.</summary>
    public IReadOnlyList<(int Row, int Col)> Free { get; }

    /// <summary>Λ′ (q×q lower, row-major) of a relative covariance in the user's order and coordinates; null when it is
    /// not positive semi-definite.</summary>
    public double[]? FromUser(double[] sigma)
    {
        var a = new double[_q * _q];
        for (int r = 0; r < _q; r++)
            for (int c = 0; c < _q; c++) a[r * _q + c] = sigma[_order[r] * _q + _order[c]];
        return Dense.SemiDefiniteCholeskyInPlace(a, _q) ? a : null;
    }

    /// <summary>Writes the kernel's Λ_k for Λ′ into <paramref name="lambda"/>; false when rounding leaves the
    /// kernel's Σ_k indefinite.</summary>
    public bool ToKernel(double[] permuted, double[] lambda)
    {
        for (int r = 0; r < _q; r++)
            for (int c = 0; c < _q; c++)
            {
                double v = 0;
                for (int t = 0; t <= Math.Min(r, c); t++) v += permuted[r * _q + t] * permuted[c * _q + t];
                lambda[_order[r] * _q + _order[c]] = v;
            }
        _statistics.Coordinates.RandomCovarianceFromUser(_level, lambda);
        return Dense.SemiDefiniteCholeskyInPlace(lambda, _q);
    }
}
