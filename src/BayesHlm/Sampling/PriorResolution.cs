using BayesHlm.Model;
using BayesHlm.Statistics;
using BayesHlm.Statistics.Linalg;

namespace BayesHlm.Sampling;

/// <summary>
/// Turns the declared <see cref="PriorSpec"/> into the sampler's priors for a model on its data: fills in every
/// default (<see cref="PriorDefaults"/>), checks each prior fits what it is put on (term names, the shape of each
/// covariance), and builds the Gaussian prior of β.
/// </summary>
internal static class PriorResolution
{
    public static ResolvedPriors Resolve(PriorSpec spec, SufficientStatistics s)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(s);
        var defaults = new PriorDefaults(s);
        var layout = new CovarianceLayout(s.Levels);
        var levels = new List<VariancePrior>();
        var groups = new Dictionary<string, VariancePrior>();
        foreach (var name in spec.Groups.Keys)
            if (!s.Levels.Any(l => l.Grouping.Name == name))
                throw new ModelSpecificationException($"The priors name 'group:{name}', but the model's grouping factors are {PriorJson.Listing(s.Levels.Select(l => l.Grouping.Name))}.");
        for (int k = 0; k < s.Levels.Count; k++)
        {
            var prior = spec.Groups.TryGetValue(s.Levels[k].Grouping.Name, out var given) ? given : defaults.Level(k);
            CheckLevel(prior, layout, k);
            groups[s.Levels[k].Grouping.Name] = prior;
            levels.Add(prior);
        }

        var complete = new PriorSpec(spec.Fixed, null, groups) { FixedTerms = spec.FixedTerms, FixedBlocks = spec.FixedBlocks, FixedHierarchy = spec.FixedHierarchy };
        var (precision, precisionMean, hierarchy, fixedTerms) = ResolveFixed(spec, s, defaults);
        if (spec.Fixed is null) complete = complete with { FixedTerms = fixedTerms };

