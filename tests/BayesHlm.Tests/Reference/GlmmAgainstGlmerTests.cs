using System.Text.Json;
using BayesHlm.Data;
using BayesHlm.Estimation;
using BayesHlm.Estimation.Glmm;
using BayesHlm.Model;
using Xunit.Abstractions;

namespace BayesHlm.Tests.Reference;

/// <summary>
/// Binomial and Poisson ML fits against glmer (lme4 1.1-31, ../shared/reference/glmm): the Laplace approximation and
/// 20-point adaptive quadrature. At glmer's own estimates our likelihood, β's SEs and the conditional modes and sds are
/// its; our estimates are its to 1e-4 relative, or, where glmer's optimiser stopped short (its −2 log L above ours at our
/// optimum), ours are the better optimum and near its.
/// </summary>
public class GlmmAgainstGlmerTests(ITestOutputHelper output)
{
    public static TheoryData<string> Cases() =>
        new(Directory.GetFiles(RepositoryPaths.Reference("glmm"), "*.json").Select(f => Path.GetFileNameWithoutExtension(f)!).Order());

    private sealed record Case(ModelSpec Spec, DataTable Data, JsonElement Root, GlmmOptions Options)
    {
        public bool Laplace => Options.QuadraturePoints == 1;
        public double Minus2ll => Root.GetProperty("fit").GetProperty("minus2ll").GetDouble();
    }

    private static Case Load(string id)
    {
        var path = Path.Combine(RepositoryPaths.Reference("glmm"), id + ".json");
        var root = JsonDocument.Parse(File.ReadAllText(path)).RootElement;
        var dataPath = Path.GetFullPath(Path.Combine(RepositoryPaths.Reference("glmm"), "..", root.GetProperty("data").GetString()!));
        var spec = ModelSpec.FromFormula(root.GetProperty("formula").GetString()!)
            .WithFamily(Families.Parse(root.GetProperty("family").GetString()!), root.GetProperty("trials_column").GetString());
        return new Case(spec, DataTable.ReadCsv(dataPath, spec.LabelColumns), root, new GlmmOptions { QuadraturePoints = root.GetProperty("nAGQ").GetInt32() });
    }

    private static IEnumerable<(JsonElement Fixed, FixedEffectEstimate Ours)> FixedPairs(Case c, RemlFit fit) =>
        c.Root.GetProperty("fixed").EnumerateArray().Select(f => (f, fit.FixedEffects.Single(e => e.Term == f.GetProperty("term").GetString() || RemlReference.SameTerm(f.GetProperty("term").GetString()!, e.Term))));

    private static IEnumerable<(JsonElement Reference, CovarianceEstimate Ours)> CovariancePairs(Case c, RemlFit fit) =>
        c.Root.GetProperty("covariance").EnumerateArray().Select(e =>
        {
            string group = e.GetProperty("group").GetString()!, t1 = e.GetProperty("term1").GetString()!;
            string? t2 = e.GetProperty("term2").ValueKind == JsonValueKind.Null ? null : e.GetProperty("term2").GetString();
            return (e, fit.Covariance.Single(o => o.Group == group && o.Term1 == t1 && o.Term2 == t2));
        });

    /// <summary>glmer's Σ_k (random columns as written) and β from its JSON.</summary>
    private static RemlFit AtGlmer(Case c, RemlFit fit)
    {
        var beta = fit.FixedEffects.Select(f => FixedPairs(c, fit).Single(p => p.Ours.Term == f.Term).Fixed.GetProperty("estimate").GetDouble()).ToArray();
        var covariances = fit.Groups.Select(g =>
        {
            int q = g.Terms.Count;
            var m = new double[q * q];
            foreach (var (e, ours) in CovariancePairs(c, fit).Where(p => p.Ours.Group == g.Group))
            {
                int a = g.Terms.ToList().IndexOf(ours.Term1!), b = ours.Term2 is null ? a : g.Terms.ToList().IndexOf(ours.Term2);
                m[a * q + b] = m[b * q + a] = e.GetProperty("estimate").GetDouble();
            }
            return m;
        }).ToList();
        return GeneralizedFit.AtParameters(c.Spec, c.Data, covariances, beta, c.Options);
    }

    [Theory, MemberData(nameof(Cases))]
    public void AtGlmerEstimates_ConditionalModesAndSds_AreGlmers(string id)
    {
        var c = Load(id);
        var at = AtGlmer(c, GeneralizedFit.Fit(c.Spec, c.Data, c.Options));
        foreach (var re in c.Root.GetProperty("random_effects").EnumerateArray())
        {
            var ours = at.Groups.Single(g => g.Group == re.GetProperty("group").GetString());
            var levels = re.GetProperty("levels").EnumerateArray().Select(l => l.GetString()!).ToList();
            // R writes a one-element vector as a scalar.
            var termsElement = re.GetProperty("terms");
            var terms = termsElement.ValueKind == JsonValueKind.String ? [termsElement.GetString()!] : termsElement.EnumerateArray().Select(t => t.GetString()!).ToList();
            double worst = 0;
            for (int j = 0; j < levels.Count; j++)
            {
                int g = ours.GroupNames.ToList().IndexOf(levels[j]);
                for (int t = 0; t < terms.Count; t++)
                {
                    int a = ours.Terms.ToList().IndexOf(terms[t]);
                    double e = re.GetProperty("estimates")[j][t].GetDouble(), s = re.GetProperty("se")[j][t].GetDouble();
                    worst = Math.Max(worst, Math.Abs(ours.RandomEffects[g][a] - e) / Math.Max(Math.Abs(e), s));
                    Assert.Equal(e, ours.RandomEffects[g][a], 1e-3 * Math.Max(Math.Abs(e), s));
                    Assert.Equal(s, ours.RandomEffectSe[g][a], 1e-3 * s);
                }
            }
            output.WriteLine($"{ours.Group}: largest relative difference of a mode {worst:E2}");
        }
    }

