using BayesHlm.Model;

namespace BayesHlm.Tests.Model;

public class PriorSpecTests
{
    public static TheoryData<string> Cases() => new(Directory.GetDirectories(RepositoryPaths.Reference("posteriors")).Select(Path.GetFileName)!);

    [Theory, MemberData(nameof(Cases))]
    public void EveryReferenceCaseFile_ParsesAsPriors(string id)
    {
        var spec = PriorSpec.Load(Path.Combine(RepositoryPaths.ReferenceCase(id), "case.json"));
        Assert.True(spec.Fixed!.Variance > 0);
        Assert.NotEmpty(spec.Groups);
    }

    [Fact]
    public void KnownVarianceCase_HasNoResidualPrior()
    {
        var spec = PriorSpec.Load(Path.Combine(RepositoryPaths.ReferenceCase("eight_schools"), "case.json"));
        Assert.Null(spec.Residual);
    }

    [Fact]
    public void Vocabulary_IsReadAsWritten()
    {
        var spec = PriorSpec.FromJson("""
            {"fixed":{"dist":"normal","mean":1,"variance":100},
             "residual":{"dist":"half_cauchy_sd","scale":25},
             "group:school":{"dist":"inv_wishart","df":3,"scale":[[1,0],[0,2]]},
             "group:batch":{"dist":"gamma_precision","shape":1,"rate":{"dist":"gamma","shape":1,"rate":1}}}
            """);
        Assert.Equal(new NormalPrior(1, 100), spec.Fixed);
        Assert.Equal(new VariancePrior.HalfCauchySd(25), spec.Residual);
        var iw = Assert.IsType<VariancePrior.InverseWishart>(spec.Groups["school"]);
        Assert.Equal(3, iw.Df);
        Assert.Equal(2, iw.Scale[1][1]);
        Assert.Equal(new VariancePrior.GammaPrecisionWithGammaRate(1, 1, 1), spec.Groups["batch"]);
    }

    [Theory]
    [InlineData("{\"fixed\":{\"dist\":\"normal\",\"mean\":0,\"variance\":-1},\"residual\":{\"dist\":\"uniform_sd\",\"upper\":5}}", "'variance' must be positive")]
    [InlineData("{\"fixed:x\":{\"dist\":\"gamma_precision\",\"shape\":1,\"rate\":1}}", "a fixed effect takes")]
    [InlineData("{\"fixed_block\":{\"dist\":\"mv_normal\",\"terms\":[\"a\",\"b\"],\"mean\":[0],\"covariance\":[[1,0],[0,1]]}}", "2 terms need a mean of length 2")]
    [InlineData("{\"group:g\":{\"dist\":\"lkj_half_t\",\"eta\":1,\"df\":3}}", "needs 'scales'")]
    [InlineData("{\"fixed\":{\"dist\":\"normal\",\"mean\":0,\"variance\":1},\"residual\":{\"dist\":\"inv_wishart\",\"df\":2}}", "unknown or misplaced prior 'inv_wishart'")]
    [InlineData("{\"fixed\":{\"dist\":\"normal\",\"mean\":0,\"variance\":1},\"residual\":{\"dist\":\"uniform_sd\",\"upper\":5},\"sigma\":{}}", "unknown key")]
    [InlineData("{\"fixed\":", "not valid JSON")]
    public void BadPriors_SayWhatIsWrong(string json, string fragment)
    {
        var e = Assert.Throws<ModelSpecificationException>(() => PriorSpec.FromJson(json));
        Assert.Contains(fragment, e.Message);
    }
}
