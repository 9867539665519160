using BayesHlm.Data;
using BayesHlm.Estimation;
using BayesHlm.Model;
using BayesHlm.Statistics;
using BayesHlm.Tests.Support;
using MathNet.Numerics.Distributions;
using MathNet.Numerics.LinearAlgebra;
using MathNet.Numerics.Optimization;

namespace BayesHlm.Tests.Estimation;

/// <summary>
/// Profile-likelihood intervals beyond lme4's two reference cases: each covariance limit is checked by minimising the ML
/// deviance over every other parameter with Nelder–Mead on lme4's own scale (log sds, atanh correlations, log σ) —
/// another optimiser on another parameterisation — and each fixed-effect limit by refitting the model with that effect as
/// an offset; at a limit the deviance must have risen by z² above the ML fit's.
/// </summary>
public class ProfileLikelihoodTests
{
    private static readonly double ZSquared = Math.Pow(Normal.InvCDF(0, 1, 0.975), 2);

    /// <summary>60 groups × 15 rows, three correlated random terms (sds 2, 1, 0.7) and σ = 1.5.</summary>
    private static DataTable ThreeTerms()
    {
        var rng = new Random(20261214);
        double Gauss() => Normal.Sample(rng, 0, 1);
        var cols = new Dictionary<string, List<double>> { ["g"] = [], ["x"] = [], ["z"] = [], ["y"] = [] };
        for (int j = 0; j < 60; j++)
        {
            double a = Gauss(), b = Gauss(), c = Gauss();
            double u0 = 2 * a, u1 = 1 * (0.5 * a + 0.866 * b), u2 = 0.7 * (-0.3 * a + 0.4 * b + 0.866 * c);
            for (int i = 0; i < 15; i++)
            {
                double x = Gauss(), z = Gauss();
                cols["g"].Add(j); cols["x"].Add(x); cols["z"].Add(z);
                cols["y"].Add(10 + u0 + (1 + u1) * x + (-0.5 + u2) * z + 1.5 * Gauss());
            }
        }
        return DataTable.FromColumns(cols.Select(c => (c.Key, c.Value.ToArray())).ToArray());
    }

    private static DataTable Reference(string folder) => DataTable.ReadCsv(RepositoryPaths.Reference(folder.Split('/').Append("data.csv").ToArray()));

    /// <summary>The covariance parameters on lme4's scale, in the order of <see cref="ProfileIntervals.Covariance"/>:
    /// per level the sds, then the correlations of the free pairs; then σ.</summary>
    private sealed class SdCorScale(SufficientStatistics statistics)
    {
        private readonly SufficientStatistics _s = statistics.ForReml();
        private readonly CovarianceLayout _layout = new(statistics.Levels);

        public int Count => _layout.Parameters.Count + (_s.KnownResidualVariance ? 0 : 1);

        /// <summary>ML −2 log L (β profiled) at sds and correlations, through the fit's own kernel and θ map.</summary>
        public double Deviance(double[] sdcor)
        {
            var p = _layout.Parameters;
            var sd = new Dictionary<(int, int), double>();
            for (int i = 0; i < p.Count; i++) if (p[i].IsVariance) sd[(p[i].Level, p[i].Row)] = sdcor[i];
            var sigma = _layout.Unpack(e => e.IsVariance ? sd[(e.Level, e.Row)] * sd[(e.Level, e.Row)]
                : sdcor[p.ToList().IndexOf(e)] * sd[(e.Level, e.Row)] * sd[(e.Level, e.Col)]);
            double sigma2 = _s.KnownResidualVariance ? 1 : sdcor[^1] * sdcor[^1];
            if (Reml.KernelTheta(_s, sigma, sigma2) is not { } theta) return double.PositiveInfinity;
            var criterion = new ProfiledDeviance(_s, reml: false);
            return double.IsFinite(criterion.Evaluate(theta)) ? criterion.Factorization.Deviance(false, sigma2) : double.PositiveInfinity;
        }

