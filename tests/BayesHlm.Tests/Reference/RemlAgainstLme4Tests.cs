using System.Collections.Concurrent;
using System.Text.Json;
using BayesHlm.Data;
using BayesHlm.Estimation;
using BayesHlm.Model;
using BayesHlm.Statistics;

namespace BayesHlm.Tests.Reference;

/// <summary>Every fit in ../shared/reference/reml (lme4 1.1-31 + lmerTest 3.1-3) reproduced to the tolerances.</summary>
public class RemlAgainstLme4Tests
{
    private static readonly ConcurrentDictionary<(string, EstimationAlgorithm), RemlFit> Fits = new();
    private static readonly ConcurrentDictionary<string, RemlFit> AtLme4 = new();

    private static RemlOptions OptionsFor(RemlReference r, EstimationAlgorithm algorithm = EstimationAlgorithm.Auto) => new()
    {
        Method = r.Method == "REML" ? EstimationMethod.Reml : EstimationMethod.Ml,
        Algorithm = algorithm,
    };

    /// <summary>Our fit evaluated at exactly lme4's covariance estimates: checks everything downstream of the
    /// optimiser (kernel, SEs, df, EB) without lme4's own convergence error.</summary>
    internal static RemlFit FitAtLme4Estimates(string id) =>
        AtLme4.GetOrAdd(id, _ =>
        {
            var r = RemlReference.Load(id);
            var stats = SufficientStatistics.Build(ModelSpec.FromFormula(r.Formula), DataTable.ReadCsv(r.DataPath));
            var (sigma, sigma2) = Lme4Covariances(r, stats);
            return Reml.AtCovariance(stats, sigma, sigma2, OptionsFor(r));
        });

    internal static (double[][] Sigma, double Sigma2) Lme4Covariances(RemlReference r, SufficientStatistics stats)
    {
        double sigma2 = 0;
        var sigma = stats.Levels.Select(l => new double[l.Size * l.Size]).ToArray();
        foreach (var c in r.Root.GetProperty("covariance").EnumerateArray())
        {
            string group = c.GetProperty("group").GetString()!;
            double est = c.GetProperty("estimate").GetDouble();
            if (group == "Residual") { sigma2 = est; continue; }
            int k = stats.Levels.ToList().FindIndex(l => l.Grouping.Name == group);
            var level = stats.Levels[k];
            int i = level.TermNames.ToList().FindIndex(t => RemlReference.SameTerm(c.GetProperty("term1").GetString()!, t));
            var t2 = c.GetProperty("term2");
            int j = t2.ValueKind == JsonValueKind.Null ? i : level.TermNames.ToList().FindIndex(t => RemlReference.SameTerm(t2.GetString()!, t));
            sigma[k][i * level.Size + j] = est;
            sigma[k][j * level.Size + i] = est;
        }
        return (sigma, sigma2);
    }

    /// <summary>
    /// lme4's optimiser stops when the deviance changes by less than its tolerance; along a flat direction (a small
    /// slope variance) that leaves its estimate a few 1e-4 from the optimum. Where our estimate differs by more
    /// than the tolerance, it must be the better optimum — a lower deviance than lme4's at lme4's own estimates —
    /// and still within ten times the tolerance.
    /// </summary>
    private static void MatchesOrImprovesOn(RemlReference r, RemlFit fit, double expected, double actual, double tolerance, string what)
    {
        double err = Math.Abs(actual - expected) / Math.Max(Math.Abs(expected), 1e-300);
        if (err <= tolerance) return;
        double lme4Deviance = r.Root.GetProperty("fit").GetProperty("minus2ll").GetDouble();
        Assert.True(fit.Fit.Minus2LogLikelihood < lme4Deviance && err <= 10 * tolerance,
            $"{what}: expected {expected:R}, got {actual:R} (relative error {err:E2} > {tolerance:E0}); our −2LL {fit.Fit.Minus2LogLikelihood:R} vs lme4's {lme4Deviance:R}");
    }

    public static TheoryData<string> Cases() => new(RemlReference.Ids);

    internal static RemlFit FitCase(string id, EstimationAlgorithm algorithm = EstimationAlgorithm.Auto) =>
        Fits.GetOrAdd((id, algorithm), key =>
        {
            var r = RemlReference.Load(key.Item1);
            return Reml.Fit(ModelSpec.FromFormula(r.Formula), DataTable.ReadCsv(r.DataPath), OptionsFor(r, key.Item2));
        });

    private static void Relative(double expected, double actual, double tolerance, string what)
    {
        double err = Math.Abs(actual - expected) / Math.Max(Math.Abs(expected), 1e-300);
        Assert.True(err <= tolerance, $"{what}: expected {expected:R}, got {actual:R} (relative error {err:E2} > {tolerance:E0})");
    }

