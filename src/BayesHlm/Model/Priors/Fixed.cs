using System.Text.Json;

namespace BayesHlm.Model;

public abstract partial record VariancePrior
{
    /// <summary>A known variance (only for ω² of a <see cref="LinearHyperprior"/>).</summary>
    public sealed record Fixed(double Variance) : VariancePrior
    {
        internal static readonly PriorKind Definition = new("fixed", ["variance"], PriorPlaces.HierarchyVariance,
            (e, where) => new Fixed(PriorJson.Positive(e, "variance", where)));

        internal override PriorKind Kind => Fixed.Definition;

        internal override void WriteFields(Utf8JsonWriter w) => w.WriteNumber("variance", Variance);
    }
}