        /// <summary>min over every parameter but <paramref name="held"/>, held at <paramref name="value"/>, from the
        /// estimates <paramref name="start"/>; sds as logs and correlations as atanh, so the search is unconstrained.</summary>
        public double MinimumWith(int held, double value, double[] start)
        {
            bool IsCorrelation(int i) => i < _layout.Parameters.Count && !_layout.Parameters[i].IsVariance;
            double ToFree(int i, double v) => IsCorrelation(i) ? Math.Atanh(v) : Math.Log(v);
            double FromFree(int i, double v) => IsCorrelation(i) ? Math.Tanh(v) : Math.Exp(v);
            var others = Enumerable.Range(0, Count).Where(i => i != held).ToArray();
            double F(Vector<double> free)
            {
                var full = new double[Count];
                full[held] = value;
                for (int k = 0; k < others.Length; k++) full[others[k]] = FromFree(others[k], free[k]);
                return Deviance(full);
            }
            var x = Vector<double>.Build.DenseOfEnumerable(others.Select(i => ToFree(i, start[i])));
            double best = double.PositiveInfinity;
            // Restarted until a restart gains nothing: one Nelder–Mead run can stall short of the minimum.
            for (int round = 0; round < 6; round++)
            {
                var r = NelderMeadSimplex.Minimum(ObjectiveFunction.Value(F), x, 1e-12, 20_000);
                x = r.MinimizingPoint;
                if (r.FunctionInfoAtMinimum.Value > best - 1e-9) return Math.Min(best, r.FunctionInfoAtMinimum.Value);
                best = r.FunctionInfoAtMinimum.Value;
            }
            return best;
        }
    }

    /// <summary>Every finite covariance limit is where the deviance, minimised over the rest by Nelder–Mead, is z² above
    /// the ML fit's; a limit on a bound (an sd's 0, a correlation's ±1) is where the rise there is still below z².</summary>
    private static void CovarianceLimitsAreWhereTheDevianceRisesByZSquared(SufficientStatistics statistics, ProfileIntervals profile)
    {
        var ml = Reml.Fit(statistics, new RemlOptions { Method = EstimationMethod.Ml });
        double minimum = ml.Fit.Minus2LogLikelihood + statistics.LogWeightSum;
        var scale = new SdCorScale(statistics);
        Assert.Equal(scale.Count, profile.Covariance.Count);
        var start = profile.Covariance.Select(i => i.Estimate).ToArray();
        Assert.Equal(minimum, scale.Deviance(start), 1e-6);
        for (int i = 0; i < start.Length; i++)
        {
            var interval = profile.Covariance[i];
            Assert.True(interval.Lower < interval.Estimate && interval.Estimate < interval.Upper, $"{interval.Lme4Name}: {interval}");
            foreach (double limit in new[] { interval.Lower, interval.Upper })
            {
                double rise = scale.MinimumWith(i, limit, start) - minimum;
                bool onBound = interval.Scale == ProfileScale.Correlation ? Math.Abs(limit) == 1 : limit == 0;
                if (onBound) Assert.True(rise < ZSquared, $"{interval.Lme4Name} at its bound {limit:R}: deviance {rise:R} above the minimum, beyond z² = {ZSquared:R}");
                else Assert.True(Math.Abs(rise - ZSquared) < 1e-4, $"{interval.Lme4Name} at {limit:R}: deviance {rise:R} above the minimum, not z² = {ZSquared:R}");
            }
        }
    }

    [Fact]
    public void ThreeCorrelatedTerms_EveryLimitIsWhereTheDevianceRisesByZSquared()
    {
        var stats = SufficientStatistics.Build(ModelSpec.FromFormula("y ~ x + z + (1 + x + z | g)"), ThreeTerms());
        var profile = ProfileLikelihood.Intervals(stats, Reml.Fit(stats));
        Assert.Equal(3 + 3 + 1, profile.Covariance.Count);
        Assert.Empty(profile.Warnings);
        CovarianceLimitsAreWhereTheDevianceRisesByZSquared(stats, profile);
    }

