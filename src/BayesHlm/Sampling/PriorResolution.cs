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
        var defaults = new PriorDefaults(s);
        var levels = new List<LevelPrior>();
        var groups = new Dictionary<string, VariancePrior>();
        foreach (var name in spec.Groups.Keys)
            if (!s.Levels.Any(l => l.Grouping.Name == name))
                throw new ModelSpecificationException($"The priors name 'group:{name}', but the model's grouping factors are {Listing(s.Levels.Select(l => l.Grouping.Name))}.");
        for (int k = 0; k < s.Levels.Count; k++)
        {
            var level = s.Levels[k];
            string name = level.Grouping.Name;
            var prior = spec.Groups.TryGetValue(name, out var given) ? given : defaults.Level(k);
            groups[name] = prior;
            levels.Add(ResolveLevel(prior, level));
        }

        var fixedDefault = spec.Fixed;
        var complete = new PriorSpec(fixedDefault, null, groups) { FixedTerms = spec.FixedTerms, FixedBlocks = spec.FixedBlocks, FixedHierarchy = spec.FixedHierarchy };
        var (precision, precisionMean, hierarchy, fixedTerms) = ResolveFixed(spec, s, defaults);
        if (fixedDefault is null) complete = complete with { FixedTerms = fixedTerms };

        if (s.KnownResidualVariance)
        {
            if (spec.Residual is not null)
                throw new ModelSpecificationException($"The level-1 variances are known ({s.Spec.KnownResidual}), so there is no residual variance to put a prior on: remove the 'residual' prior.");
            return new ResolvedPriors(complete, precision, precisionMean, hierarchy, levels) { KnownResidual = true };
        }
        var residual = spec.Residual ?? defaults.Residual();
        complete = complete with { Residual = residual };
        var resolved = new ResolvedPriors(complete, precision, precisionMean, hierarchy, levels);
        return residual switch
        {
            VariancePrior.GammaPrecision g => resolved with { ResidualShape = g.Shape, ResidualRate = g.Rate },
            _ when SdPrior.From(residual) is { } sd => resolved with { ResidualSd = sd },
            _ => throw new ModelSpecificationException($"The residual takes gamma_precision, inv_gamma_variance, half_cauchy_sd, half_t_sd or uniform_sd, not {Dist(residual)}."),
        };
    }

    private static LevelPrior ResolveLevel(VariancePrior prior, RandomLevel level)
    {
        string name = level.Grouping.Name;
        int q = level.Size;
        bool diagonal = true;
        for (int r = 0; r < q; r++) for (int c = 0; c < r; c++) if (level.Free[r, c]) diagonal = false;
        bool unstructured = level.IsUnstructured;
        string terms = Listing(level.TermNames);
        return prior switch
        {
            VariancePrior.GammaPrecision g when q == 1 => new LevelPrior.GammaPrecision(g.Shape, g.Rate),
            VariancePrior.GammaPrecisionWithGammaRate h when q == 1 => new LevelPrior.GammaPrecisionWithRandomRate(h.Shape, h.RateShape, h.RateRate),
            _ when q == 1 && SdPrior.From(prior) is { } sd => new LevelSdPrior(sd),
            VariancePrior.IndependentGammaPrecision g when diagonal => new LevelPrior.IndependentGammaPrecision(g.Shape, g.Rate),
            VariancePrior.InverseWishart iw when unstructured => iw.Scale.Length == q && IsPositiveDefinite(iw.Scale)
                ? iw.Df > q - 1 ? new LevelPrior.InverseWishart(iw.Df, iw.Scale.SelectMany(r => r).ToArray())
                    : throw new ModelSpecificationException($"The inv_wishart df for '{name}' is {iw.Df}; with {q} random effects it must exceed {q - 1} for a proper prior.")
                : throw new ModelSpecificationException($"The inv_wishart scale for '{name}' must be a symmetric positive-definite {q}×{q} matrix ('{name}' has the random effects {terms})."),
            VariancePrior.LkjHalfT l when unstructured || diagonal => l.Scales.Length == q && l.Scales.All(x => x > 0)
                ? new LevelPrior.SdCorrelation(l.Scales.Select(x => (SdPrior)new SdPrior.HalfT(l.Df, x)).ToArray(), l.Eta)
                : throw new ModelSpecificationException($"The lkj_half_t prior for '{name}' needs {q} positive scales, one per random effect ({terms})."),
            _ when !unstructured && !diagonal => throw new ModelSpecificationException(
                $"The random effects of '{name}' ({terms}) form several correlated blocks; a covariance prior is supported for one correlated block or for independent effects. Split the factor's blocks, or use one block."),
            _ => throw new ModelSpecificationException(
                $"The prior {Dist(prior)} does not fit the {q} random effect(s) of '{name}' ({terms}): " +
                (q == 1 ? "use gamma_precision, inv_gamma_variance, half_cauchy_sd, half_t_sd or uniform_sd." : diagonal ? "use independent_gamma_precision or lkj_half_t." : "correlated effects take inv_wishart or lkj_half_t.")),
        };
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
            throw new ModelSpecificationException($"{where} names the fixed effect '{term}', which the model does not have.{(closest.Length > 0 ? $" Did you mean '{closest}'?" : "")} Its fixed effects are {Listing(names)}.");
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
            if (!IsSymmetric(b.Covariance) || !Dense.CholeskyInPlace(l, d))
                throw new ModelSpecificationException($"The fixed_block covariance for {Listing(b.Terms)} must be symmetric positive definite.");
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

    private static bool IsSymmetric(double[][] m)
    {
        for (int i = 0; i < m.Length; i++)
            for (int j = 0; j < i; j++)
                if (Math.Abs(m[i][j] - m[j][i]) > 1e-12 * (Math.Abs(m[i][j]) + Math.Abs(m[j][i]) + 1e-300)) return false;
        return true;
    }

    private static bool IsPositiveDefinite(double[][] m) =>
        m.All(r => r.Length == m.Length) && IsSymmetric(m) && Dense.CholeskyInPlace(m.SelectMany(r => r).ToArray(), m.Length);

    private static string Listing(IEnumerable<string> names) => string.Join(", ", names.Select(n => $"'{n}'"));

    private static string Dist(VariancePrior p)
    {
        using var stream = new MemoryStream();
        using (var w = new System.Text.Json.Utf8JsonWriter(stream)) p.Write(w);
        return System.Text.Encoding.UTF8.GetString(stream.ToArray());
    }
}
