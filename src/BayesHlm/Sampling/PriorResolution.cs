using BayesHlm.Model;
using BayesHlm.Statistics;

namespace BayesHlm.Sampling;

/// <summary>Turns the declared <see cref="PriorSpec"/> into the sampler's priors for a model on its data, checking that
/// every grouping factor has a prior that fits its random effects.</summary>
internal static class PriorResolution
{
    public static ConjugatePriors Resolve(PriorSpec spec, SufficientStatistics s)
    {
        var levels = new List<LevelPrior>();
        foreach (var level in s.Levels)
        {
            string name = level.Grouping.Name;
            if (!spec.Groups.TryGetValue(name, out var prior))
                throw new ModelSpecificationException($"No prior for grouping factor '{name}': add \"group:{name}\" to the priors (e.g. {{\"dist\":\"gamma_precision\",\"shape\":0.001,\"rate\":0.001}}).");
            int q = level.Size;
            bool diagonal = true;
            for (int r = 0; r < q; r++) for (int c = 0; c < r; c++) if (level.Free[r, c]) diagonal = false;
            levels.Add(prior switch
            {
                VariancePrior.GammaPrecision g when q == 1 => new LevelPrior.GammaPrecision(g.Shape, g.Rate),
                VariancePrior.GammaPrecisionWithGammaRate h when q == 1 => new LevelPrior.GammaPrecisionWithRandomRate(h.Shape, h.RateShape, h.RateRate),
                VariancePrior.HalfCauchySd h when q == 1 => new LevelSdPrior(new SdPrior.HalfCauchy(h.Scale)),
                VariancePrior.UniformSd u when q == 1 => new LevelSdPrior(new SdPrior.Uniform(u.Upper)),
                VariancePrior.IndependentGammaPrecision g when diagonal => new LevelPrior.IndependentGammaPrecision(g.Shape, g.Rate),
                VariancePrior.InverseWishart iw when !diagonal || q == 1 => iw.Scale.Length == q
                    ? new LevelPrior.InverseWishart(iw.Df, iw.Scale.SelectMany(r => r).ToArray())
                    : throw new ModelSpecificationException($"The inv_wishart scale for '{name}' is {iw.Scale.Length}×{iw.Scale.Length}, but '{name}' has {q} random effects ({string.Join(", ", level.TermNames)})."),
                _ => throw new ModelSpecificationException(
                    $"The prior {prior.GetType().Name} does not fit the {q} random effect(s) of '{name}' ({string.Join(", ", level.TermNames)}): " +
                    (q == 1 ? "use gamma_precision, half_cauchy_sd or uniform_sd." : diagonal ? "use independent_gamma_precision or inv_wishart." : "correlated effects take inv_wishart.")),
            });
        }
        var residual = spec.Residual;
        if (s.KnownResidualVariance)
            return residual is null
                ? new ConjugatePriors(spec.Fixed.Mean, spec.Fixed.Variance, 0, 0, levels) { KnownResidual = true }
                : throw new ModelSpecificationException($"The level-1 variances are known ({s.Spec.KnownResidual}), so there is no residual variance to put a prior on: remove the 'residual' prior.");
        return residual switch
        {
            VariancePrior.GammaPrecision g => new ConjugatePriors(spec.Fixed.Mean, spec.Fixed.Variance, g.Shape, g.Rate, levels),
            VariancePrior.HalfCauchySd h => new ConjugatePriors(spec.Fixed.Mean, spec.Fixed.Variance, 0, 0, levels) { ResidualSd = new SdPrior.HalfCauchy(h.Scale) },
            VariancePrior.UniformSd u => new ConjugatePriors(spec.Fixed.Mean, spec.Fixed.Variance, 0, 0, levels) { ResidualSd = new SdPrior.Uniform(u.Upper) },
            null => throw new ModelSpecificationException("No 'residual' prior: add one, e.g. {\"dist\":\"gamma_precision\",\"shape\":0.001,\"rate\":0.001} or, if each row's level-1 variance is known, name its column (--known-sd COL or --known-variance COL; 'known_sd:' in a model file)."),
            _ => throw new ModelSpecificationException($"The residual takes gamma_precision, half_cauchy_sd or uniform_sd, not {residual.GetType().Name}."),
        };
    }
}
