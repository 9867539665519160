using BayesHlm.Statistics;

namespace BayesHlm.Estimation;

/// <summary>
/// θ, the free entries of the relative covariance factors Λ_k (lower triangular, Σ_k = σ²Λ_kΛ_kᵀ),
/// as lme4 parameterises them: column by column within each level. Unlike lme4's, θ is not bounded: flipping
/// a column of Λ_k leaves Σ_k unchanged, so the fit is unconstrained and <see cref="Normalize"/> makes the
/// diagonal non-negative afterwards.
/// </summary>
internal sealed class ThetaMap
{
    private readonly (int Level, int Row, int Col)[] _entries;
    private readonly int[] _q;

    public ThetaMap(IReadOnlyList<RandomLevel> levels)
    {
        _q = levels.Select(l => l.Size).ToArray();
        _entries = new CovarianceLayout(levels).Theta.Select(e => (e.Level, e.Row, e.Col)).ToArray();
    }

    public int Count => _entries.Length;

    public (int Level, int Row, int Col) Entry(int i) => _entries[i];

    public bool IsDiagonal(int i) => _entries[i].Row == _entries[i].Col;

    /// <summary>lme4's starting value: Λ = I.</summary>
    public double[] Initial()
    {
        var t = new double[Count];
        for (int i = 0; i < Count; i++) t[i] = IsDiagonal(i) ? 1 : 0;
        return t;
    }

    /// <summary>θ with every column of every Λ_k flipped to a non-negative diagonal (the same Σ).</summary>
    public double[] Normalize(double[] theta)
    {
        var result = (double[])theta.Clone();
        for (int i = 0; i < _entries.Length; i++)
        {
            var (k, r, c) = _entries[i];
            if (r != c || theta[i] >= 0) continue;
            for (int j = 0; j < _entries.Length; j++)
                if (_entries[j].Level == k && _entries[j].Col == c) result[j] = -theta[j];
        }
        return result;
    }

    public double[][] NewLambdas() => _q.Select(q => new double[q * q]).ToArray();

    public void ToLambdas(ReadOnlySpan<double> theta, double[][] lambdas)
    {
        foreach (var l in lambdas) Array.Clear(l);
        for (int i = 0; i < _entries.Length; i++)
        {
            var (k, r, c) = _entries[i];
            lambdas[k][r * _q[k] + c] = theta[i];
        }
    }

    /// <summary>θ from covariance matrices Σ_k (row-major) and σ²: Λ_k = chol(Σ_k/σ²), allowing positive
    /// semi-definite Σ_k (a zero pivot gives a zero column, as at a singular fit). Null when a Σ_k is indefinite.</summary>
    public double[]? FromCovariances(IReadOnlyList<double[]> sigma, double sigma2)
    {
        var theta = new double[Count];
        var factors = new double[sigma.Count][];
        for (int k = 0; k < sigma.Count; k++)
        {
            int q = _q[k];
            var a = new double[q * q];
            for (int i = 0; i < q * q; i++) a[i] = sigma[k][i] / sigma2;
            if (!Statistics.Linalg.Dense.SemiDefiniteCholeskyInPlace(a, q)) return null;
            factors[k] = a;
        }
        for (int i = 0; i < _entries.Length; i++)
        {
            var (k, r, c) = _entries[i];
            theta[i] = factors[k][r * _q[k] + c];
        }
        return theta;
    }

    /// <summary>Σ_k = σ² Λ_k Λ_kᵀ.</summary>
    public double[][] ToCovariances(ReadOnlySpan<double> theta, double sigma2)
    {
        var lambdas = NewLambdas();
        ToLambdas(theta, lambdas);
        var result = new double[_q.Length][];
        for (int k = 0; k < _q.Length; k++)
        {
            int q = _q[k];
            var s = new double[q * q];
            var l = lambdas[k];
            for (int i = 0; i < q; i++)
                for (int j = 0; j < q; j++)
                {
                    double v = 0;
                    for (int t = 0; t < q; t++) v += l[i * q + t] * l[j * q + t];
                    s[i * q + j] = sigma2 * v;
                }
            result[k] = s;
        }
        return result;
    }
}
