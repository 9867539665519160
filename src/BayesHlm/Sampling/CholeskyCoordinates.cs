using BayesHlm.Statistics;
using BayesHlm.Statistics.Linalg;

namespace BayesHlm.Sampling;

/// <summary>
/// Unconstrained coordinates of a covariance matrix Σ = LLᵀ for random-walk Metropolis–Hastings:
/// φ = (log l_ii, l_ij for the free i &gt; j), for an unstructured or a diagonal Σ. Also the prior densities of Σ
/// written through L, and the log Jacobian of φ → Σ, which the walks on φ need.
/// </summary>
internal sealed class CholeskyCoordinates
{
    private readonly (int Row, int Col)[] _free;
    private readonly double[] _inverse;

    public CholeskyCoordinates(RandomLevel level)
    {
        Q = level.Size;
        var free = new List<(int, int)>();
        for (int c = 0; c < Q; c++) for (int r = c; r < Q; r++) if (level.Free[r, c]) free.Add((r, c));
        _free = free.ToArray();
        Unstructured = _free.Length == Q * (Q + 1) / 2;
        _inverse = new double[Q * Q];
    }

    public int Q { get; }
    public int Count => _free.Length;
    public bool Unstructured { get; }

    /// <summary>Whether φ can describe the level's Σ: unstructured or diagonal.</summary>
    public static bool Supports(RandomLevel level)
    {
        int q = level.Size, free = 0;
        for (int r = 0; r < q; r++) for (int c = 0; c < r; c++) if (level.Free[r, c]) free++;
        return free == 0 || free == q * (q - 1) / 2;
    }

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
    public double LogPrior(LevelPrior prior, double[] l)
    {
        int q = Q;
        double logDet = 0;
        for (int i = 0; i < q; i++) logDet += 2 * Math.Log(l[i * q + i]);
        switch (prior)
        {
            case LevelPrior.InverseWishart iw:
            {
                // −(ν+q+1)/2 log|Σ| − tr(SΣ⁻¹)/2, with Σ⁻¹ from L.
                var inv = _inverse;
                Dense.InverseFromCholesky(l, q, inv);
                double tr = 0;
                for (int r = 0; r < q; r++) for (int c = 0; c < q; c++) tr += iw.Scale[r * q + c] * inv[c * q + r];
                return -(iw.Df + q + 1) / 2 * logDet - tr / 2;
            }
            case LevelPrior.GammaPrecision g:
            {
                double tau2 = l[0] * l[0];
                return -(g.Shape + 1) * Math.Log(tau2) - g.Rate / tau2;
            }
            case LevelSdPrior sd:
                // Density of τ² from that of τ: p(τ)/(2τ).
                return sd.Sd.LogDensity(l[0]) - Math.Log(l[0]);
            case LevelPrior.IndependentGammaPrecision g:
            {
                double s = 0;
                for (int i = 0; i < q; i++) { double t2 = l[i * q + i] * l[i * q + i]; s += -(g.Shape + 1) * Math.Log(t2) - g.Rate / t2; }
                return s;
            }
            case LevelPrior.SdCorrelation sc:
            {
                // Σ = D R D: p(Σ) = Π p(τ_k) · LKJ(R) / |∂Σ/∂(τ, R)|, with |∂Σ/∂(τ, R)| = 2^q Π τ_k^q when correlated,
                // Π 2τ_k when diagonal; LKJ(R) ∝ |R|^(η−1), |R| = |Σ| / Π τ_k².
                double s = 0, logTau2 = 0;
                for (int i = 0; i < q; i++)
                {
                    double t2 = 0;
                    for (int c = 0; c <= i; c++) t2 += l[i * q + c] * l[i * q + c];
                    double tau = Math.Sqrt(t2);
                    s += sc.Sds[i].LogDensity(tau) - (Unstructured ? q : 1) * Math.Log(tau);
                    logTau2 += Math.Log(t2);
                }
                if (Unstructured && q > 1) s += (sc.Eta - 1) * (logDet - logTau2);
                return s;
            }
            default:
                throw new InvalidOperationException($"No density for {prior.GetType().Name} here.");
        }
    }
}