        if (s.KnownResidualVariance)
        {
            if (spec.Residual is not null)
                throw new ModelSpecificationException($"The level-1 variances are known ({s.Spec.KnownResidual}), so there is no residual variance to put a prior on: remove the 'residual' prior.");
            return new ResolvedPriors(s, complete, precision, precisionMean, hierarchy, levels, null);
        }
        var residual = spec.Residual ?? defaults.Residual();
        if (!residual.Places.HasFlag(PriorPlaces.Residual))
            throw new ModelSpecificationException($"The residual takes {PriorKinds.Listing(PriorPlaces.Residual)}, not {residual.ToJson()}.");
        return new ResolvedPriors(s, complete with { Residual = residual }, precision, precisionMean, hierarchy, levels, residual);
    }

    /// <summary>The prior's kind must stand on the level's shape of Σ (one effect, independent or correlated effects),
    /// and its own numbers fit the level.</summary>
    private static void CheckLevel(VariancePrior prior, CovarianceLayout layout, int k)
    {
        var level = layout.Levels[k];
        string name = level.Grouping.Name, terms = PriorJson.Listing(level.TermNames);
        bool diagonal = layout.IsDiagonal(k), unstructured = layout.IsUnstructured(k);
        if (!diagonal && !unstructured)
            throw new ModelSpecificationException(
                $"The random effects of '{name}' ({terms}) form several correlated blocks; a covariance prior is supported for one correlated block or for independent effects. Split the factor's blocks, or use one block.");
        var shapes = (level.Size == 1 ? PriorPlaces.OneEffect : PriorPlaces.None)
                     | (diagonal ? PriorPlaces.IndependentEffects : PriorPlaces.None)
                     | (unstructured ? PriorPlaces.CorrelatedEffects : PriorPlaces.None);
        if ((prior.Places & shapes) == 0)
            throw new ModelSpecificationException(
                $"The prior {prior.ToJson()} does not fit the {level.Size} random effect(s) of '{name}' ({terms}): " +
                (level.Size == 1 ? $"use {PriorKinds.Listing(PriorPlaces.OneEffect)}." : diagonal ? $"use {PriorKinds.Listing(PriorPlaces.IndependentEffects)}." : $"correlated effects take {PriorKinds.Listing(PriorPlaces.CorrelatedEffects)}."));
        prior.CheckFits(layout, k);
    }

    /// <summary>The Gaussian prior on β: the default or per-term normal on each coefficient, then the blocks, then
    /// the hierarchy's terms (their prior is set every sweep from δ and ω²).</summary>
    private static (double[] Precision, double[] PrecisionMean, HierarchyPrior? Hierarchy, Dictionary<string, NormalPrior> Written) ResolveFixed(
        PriorSpec spec, SufficientStatistics s, PriorDefaults defaults)
    {
        int p = s.P;
        var names = s.FixedNames.ToList();
        int Index(string term, string where)
        {
            int i = names.IndexOf(term);
            if (i >= 0) return i;
            string closest = Data.Closest.Name(term, names);
            throw new ModelSpecificationException($"{where} names the fixed effect '{term}', which the model does not have.{(closest.Length > 0 ? $" Did you mean '{closest}'?" : "")} Its fixed effects are {PriorJson.Listing(names)}.");
        }
        var owner = new string?[p];
        void Claim(int i, string by)
        {
            if (owner[i] is not null) throw new ModelSpecificationException($"The fixed effect '{names[i]}' has two priors ({owner[i]} and {by}); give it one.");
            owner[i] = by;
        }
        foreach (var term in spec.FixedTerms.Keys) Claim(Index(term, $"'fixed:{term}'"), $"'fixed:{term}'");
        foreach (var b in spec.FixedBlocks) foreach (var t in b.Terms) Claim(Index(t, "'fixed_block'"), "'fixed_block'");
        if (spec.FixedHierarchy is { } h) foreach (var t in h.Terms) Claim(Index(t, "'fixed_hierarchy'"), "'fixed_hierarchy'");

        var precision = new double[p * p];
        var precisionMean = new double[p];
        var written = new Dictionary<string, NormalPrior>();
        for (int i = 0; i < p; i++)
        {
            if (owner[i] is not null && !owner[i]!.StartsWith("'fixed:", StringComparison.Ordinal)) continue;
            var prior = spec.FixedTerms.TryGetValue(names[i], out var own) ? own : spec.Fixed ?? defaults.Fixed(i);
            written[names[i]] = prior;
            precision[i * p + i] = 1 / prior.Variance;
            precisionMean[i] = prior.Mean / prior.Variance;
        }
        foreach (var b in spec.FixedBlocks)
        {
            int d = b.Terms.Length;
            var l = b.Covariance.SelectMany(r => r).ToArray();
            if (!Dense.IsSymmetric(b.Covariance) || !Dense.CholeskyInPlace(l, d))
                throw new ModelSpecificationException($"The fixed_block covariance for {PriorJson.Listing(b.Terms)} must be symmetric positive definite.");
            var inv = new double[d * d];
            Dense.InverseFromCholesky(l, d, inv);
            var idx = b.Terms.Select(t => names.IndexOf(t)).ToArray();
            for (int a = 0; a < d; a++)
            {
                double pm = 0;
                for (int c = 0; c < d; c++)
                {
                    precision[idx[a] * p + idx[c]] = inv[a * d + c];
                    pm += inv[a * d + c] * b.Mean[c];
                }
                precisionMean[idx[a]] = pm;
            }
        }
        HierarchyPrior? hierarchy = null;
        if (spec.FixedHierarchy is { } hp)
        {
            int k = hp.Design[0].Length;
            var (omegaVariance, shape, rate) = hp.Omega switch
            {
                VariancePrior.Fixed f => ((double?)f.Variance, 0.0, 0.0),
                VariancePrior.GammaPrecision g => (null, g.Shape, g.Rate),
                _ => throw new ModelSpecificationException("fixed_hierarchy.omega takes a fixed variance or a gamma_precision."),
            };
            hierarchy = new HierarchyPrior(hp.Terms.Select(t => names.IndexOf(t)).ToArray(), hp.Design.SelectMany(r => r).ToArray(), k, hp.Predictors,
                hp.Delta.Mean, hp.Delta.Variance, omegaVariance, shape, rate);
        }
        return (precision, precisionMean, hierarchy, written);
    }

}
