using System.Text.Json;
using BayesHlm.Sampling;
using BayesHlm.Statistics;
using BayesHlm.Statistics.Linalg;

namespace BayesHlm.Model;

public abstract partial record VariancePrior
{
    /// <summary>Σ ~ InvWishart(df, scale), density ∝ |Σ|^−(df+q+1)/2 exp(−tr(scale Σ⁻¹)/2). Conjugate: Σ | u is
    /// InvWishart(df + J, scale + Σ_j u_j u_jᵀ), an exact draw.</summary>
    public sealed record InverseWishart(double Df, double[][] Scale) : VariancePrior
    {
        internal static readonly PriorKind Definition = new("inv_wishart", ["df", "scale"], PriorPlaces.OneEffect | PriorPlaces.CorrelatedEffects,
            (e, where) => new InverseWishart(PriorJson.Positive(e, "df", where), PriorJson.Matrix(e, "scale", where)));

        internal override PriorKind Kind => InverseWishart.Definition;

        internal override void WriteFields(Utf8JsonWriter w)
        {
            w.WriteNumber("df", Df);
            JsonArrays.Write(w, "scale", Scale);
        }

        internal override void CheckFits(CovarianceLayout layout, int k)
        {
            var level = layout.Levels[k];
            int q = level.Size;
            string name = level.Grouping.Name;
            if (Scale.Length != q || !Dense.IsSymmetricPositiveDefinite(Scale))
                throw new ModelSpecificationException($"The inv_wishart scale for '{name}' must be a symmetric positive-definite {q}×{q} matrix ('{name}' has the random effects {PriorJson.Listing(level.TermNames)}).");
            if (!(Df > q - 1))
                throw new ModelSpecificationException($"The inv_wishart df for '{name}' is {Df}; with {q} random effects it must exceed {q - 1} for a proper prior.");
        }

        internal override IChainStep LevelStep(SufficientStatistics s, CovarianceLayout layout, int k) => new Draw(this, k, layout.Levels[k].Size);

        /// <summary>−(ν+q+1)/2 log|Σ| − tr(SΣ⁻¹)/2, with Σ⁻¹ from L.</summary>
        internal override double LogCovarianceDensity(ReadOnlySpan<double> l, int q, bool unstructured, double[] work)
        {
            double logDet = 0;
            for (int i = 0; i < q; i++) logDet += 2 * Math.Log(l[i * q + i]);
            Dense.InverseFromCholesky(l, q, work);
            double tr = 0;
            for (int r = 0; r < q; r++) for (int c = 0; c < q; c++) tr += Scale[r][c] * work[c * q + r];
            return -(Df + q + 1) / 2 * logDet - tr / 2;
        }

        /// <summary>A diagonal entry of an inverse Wishart is InvGamma((ν − q + 1)/2, S_aa/2).</summary>
        internal override double VarianceQuantile(int a, int q, double p) => InverseGammaQuantile((Df - q + 1) / 2, Scale[a][a] / 2, p);

        private sealed class Draw : IChainStep
        {
            private readonly InverseWishart _prior;
            private readonly int _k, _q;
            private readonly double[] _prioScale, _scale;
            private readonly InverseWishartDraw _draw;

            public Draw(InverseWishart prior, int k, int q)
            {
                _prior = prior;
                _k = k;
                _q = q;
                _prioScale = prior.Scale.SelectMany(r => r).ToArray();
                _scale = new double[q * q];
                _draw = new InverseWishartDraw(q);
            }

            public double AcceptanceRate => double.NaN;

            public void Update(ChainState state, Random rng, bool adapting)
            {
                Array.Copy(_prioScale, _scale, _q * _q);
                var u = state.U[_k];
                Dense.AddScatter(u, _q, _scale);
                _draw.Sample(rng, _prior.Df + u.Length / _q, _scale, state.Sigma[_k]);
            }
        }
    }
}
