using BayesHlm.Data;
using BayesHlm.Estimation;
using BayesHlm.Model;
using BayesHlm.Statistics;
using BayesHlm.Tests.Reference;

namespace BayesHlm.Tests.Estimation;

public class KernelAtReferenceTests
{
    public static TheoryData<string> Cases() => new(RemlReference.Ids);

    [Theory]
    [MemberData(nameof(Cases))]
    public void Deviance_AtLme4Estimates_MatchesLme4Minus2LogLikelihood(string id)
    {
        var r = RemlReference.Load(id);
        var stats = SufficientStatistics.Build(ModelSpec.FromFormula(r.Formula), DataTable.ReadCsv(r.DataPath));
        bool reml = r.Method == "REML";
        var dev = new ProfiledDeviance(stats, reml);
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
            int j = t2.ValueKind == System.Text.Json.JsonValueKind.Null ? i : level.TermNames.ToList().FindIndex(t => RemlReference.SameTerm(t2.GetString()!, t));
            sigma[k][i * level.Size + j] = est;
            sigma[k][j * level.Size + i] = est;
        }
        var theta = dev.Map.FromCovariances(sigma, sigma2)!;
        dev.Evaluate(theta);
        double m2ll = dev.Factorization.Deviance(reml, sigma2);
        Assert.Equal(r.Root.GetProperty("fit").GetProperty("minus2ll").GetDouble(), m2ll, 1e-3);
    }
}
