using System.Text.Json;
using BayesHlm.Data;
using BayesHlm.Estimation;
using BayesHlm.Model;
using BayesHlm.Statistics;
using BayesHlm.Tests.Support;

namespace BayesHlm.Tests.Reference;

/// <summary>
/// Every interval of ../shared/reference/profile (lme4 1.1-31, <c>confint(method = "profile")</c> at 95%) reproduced.
/// lme4 reads its limits off an interpolating spline through the ζ of a grid of profile points, we find them by root-
/// finding on ζ itself; the two agree to 1.8e-4 of an interval's width where the profile bends most (the slope sd's
/// upper limit, 0.73874 against lme4's 0.73861; ours is where the deviance has risen by z², see
/// ProfileLikelihoodTests) and to at most 2.2e-5 elsewhere, so a limit must be within a thousandth of the interval's
/// width. Limits lme4 puts on a bound (an sd's 0, a correlation's ±1) must be exactly that bound.
/// </summary>
public class ProfileAgainstLme4Tests
{
    private const double WidthTolerance = 1e-3;

    public static TheoryData<string> Cases() => new("hsb_anova", "hsb_slopes_as_outcomes");

    /// <summary>The fixture's formula is the model of models/&lt;id&gt;.yaml: the intervals are checked on the model file.</summary>
    private static (SufficientStatistics Statistics, RemlFit Fit, JsonElement Fixture) FitModelFile(string id)
    {
        var fixture = JsonDocument.Parse(File.ReadAllText(RepositoryPaths.Reference("profile", id + ".json"))).RootElement;
        var file = ModelFile.Load(RepositoryPaths.Model(id));
        var data = DataTable.ReadCsv(file.DataPath);
        var fromFile = SufficientStatistics.Build(file.Spec, data);
        var fromFixture = SufficientStatistics.Build(ModelSpec.FromFormula(fixture.GetProperty("formula").GetString()!), data);
        static IEnumerable<string> Terms(SufficientStatistics s) => s.FixedNames.Select(n => string.Join(":", n.Split(':').Order())).Order();
        Assert.Equal(Terms(fromFixture), Terms(fromFile));
        Assert.Equal(fromFixture.Levels.Select(l => (l.Grouping.Name, string.Join(",", l.TermNames))), fromFile.Levels.Select(l => (l.Grouping.Name, string.Join(",", l.TermNames))));
        var method = fixture.GetProperty("method").GetString() == "REML" ? EstimationMethod.Reml : EstimationMethod.Ml;
        Assert.Equal(method == EstimationMethod.Reml ? "reml" : "ml", file.Method);
        return (fromFile, Reml.Fit(fromFile, new RemlOptions { Method = method }), fixture);
    }

    private static bool IsLme4Name(string lme4, ProfileInterval ours) => ours.Scale switch
    {
        ProfileScale.FixedEffect => RemlReference.SameTerm(lme4, ours.Term1!),
        ProfileScale.Correlation => lme4 == $"cor_{RemlReference.Lme4Name(ours.Term2!)}.{RemlReference.Lme4Name(ours.Term1!)}|{ours.Group}"
                                    || lme4 == $"cor_{RemlReference.Lme4Name(ours.Term1!)}.{RemlReference.Lme4Name(ours.Term2!)}|{ours.Group}",
        _ => lme4 == (ours.Group == "Residual" ? "sigma" : $"sd_{RemlReference.Lme4Name(ours.Term1!)}|{ours.Group}"),
    };

    [Theory, MemberData(nameof(Cases))]
    public void EveryInterval_MatchesLme4(string id)
    {
        var (statistics, fit, fixture) = FitModelFile(id);
        var profile = ProfileLikelihood.Intervals(statistics, fit, fixture.GetProperty("level").GetDouble());
        var ours = profile.Covariance.Concat(profile.Fixed).ToList();
        var expected = fixture.GetProperty("intervals").EnumerateArray().ToList();
        Assert.Equal(expected.Count, ours.Count);
        Assert.Empty(profile.Warnings);
        foreach (var e in expected)
        {
            string name = e.GetProperty("parameter").GetString()!;
            var mine = Assert.Single(ours, o => IsLme4Name(name, o));
            double lower = e.GetProperty("lower").GetDouble(), upper = e.GetProperty("upper").GetDouble();
            double tolerance = WidthTolerance * (upper - lower);
            foreach (var (what, lme4, value) in new[] { ("lower", lower, mine.Lower), ("upper", upper, mine.Upper) })
            {
                bool onBound = mine.Scale == ProfileScale.Correlation ? Math.Abs(lme4) == 1 : mine.Scale == ProfileScale.StandardDeviation && lme4 == 0;
                if (onBound) Assert.True(value == lme4, $"{id} {name} {what}: lme4 {lme4:R} (a bound), ours {value:R}");
                else Assert.True(Math.Abs(value - lme4) <= tolerance, $"{id} {name} {what}: lme4 {lme4:R}, ours {value:R} (off by {Math.Abs(value - lme4):E2} > {tolerance:E2})");
            }
        }
    }
}
