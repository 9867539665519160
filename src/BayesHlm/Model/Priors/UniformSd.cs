using System.Text.Json;

namespace BayesHlm.Model;

public abstract partial record VariancePrior
{
    /// <summary>τ ~ Uniform(0, upper).</summary>
    public sealed record UniformSd(double Upper) : SdPrior
    {
        internal static readonly PriorKind Definition = new("uniform_sd", ["upper"], PriorPlaces.Residual | PriorPlaces.OneEffect,
            (e, where) => new UniformSd(PriorJson.Positive(e, "upper", where)));

        internal override PriorKind Kind => UniformSd.Definition;

        internal override void WriteFields(Utf8JsonWriter w) => w.WriteNumber("upper", Upper);

        internal override double SdQuantile(double p) => p * Upper;

        internal override double LogDensity(double sd) => sd > 0 && sd < Upper ? 0 : double.NegativeInfinity;
    }
}