    [Theory, MemberData(nameof(Cases))]
    public void FixedEffects_AtLme4Estimates_MatchLme4(string id) => FixedEffects_AtLme4Estimates_MatchLme4Check(id);

    internal static void FixedEffects_AtLme4Estimates_MatchLme4Check(string id)
    {
        var r = RemlReference.Load(id);
        var fit = FitAtLme4Estimates(id);
        Assert.Equal(r.Root.GetProperty("fit").GetProperty("minus2ll").GetDouble(), fit.Fit.Minus2LogLikelihood, 1e-3);
        var expected = r.Root.GetProperty("fixed").EnumerateArray().ToList();
        Assert.Equal(expected.Count, fit.FixedEffects.Count);
        foreach (var e in expected)
        {
            string term = e.GetProperty("term").GetString()!;
            var ours = Assert.Single(fit.FixedEffects, f => RemlReference.SameTerm(term, f.Term));
            Relative(e.GetProperty("estimate").GetDouble(), ours.Estimate, 1e-5, $"{id} {term} estimate");
            Relative(e.GetProperty("se").GetDouble(), ours.StandardError, 1e-5, $"{id} {term} se");
            Relative(e.GetProperty("df_satterthwaite").GetDouble(), ours.DfSatterthwaite, 1e-3, $"{id} {term} Satterthwaite df");
            Relative(e.GetProperty("t").GetDouble(), ours.T, 1e-5, $"{id} {term} t");
        }
    }

    [Theory, MemberData(nameof(Cases))]
    public void FixedEffects_MatchLme4(string id) => FixedEffects_MatchLme4Check(id);

    internal static void FixedEffects_MatchLme4Check(string id)
    {
        var r = RemlReference.Load(id);
        var fit = FitCase(id);
        var expected = r.Root.GetProperty("fixed").EnumerateArray().ToList();
        Assert.Equal(expected.Count, fit.FixedEffects.Count);
        foreach (var e in expected)
        {
            string term = e.GetProperty("term").GetString()!;
            var ours = Assert.Single(fit.FixedEffects, f => RemlReference.SameTerm(term, f.Term));
            MatchesOrImprovesOn(r, fit, e.GetProperty("estimate").GetDouble(), ours.Estimate, 1e-5, $"{id} {term} estimate");
            MatchesOrImprovesOn(r, fit, e.GetProperty("se").GetDouble(), ours.StandardError, 1e-5, $"{id} {term} se");
            Relative(e.GetProperty("df_satterthwaite").GetDouble(), ours.DfSatterthwaite, 1e-3, $"{id} {term} Satterthwaite df");
        }
    }

    [Theory, MemberData(nameof(Cases))]
    public void CovarianceParameters_MatchLme4(string id) => CovarianceParameters_MatchLme4Check(id);

    internal static void CovarianceParameters_MatchLme4Check(string id)
    {
        var r = RemlReference.Load(id);
        var fit = FitCase(id);
        var expected = r.Root.GetProperty("covariance").EnumerateArray().ToList();
        Assert.Equal(expected.Count, fit.Covariance.Count);
        foreach (var e in expected)
        {
            string group = e.GetProperty("group").GetString()!;
            string? t1 = e.GetProperty("term1").ValueKind == JsonValueKind.Null ? null : e.GetProperty("term1").GetString();
            string? t2 = e.GetProperty("term2").ValueKind == JsonValueKind.Null ? null : e.GetProperty("term2").GetString();
            var ours = Assert.Single(fit.Covariance, c => c.Group == group
                && (t1 is null ? c.Term1 is null : c.Term1 is not null && RemlReference.SameTerm(t1, c.Term1))
                && (t2 is null ? c.Term2 is null : c.Term2 is not null && RemlReference.SameTerm(t2, c.Term2)));
            MatchesOrImprovesOn(r, fit, e.GetProperty("estimate").GetDouble(), ours.Estimate, 1e-4, $"{id} {group} {t1} {t2}");
        }
    }

    [Theory, MemberData(nameof(Cases))]
    public void FitStatistics_MatchLme4AndSasConventions(string id) => FitStatistics_MatchLme4AndSasConventionsCheck(id);