    /// <summary>Where ours and lme4's limits differ most (the slope sd's upper limit, ours 0.73874 against lme4's 0.73861
    /// read off its spline), ours is where the deviance has risen by z²; the slope sd's 0 and the correlation's ±1 are
    /// bounds the profile does not rise to z² before.</summary>
    [Fact]
    public void HsbSlopesAsOutcomes_EveryLimitIsWhereTheDevianceRisesByZSquared()
    {
        var file = ModelFile.Load(RepositoryPaths.Model("hsb_slopes_as_outcomes"));
        var stats = SufficientStatistics.Build(file.Spec, DataTable.ReadCsv(file.DataPath));
        var profile = ProfileLikelihood.Intervals(stats, Reml.Fit(stats));
        CovarianceLimitsAreWhereTheDevianceRisesByZSquared(stats, profile);
    }

    [Fact]
    public void NestedLevels_EveryLimitIsWhereTheDevianceRisesByZSquared()
    {
        var stats = SufficientStatistics.Build(ModelSpec.FromFormula("y ~ x + (1 | school/classroom)"), Reference("posteriors/three_level_sim"));
        var profile = ProfileLikelihood.Intervals(stats, Reml.Fit(stats));
        Assert.Equal(["sd_(Intercept)|school", "sd_(Intercept)|school:classroom", "sigma"], profile.Covariance.Select(i => i.Lme4Name).Order());
        CovarianceLimitsAreWhereTheDevianceRisesByZSquared(stats, profile);
    }

    [Fact]
    public void UncorrelatedTerms_HaveNoCorrelationAndTheirLimitsAreWhereTheDevianceRisesByZSquared()
    {
        var stats = SufficientStatistics.Build(ModelSpec.FromFormula("weight ~ center(day) + (1 + center(day) || rat)"), Reference("posteriors/rats"));
        var profile = ProfileLikelihood.Intervals(stats, Reml.Fit(stats));
        Assert.DoesNotContain(profile.Covariance, i => i.Scale == ProfileScale.Correlation);
        CovarianceLimitsAreWhereTheDevianceRisesByZSquared(stats, profile);
    }

    [Fact]
    public void CrossedFactors_EveryLimitIsWhereTheDevianceRisesByZSquared()
    {
        var data = DataTable.ReadCsv(RepositoryPaths.Reference("..", "data", "crossed_sim.csv"));
        var stats = SufficientStatistics.Build(ModelSpec.FromFormula("y ~ x + (1 | school) + (1 | neighbourhood)"), data);
        var profile = ProfileLikelihood.Intervals(stats, Reml.Fit(stats, new RemlOptions { Method = EstimationMethod.Ml }));
        CovarianceLimitsAreWhereTheDevianceRisesByZSquared(stats, profile);
    }

    [Fact]
    public void KnownLevelOneVariances_TauIsProfiledAloneFromZero()
    {
        var file = ModelFile.Load(RepositoryPaths.Model("eight_schools"));
        var stats = SufficientStatistics.Build(file.Spec, DataTable.ReadCsv(file.DataPath));
        var profile = ProfileLikelihood.Intervals(stats, Reml.Fit(stats));
        var tau = Assert.Single(profile.Covariance);
        // The eight schools' ML τ is 0 (the between-school spread is less than their standard errors explain).
        Assert.True(tau.Estimate < 1e-6, $"τ̂ = {tau.Estimate}");
        Assert.Equal(0, tau.Lower);
        double rise = new SdCorScale(stats).Deviance([tau.Upper]) - new SdCorScale(stats).Deviance([0]);
        Assert.Equal(ZSquared, rise, 1e-6);
    }

