using System.Text.Json;
using BayesHlm.Sampling;
using BayesHlm.Statistics;
using MathNet.Numerics.Distributions;

namespace BayesHlm.Model;

public abstract partial record VariancePrior
{
    /// <summary>Diagonal Σ, each precision 1/τ_a² ~ Gamma(shape, rate) independently; each conjugate.</summary>
    public sealed record IndependentGammaPrecision(double Shape, double Rate) : VariancePrior
    {
        internal static readonly PriorKind Definition = new("independent_gamma_precision", ["shape", "rate"], PriorPlaces.OneEffect | PriorPlaces.IndependentEffects,
            (e, where) => new IndependentGammaPrecision(PriorJson.Positive(e, "shape", where), PriorJson.Positive(e, "rate", where)));

        internal override PriorKind Kind => IndependentGammaPrecision.Definition;

        internal override void WriteFields(Utf8JsonWriter w)
        {
            w.WriteNumber("shape", Shape);
            w.WriteNumber("rate", Rate);
        }

        internal override IChainStep LevelStep(SufficientStatistics s, CovarianceLayout layout, int k) => new Draw(this, k, layout.Levels[k].Size);

        internal override double LogCovarianceDensity(ReadOnlySpan<double> l, int q, bool unstructured, double[] work)
        {
            double s = 0;
            for (int i = 0; i < q; i++) { double t2 = l[i * q + i] * l[i * q + i]; s += -(Shape + 1) * Math.Log(t2) - Rate / t2; }
            return s;
        }

        internal override double VarianceQuantile(int a, int q, double p) => InverseGammaQuantile(Shape, Rate, p);

        /// <summary>Each τ_a² | u: InvGamma(shape + J/2, rate + Σ_j u_ja²/2).</summary>
        private sealed class Draw(IndependentGammaPrecision prior, int k, int q) : IChainStep
        {
            public double AcceptanceRate => double.NaN;

            public void Update(ChainState state, Random rng, bool adapting)
            {
                var u = state.U[k];
                int groups = u.Length / q;
                for (int a = 0; a < q; a++)
                {
                    double ss = 0;
                    for (int j = 0; j < groups; j++) ss += u[j * q + a] * u[j * q + a];
                    state.Sigma[k][a * q + a] = 1 / Gamma.Sample(rng, prior.Shape + groups / 2.0, prior.Rate + ss / 2);
                }
            }
        }
    }
}
