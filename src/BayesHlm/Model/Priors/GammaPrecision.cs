using System.Text.Json;
using BayesHlm.Sampling;
using BayesHlm.Statistics;
using MathNet.Numerics.Distributions;

namespace BayesHlm.Model;

public abstract partial record VariancePrior
{
    /// <summary>1/τ² ~ Gamma(shape, rate) (JAGS dgamma(shape, rate)); the same as τ² ~ InvGamma(shape, scale = rate).
    /// Conjugate: on σ² and on one random effect's variance the step is an exact draw.</summary>
    public sealed record GammaPrecision(double Shape, double Rate) : VariancePrior
    {
        internal static readonly PriorKind Definition = new("gamma_precision", ["shape", "rate"], PriorPlaces.Residual | PriorPlaces.OneEffect | PriorPlaces.HierarchyVariance, Read);

        /// <summary>σ² ~ InvGamma(shape, scale) is exactly 1/σ² ~ Gamma(shape, rate = scale).</summary>
        internal static readonly PriorKind InverseGammaDefinition = new("inv_gamma_variance", ["shape", "scale"], PriorPlaces.Residual | PriorPlaces.OneEffect | PriorPlaces.HierarchyVariance,
            (e, where) => new GammaPrecision(PriorJson.Positive(e, "shape", where), PriorJson.Positive(e, "scale", where)));

        internal override PriorKind Kind => GammaPrecision.Definition;

        private static VariancePrior Read(JsonElement e, string where)
        {
            double shape = PriorJson.Positive(e, "shape", where);
            if (e.TryGetProperty("rate", out var rate) && rate.ValueKind == JsonValueKind.Object)
            {
                if (PriorJson.Dist(rate, where + ".rate") != "gamma") throw new ModelSpecificationException($"{where}: a random rate takes {{\"dist\":\"gamma\",\"shape\":c,\"rate\":d}}.");
                PriorJson.OnlyKeys(rate, where + ".rate", ["dist", "shape", "rate"]);
                return new GammaPrecisionWithGammaRate(shape, PriorJson.Positive(rate, "shape", where + ".rate"), PriorJson.Positive(rate, "rate", where + ".rate"));
            }
            return new GammaPrecision(shape, PriorJson.Positive(e, "rate", where));
        }

        internal override void WriteFields(Utf8JsonWriter w)
        {
            w.WriteNumber("shape", Shape);
            w.WriteNumber("rate", Rate);
        }

        internal override IChainStep LevelStep(SufficientStatistics s, CovarianceLayout layout, int k) => new LevelDraw(this, k);

        internal override IChainStep ResidualStep(SufficientStatistics s, ResidualSumOfSquares ssr) => new ResidualDraw(this, s.N, ssr);

        internal override double LogCovarianceDensity(ReadOnlySpan<double> l, int q, bool unstructured, double[] work)
        {
            double tau2 = l[0] * l[0];
            return -(Shape + 1) * Math.Log(tau2) - Rate / tau2;
        }

        internal override double VarianceQuantile(int a, int q, double p) => InverseGammaQuantile(Shape, Rate, p);

        /// <summary>τ² | u: InvGamma(shape + J/2, rate + Σu²/2).</summary>
        private sealed class LevelDraw(GammaPrecision prior, int k) : IChainStep
        {
            public double AcceptanceRate => double.NaN;

            public void Update(ChainState state, Random rng, bool adapting)
            {
                var u = state.U[k];
                state.Sigma[k][0] = 1 / Gamma.Sample(rng, prior.Shape + u.Length / 2.0, prior.Rate + SumOfSquares(u) / 2);
            }
        }

        /// <summary>σ² | β, u: InvGamma(shape + N/2, rate + SSR/2).</summary>
        private sealed class ResidualDraw(GammaPrecision prior, int n, ResidualSumOfSquares ssr) : IChainStep
        {
            public double AcceptanceRate => double.NaN;

            public void Update(ChainState state, Random rng, bool adapting) =>
                state.Sigma2 = 1 / Gamma.Sample(rng, prior.Shape + n / 2.0, prior.Rate + ssr.Of(state) / 2);
        }
    }
}
