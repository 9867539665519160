using System.Text.Json;

namespace BayesHlm.Model;

/// <summary>The registry of variance and covariance prior kinds: a new kind is its own file plus one line here.
/// The order is the order messages list them in.</summary>
internal static class PriorKinds
{
    public static IReadOnlyList<PriorKind> All { get; } =
    [
        VariancePrior.GammaPrecision.Definition,
        VariancePrior.GammaPrecision.InverseGammaDefinition,
        VariancePrior.HalfCauchySd.Definition,
        VariancePrior.HalfTSd.Definition,
        VariancePrior.UniformSd.Definition,
        VariancePrior.LogNormalSd.Definition,
        VariancePrior.InverseWishart.Definition,
        VariancePrior.IndependentGammaPrecision.Definition,
        VariancePrior.LkjHalfT.Definition,
        VariancePrior.Fixed.Definition,
    ];

    /// <summary>Reads a prior that must stand in one of <paramref name="places"/>; the error lists the kinds that may.</summary>
    public static VariancePrior Read(JsonElement e, string where, PriorPlaces places)
    {
        string dist = PriorJson.Dist(e, where);
        var kind = All.FirstOrDefault(k => k.Dist == dist && (k.Places & places) != 0)
                   ?? throw new ModelSpecificationException($"{where}: unknown or misplaced prior '{dist}'. Use {Listing(places)}.");
        PriorJson.OnlyKeys(e, where, ["dist", .. kind.Fields]);
        var prior = kind.Read(e, where);
        if ((prior.Places & places) == 0) throw new ModelSpecificationException($"{where}: {prior.ToJson()} cannot stand here. Use {Listing(places)}.");
        return prior;
    }

    /// <summary>"a, b or c": the kinds that may stand in one of <paramref name="places"/>.</summary>
    public static string Listing(PriorPlaces places)
    {
        var names = All.Where(k => (k.Places & places) != 0).Select(k => k.Dist).ToList();
        return names.Count == 1 ? names[0] : string.Join(", ", names.Take(names.Count - 1)) + " or " + names[^1];
    }
}
