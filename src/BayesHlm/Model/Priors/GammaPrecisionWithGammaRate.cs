using System.Text.Json;
using BayesHlm.Sampling;
using BayesHlm.Statistics;
using MathNet.Numerics.Distributions;

namespace BayesHlm.Model;

public abstract partial record VariancePrior
{
    /// <summary>1/τ² ~ Gamma(shape, b), b ~ Gamma(rateShape, rateRate): the third-level gamma parameterisation. Written
    /// as a gamma_precision whose rate is itself a gamma (read by <see cref="GammaPrecision"/>). Both steps conjugate;
    /// b is sampled and reported as <c>b[group]</c>.</summary>
    public sealed record GammaPrecisionWithGammaRate(double Shape, double RateShape, double RateRate) : VariancePrior
    {
        internal override PriorKind Kind => GammaPrecision.Definition;

        internal override PriorPlaces Places => PriorPlaces.OneEffect;

        internal override void WriteFields(Utf8JsonWriter w)
        {
            w.WriteNumber("shape", Shape);
            w.WriteStartObject("rate");
            w.WriteString("dist", "gamma");
            w.WriteNumber("shape", RateShape);
            w.WriteNumber("rate", RateRate);
            w.WriteEndObject();
        }

        internal override IChainStep LevelStep(SufficientStatistics s, CovarianceLayout layout, int k) => new Draw(this, k);

        /// <summary>τ²'s density given the current rate b, which the ancillary move holds fixed: InvGamma(shape, b).</summary>
        internal override double LogCovarianceDensity(ReadOnlySpan<double> l, int q, bool unstructured, double[] work, ReadOnlySpan<double> hyperparameters)
        {
            double tau2 = l[0] * l[0];
            return -(Shape + 1) * Math.Log(tau2) - hyperparameters[0] / tau2;
        }

        internal override IReadOnlyList<string> Hyperparameters(string group) => [ParameterNames.HyperpriorRate(group)];

        /// <summary>b starts at its prior mean.</summary>
        internal override void StartHyperparameters(Span<double> values) => values[0] = RateShape / RateRate;

        /// <summary>1/τ² | u, b ~ Gamma(shape + J/2, b + Σu²/2); then b | τ² ~ Gamma(c + shape, d + 1/τ²).</summary>
        private sealed class Draw(GammaPrecisionWithGammaRate prior, int k) : IChainStep
        {
            public double AcceptanceRate => double.NaN;

            public void Update(ChainState state, Random rng, bool adapting)
            {
                var u = state.U[k];
                var rate = state.Hyperparameters[k];
                double precision = Gamma.Sample(rng, prior.Shape + u.Length / 2.0, rate[0] + SumOfSquares(u) / 2);
                state.Sigma[k][0] = 1 / precision;
                rate[0] = Gamma.Sample(rng, prior.RateShape + prior.Shape, prior.RateRate + precision);
            }
        }
    }
}
