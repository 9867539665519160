using BayesHlm.Statistics.Linalg;
using MathNet.Numerics.Distributions;

namespace BayesHlm.Sampling;

/// <summary>
/// Σ ~ InvWishart(ν, S) (density ∝ |Σ|^−(ν+q+1)/2 exp(−tr(SΣ⁻¹)/2)) by the Bartlett decomposition, without
/// allocating: with S = CCᵀ and A lower triangular, A_ii = √χ²(ν − i), A_ij ~ N(0, 1) below the diagonal,
/// W = C⁻ᵀAAᵀC⁻¹ ~ Wishart(ν, S⁻¹), so Σ = W⁻¹ = TTᵀ with T = CA⁻ᵀ (each row of T solves A t = the row of C).
/// </summary>
internal sealed class InverseWishartDraw
{
    private readonly int _q;
    private readonly double[] _c, _a, _t;

    public InverseWishartDraw(int q)
    {
        _q = q;
        _c = new double[q * q];
        _a = new double[q * q];
        _t = new double[q * q];
    }

    /// <summary>Draws Σ into <paramref name="result"/> (q×q row-major); <paramref name="scale"/> is S, left unchanged.</summary>
    public void Sample(Random rng, double df, ReadOnlySpan<double> scale, double[] result)
    {
        int q = _q;
        scale.CopyTo(_c);
        if (!Dense.CholeskyInPlace(_c, q)) throw new InvalidOperationException("The inverse-Wishart scale is not positive definite.");
        Array.Clear(_a);
        for (int i = 0; i < q; i++)
        {
            _a[i * q + i] = Math.Sqrt(Gamma.Sample(rng, (df - i) / 2, 0.5));
            for (int j = 0; j < i; j++) _a[i * q + j] = Statistics.RandomExtensions.NextStandardNormal(rng);
        }
        for (int r = 0; r < q; r++)
        {
            for (int i = 0; i < q; i++) _t[r * q + i] = i <= r ? _c[r * q + i] : 0;
            Dense.ForwardSolve(_a, q, _t, r * q, 1);
        }
        for (int r = 0; r < q; r++)
            for (int c = 0; c <= r; c++)
            {
                double v = 0;
                for (int i = 0; i < q; i++) v += _t[r * q + i] * _t[c * q + i];
                result[r * q + c] = result[c * q + r] = v;
            }
    }
}