    /// <summary>The model with x_j·b as an offset and without x_j, fitted by ML: its −2 log L is z² above the full model's
    /// at either limit b of β_j.</summary>
    [Theory]
    [InlineData("mathach ~ meanses + (1 | school)", "(Intercept)", "mathach ~ 0 + meanses + offset(o) + (1 | school)")]
    [InlineData("mathach ~ meanses + center(ses, school) + (1 + center(ses, school) | school)", "meanses",
        "mathach ~ center(ses, school) + offset(o) + (1 + center(ses, school) | school)")]
    public void FixedEffectLimits_AreWhereTheOffsetModelsDevianceRisesByZSquared(string formula, string term, string withOffset)
    {
        var data = DataTable.ReadCsv(RepositoryPaths.Data("hsb.csv"));
        var stats = SufficientStatistics.Build(ModelSpec.FromFormula(formula), data);
        var profile = ProfileLikelihood.Intervals(stats, Reml.Fit(stats));
        var interval = Assert.Single(profile.Fixed, i => i.Term1 == term);
        double full = Reml.Fit(stats, new RemlOptions { Method = EstimationMethod.Ml }).Fit.Minus2LogLikelihood;
        var x = term == "(Intercept)" ? Enumerable.Repeat(1.0, data.RowCount).ToArray() : ((NumericColumn)data[term]).Values.ToArray();
        foreach (double b in new[] { interval.Lower, interval.Upper })
        {
            var shifted = new DataTable(data.Columns.Append(new NumericColumn("o", x.Select(v => v * b).ToArray())).ToList());
            var offsetFit = Reml.Fit(ModelSpec.FromFormula(withOffset), shifted, new RemlOptions { Method = EstimationMethod.Ml });
            Assert.Equal(ZSquared, offsetFit.Fit.Minus2LogLikelihood - full, 1e-5);
        }
    }

    [Fact]
    public void RemlFit_IsProfiledAsItsMlRefit()
    {
        var stats = SufficientStatistics.Build(ModelSpec.FromFormula("mathach ~ meanses + (1 | school)"), DataTable.ReadCsv(RepositoryPaths.Data("hsb.csv")));
        var fromReml = ProfileLikelihood.Intervals(stats, Reml.Fit(stats));
        var fromMl = ProfileLikelihood.Intervals(stats, Reml.Fit(stats, new RemlOptions { Method = EstimationMethod.Ml }));
        foreach (var (a, b) in fromReml.Covariance.Concat(fromReml.Fixed).Zip(fromMl.Covariance.Concat(fromMl.Fixed)))
        {
            Assert.Equal(b.Lme4Name, a.Lme4Name);
            Assert.Equal(b.Lower, a.Lower, 1e-6 * Math.Abs(b.Lower));
            Assert.Equal(b.Upper, a.Upper, 1e-6 * Math.Abs(b.Upper));
        }
    }

    [Fact]
    public void NarrowerLevel_GivesNarrowerIntervals()
    {
        var stats = SufficientStatistics.Build(ModelSpec.FromFormula("mathach ~ meanses + (1 | school)"), DataTable.ReadCsv(RepositoryPaths.Data("hsb.csv")));
        var fit = Reml.Fit(stats);
        var wide = ProfileLikelihood.Intervals(stats, fit, 0.99);
        var narrow = ProfileLikelihood.Intervals(stats, fit, 0.8);
        foreach (var (w, n) in wide.Covariance.Concat(wide.Fixed).Zip(narrow.Covariance.Concat(narrow.Fixed)))
            Assert.True(w.Lower < n.Lower && n.Upper < w.Upper, $"{w.Lme4Name}: 99% {w}, 80% {n}");
    }

    [Fact]
    public void BinomialFit_IsRefused()
    {
        var file = ModelFile.Load(RepositoryPaths.Model("cbpp_binomial"));
        var data = DataTable.ReadCsv(file.DataPath);
        var fit = BayesHlm.Estimation.Glmm.GeneralizedFit.Fit(file.Spec, data, new BayesHlm.Estimation.Glmm.GlmmOptions());
        var e = Assert.Throws<ModelSpecificationException>(() => ProfileLikelihood.Intervals(fit, data));
        Assert.Contains("gaussian", e.Message);
    }
}
