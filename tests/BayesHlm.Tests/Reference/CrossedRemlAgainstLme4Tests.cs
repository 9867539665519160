namespace BayesHlm.Tests.Reference;

/// <summary>Every crossed fit in ../shared/reference/reml_crossed (lme4 1.1-31 + lmerTest 3.1-3) reproduced as the nested
/// ones are: fixed effects with SEs and Satterthwaite df, covariance parameters, −2LL and the SAS-style statistics (BIC
/// counts the factor with the fewest groups), and the EB predictions with their conditional sds for every factor.</summary>
public class CrossedRemlAgainstLme4Tests
{
    public static TheoryData<string> Cases() => new(RemlReference.CrossedIds);

    [Theory, MemberData(nameof(Cases))]
    public void FixedEffects_AtLme4Estimates_MatchLme4(string id) => RemlAgainstLme4Tests.FixedEffects_AtLme4Estimates_MatchLme4Check(id);

    [Theory, MemberData(nameof(Cases))]
    public void FixedEffects_MatchLme4(string id) => RemlAgainstLme4Tests.FixedEffects_MatchLme4Check(id);

    [Theory, MemberData(nameof(Cases))]
    public void CovarianceParameters_MatchLme4(string id) => RemlAgainstLme4Tests.CovarianceParameters_MatchLme4Check(id);

    [Theory, MemberData(nameof(Cases))]
    public void FitStatistics_MatchLme4AndSasConventions(string id) => RemlAgainstLme4Tests.FitStatistics_MatchLme4AndSasConventionsCheck(id);

    [Theory, MemberData(nameof(Cases))]
    public void EmpiricalBayesPredictions_AtLme4Estimates_MatchLme4Ranef(string id) => RemlAgainstLme4Tests.EmpiricalBayesPredictions_AtLme4Estimates_MatchLme4RanefCheck(id);
}
