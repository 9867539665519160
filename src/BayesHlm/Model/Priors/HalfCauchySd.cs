using System.Text.Json;

namespace BayesHlm.Model;

public abstract partial record VariancePrior
{
    /// <summary>τ ~ half-Cauchy(0, scale).</summary>
    public sealed record HalfCauchySd(double Scale) : SdPrior
    {
        internal static readonly PriorKind Definition = new("half_cauchy_sd", ["scale"], PriorPlaces.Residual | PriorPlaces.OneEffect,
            (e, where) => new HalfCauchySd(PriorJson.Positive(e, "scale", where)));

        internal override PriorKind Kind => HalfCauchySd.Definition;

        internal override void WriteFields(Utf8JsonWriter w) => w.WriteNumber("scale", Scale);

        internal override double SdQuantile(double p) => Scale * Math.Tan(Math.PI * p / 2);

        internal override double LogDensity(double sd) => -Math.Log(1 + sd * sd / (Scale * Scale));
    }
}
