using BayesHlm.Model;
using BayesHlm.Statistics;

namespace BayesHlm.Sampling;

/// <summary>
/// Unconstrained coordinates of a covariance matrix Σ = LLᵀ for random-walk Metropolis–Hastings:
/// φ = (log l_ii, l_ij for the free i &gt; j) in θ order (<see cref="CovarianceLayout.ThetaOf"/>), for an unstructured
/// or a diagonal Σ. Also the prior density of Σ written through L, and the log Jacobian of φ → Σ, which the walks
/// on φ need.
/// </summary>
internal sealed class CholeskyCoordinates
{
    private readonly (int Row, int Col)[] _free;
    private readonly double[] _work;

    public CholeskyCoordinates(CovarianceLayout layout, int level)
    {
        Q = layout.Levels[level].Size;
        var free = new List<(int, int)>();
        foreach (var e in layout.ThetaOf(level)) free.Add((e.Row, e.Col));
        _free = free.ToArray();
        Unstructured = layout.IsUnstructured(level);
        _work = new double[Q * Q];
    }

    public int Q { get; }
    public int Count => _free.Length;
    public bool Unstructured { get; }

    public void FromL(ReadOnlySpan<double> l, double[] phi)
    {
        for (int i = 0; i < _free.Length; i++)
        {
            var (r, c) = _free[i];
            phi[i] = r == c ? Math.Log(l[r * Q + c]) : l[r * Q + c];
        }
    }

    public void ToL(ReadOnlySpan<double> phi, double[] l)
    {
        Array.Clear(l);
        for (int i = 0; i < _free.Length; i++)
        {
            var (r, c) = _free[i];
            l[r * Q + c] = r == c ? Math.Exp(phi[i]) : phi[i];
        }
    }

    /// <summary>Σ = LLᵀ.</summary>
    public void ToSigma(ReadOnlySpan<double> l, double[] sigma)
    {
        int q = Q;
        for (int r = 0; r < q; r++)
            for (int c = 0; c < q; c++)
            {
                double v = 0;
                for (int t = 0; t < q; t++) v += l[r * q + t] * l[c * q + t];
                sigma[r * q + c] = v;
            }
    }

    /// <summary>log |∂Σ/∂φ|: Σ = LLᵀ gives Π l_ii^(q−i) (0-based i) when unstructured, Π 2l_ii when diagonal; the log
    /// scale of each diagonal adds one more l_ii.</summary>
    public double LogJacobian(ReadOnlySpan<double> l)
    {
        double s = 0;
        for (int i = 0; i < Q; i++) s += ((Unstructured ? Q - i : 1) + 1) * Math.Log(l[i * Q + i]);
        return s;
    }

    /// <summary>log p(Σ) up to a constant, for Σ = LLᵀ (L lower triangular with a positive diagonal).</summary>
    public double LogPrior(VariancePrior prior, double[] l) => prior.LogCovarianceDensity(l, Q, Unstructured, _work);

    /// <summary>log p(Σ | the prior's sampled parameters) up to a constant, for Σ = LLᵀ.</summary>
    public double LogPrior(VariancePrior prior, double[] l, ReadOnlySpan<double> hyperparameters) =>
        prior.LogCovarianceDensity(l, Q, Unstructured, _work, hyperparameters);
}