    internal static void FitStatistics_MatchLme4AndSasConventionsCheck(string id)
    {
        var r = RemlReference.Load(id);
        var fit = FitCase(id).Fit;
        // Never a worse optimum than lme4's (1e-6 allows for rounding in the last digits).
        Assert.True(fit.Minus2LogLikelihood <= r.Root.GetProperty("fit").GetProperty("minus2ll").GetDouble() + 1e-6);
        var e = r.Root.GetProperty("fit");
        Assert.Equal(e.GetProperty("minus2ll").GetDouble(), fit.Minus2LogLikelihood, 1e-3);
        Assert.Equal(e.GetProperty("aic").GetDouble(), fit.Aic, 1e-3);
        Assert.Equal(e.GetProperty("aicc").GetDouble(), fit.Aicc, 1e-3);
        Assert.Equal(e.GetProperty("bic").GetDouble(), fit.Bic, 1e-3);
        Assert.Equal(e.GetProperty("params").GetInt32(), fit.Parameters);
    }

    [Theory, MemberData(nameof(Cases))]
    public void EmpiricalBayesPredictions_AtLme4Estimates_MatchLme4Ranef(string id) => EmpiricalBayesPredictions_AtLme4Estimates_MatchLme4RanefCheck(id);

    internal static void EmpiricalBayesPredictions_AtLme4Estimates_MatchLme4RanefCheck(string id)
    {
        var r = RemlReference.Load(id);
        var fit = FitAtLme4Estimates(id);
        foreach (var block in r.Root.GetProperty("random_effects").EnumerateArray())
        {
            string group = block.GetProperty("group").GetString()!;
            var ours = Assert.Single(fit.Groups, g => g.Group == group);
            var levels = block.GetProperty("levels").EnumerateArray().Select(x => x.GetString()!).ToList();
            var termsEl = block.GetProperty("terms");
            var terms = termsEl.ValueKind == JsonValueKind.Array ? termsEl.EnumerateArray().Select(x => x.GetString()!).ToList() : [termsEl.GetString()!];
            var est = block.GetProperty("estimates").EnumerateArray().Select(row => row.EnumerateArray().Select(x => x.GetDouble()).ToArray()).ToList();
            var se = block.GetProperty("se").EnumerateArray().Select(row => row.EnumerateArray().Select(x => x.GetDouble()).ToArray()).ToList();
            if (se.Count == terms.Count && se.Count != levels.Count)
                se = Enumerable.Range(0, levels.Count).Select(i => se.Select(col => col[i]).ToArray()).ToList(); // stored terms × levels
            Assert.Equal(levels.Count, ours.GroupNames.Count);
            var termIndex = terms.Select(t => ours.Terms.ToList().FindIndex(o => RemlReference.SameTerm(t, o))).ToArray();
            Assert.DoesNotContain(-1, termIndex);
            for (int t = 0; t < terms.Count; t++)
            {
                // Relative to the spread of the predictions, so that values near zero are not judged on their last digits.
                double scale = est.Max(row => Math.Abs(row[t]));
                for (int i = 0; i < levels.Count; i++)
                {
                    int j = ours.GroupNames.ToList().IndexOf(OurLevelName(group, levels[i]));
                    Assert.True(j >= 0, $"level {levels[i]} of {group} missing");
                    double a = ours.RandomEffects[j][termIndex[t]], b = est[i][t];
                    Assert.True(Math.Abs(a - b) <= 1e-4 * Math.Max(Math.Abs(b), scale * 1e-3), $"{id} {group}={levels[i]} {terms[t]}: {a} vs {b}");
                    double sa = ours.RandomEffectSe[j][termIndex[t]], sb = se[i][t];
                    Relative(sb, sa, 1e-4, $"{id} {group}={levels[i]} {terms[t]} se");
                }
            }
        }
    }

    /// <summary>lme4 names a nested level classroom:school; ours is school:classroom.</summary>
    private static string OurLevelName(string group, string lme4Level) =>
        group.Contains(':') ? string.Join(":", lme4Level.Split(':').Reverse()) : lme4Level;

    [Theory, MemberData(nameof(Cases))]
    public void Em_AgreesWithNewton(string id)
    {
        var newton = FitCase(id, EstimationAlgorithm.Newton);
        var em = FitCase(id, EstimationAlgorithm.Em);
        Assert.True(em.Converged, "EM did not converge");
        for (int i = 0; i < newton.Covariance.Count; i++)
            Relative(newton.Covariance[i].Estimate, em.Covariance[i].Estimate, 1e-6, $"{id} EM vs Newton {newton.Covariance[i].Group} {newton.Covariance[i].Term1} {newton.Covariance[i].Term2}");
        for (int i = 0; i < newton.FixedEffects.Count; i++)
            Relative(newton.FixedEffects[i].Estimate, em.FixedEffects[i].Estimate, 1e-6, $"{id} EM vs Newton {newton.FixedEffects[i].Term}");
    }
}