    /// <summary>glmer's quadrature fits are precise: ours match them to 1e-4. Its Laplace fits stop short (its PIRLS and
    /// optimiser tolerances): our −2 log L is at most its, and the estimates are near.</summary>
    [Theory, MemberData(nameof(Cases))]
    public void Estimates_AreGlmers_OrABetterOptimum(string id)
    {
        var c = Load(id);
        var fit = GeneralizedFit.Fit(c.Spec, c.Data, c.Options);
        Assert.True(fit.Converged);
        output.WriteLine($"-2LL {fit.Fit.Minus2LogLikelihood:R} vs glmer's {c.Minus2ll:R}; {fit.Seconds:F3} s, glmer {c.Root.GetProperty("seconds").GetDouble():F3} s");
        if (c.Laplace) Assert.True(fit.Fit.Minus2LogLikelihood <= c.Minus2ll + 1e-9 * c.Minus2ll, "glmer's Laplace optimum is better than ours");
        // glmer's SEs come from its Hessian at its own stopping point: on cbpp's Laplace fit they move by up to 1.2% when it is
        // refitted at tight tolerances (factor(period)2: 0.30315 → 0.30664), hence the wider band there.
        double tolerance = c.Laplace ? 1e-2 : 1e-4, seTolerance = c.Laplace ? 2e-2 : 1e-4;
        foreach (var (f, ours) in FixedPairs(c, fit))
        {
            double est = f.GetProperty("estimate").GetDouble(), se = f.GetProperty("se").GetDouble();
            output.WriteLine($"{ours.Term}: {ours.Estimate:R} vs {est:R}; se {ours.StandardError:R} vs {se:R}");
            Assert.Equal(est, ours.Estimate, tolerance * Math.Max(Math.Abs(est), se));
            Assert.Equal(se, ours.StandardError, seTolerance * se);
        }
        foreach (var (e, ours) in CovariancePairs(c, fit))
        {
            double est = e.GetProperty("estimate").GetDouble();
            output.WriteLine($"{ours.Group} {ours.Term1} {ours.Term2}: {ours.Estimate:R} vs {est:R}");
            Assert.Equal(est, ours.Estimate, tolerance * Math.Max(Math.Abs(est), 1e-2));
        }
    }

    /// <summary>Against glmer refitted at tight tolerances (glmer/glmer_tight.R: PIRLS 1e-12, bobyqa to 1e-12), every
    /// case: −2 log L (Laplace) to 1e-9, estimates and SEs to 1e-4 relative.</summary>
    [Theory, MemberData(nameof(Cases))]
    public void Estimates_MatchGlmerAtTightTolerances(string id)
    {
        var c = Load(id);
        var tight = JsonDocument.Parse(File.ReadAllText(Path.Combine(RepositoryPaths.RepositoryDirectory, "tests", "BayesHlm.Tests", "Reference", "glmer", "glmer_tight.json")))
            .RootElement.GetProperty(id);
        var fit = GeneralizedFit.Fit(c.Spec, c.Data, c.Options);
        double m2ll = tight.GetProperty("minus2ll").GetDouble();
        output.WriteLine($"-2LL {fit.Fit.Minus2LogLikelihood:R} vs tight glmer's {m2ll:R}");
        if (c.Laplace) Assert.Equal(m2ll, fit.Fit.Minus2LogLikelihood, 1e-9 * m2ll);
        foreach (var property in tight.GetProperty("fixed").EnumerateObject())
        {
            var ours = fit.FixedEffects.Single(e => e.Term == property.Name);
            double est = property.Value.GetDouble(), se = tight.GetProperty("se").GetProperty(property.Name).GetDouble();
            output.WriteLine($"{ours.Term}: {ours.Estimate:R} vs {est:R}; se {ours.StandardError:R} vs {se:R}");
            Assert.Equal(est, ours.Estimate, 1e-4 * Math.Max(Math.Abs(est), se));
            Assert.Equal(se, ours.StandardError, 1e-4 * se);
        }
        foreach (var e in tight.GetProperty("covariance").EnumerateArray())
        {
            string t1 = e.GetProperty("term1").GetString()!;
            string? t2 = e.GetProperty("term2").ValueKind == JsonValueKind.Null ? null : e.GetProperty("term2").GetString();
            var ours = fit.Covariance.Single(o => o.Group == e.GetProperty("group").GetString() && o.Term1 == t1 && o.Term2 == t2);
            double est = e.GetProperty("estimate").GetDouble();
            Assert.Equal(est, ours.Estimate, 1e-4 * Math.Max(Math.Abs(est), 1e-2));
        }
    }
}
