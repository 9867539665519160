using System.Text.Json;

namespace BayesHlm.Model;

public abstract partial record VariancePrior
{
    /// <summary>log τ ~ Normal(meanlog, sdlog²): Stan's <c>lognormal(meanlog, sdlog)</c>, R's <c>dlnorm</c>, JAGS
    /// <c>dlnorm(meanlog, 1/sdlog²)</c>. An sd prior that rules out τ = 0 softly, for when the scale is known roughly.</summary>
    public sealed record LogNormalSd(double MeanLog, double SdLog) : SdPrior
    {
        internal static readonly PriorKind Definition = new("log_normal_sd", ["meanlog", "sdlog"], PriorPlaces.Residual | PriorPlaces.OneEffect,
            (e, where) => new LogNormalSd(PriorJson.Number(e, "meanlog", where), PriorJson.Positive(e, "sdlog", where)));

        internal override PriorKind Kind => LogNormalSd.Definition;

        internal override void WriteFields(Utf8JsonWriter w)
        {
            w.WriteNumber("meanlog", MeanLog);
            w.WriteNumber("sdlog", SdLog);
        }

        internal override double SdQuantile(double p) => Math.Exp(MeanLog + SdLog * MathNet.Numerics.Distributions.Normal.InvCDF(0, 1, p));

        internal override double LogDensity(double sd)
        {
            if (!(sd > 0)) return double.NegativeInfinity;
            double z = (Math.Log(sd) - MeanLog) / SdLog;
            return -0.5 * z * z - Math.Log(sd);
        }
    }
}
