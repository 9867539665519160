using BayesHlm.Diagnostics;
using BayesHlm.Model;
using BayesHlm.Sampling;

namespace BayesHlm.Tests.Sampling;

public class RandomWalkTests
{
    [Fact]
    public void Step_TargetsTheGivenDensity_AndAdaptsOnlyWhenAsked()
    {
        // Target: a normal with mean 3 and sd 2, on the real line. Mean within 5 MCSE, sd within 5%.
        var walk = new RandomWalk();
        var rng = new Random(5);
        double x = 0;
        var logTarget = new NormalTarget(3, 2);
        for (int t = 0; t < 2000; t++) x = walk.Step(x, logTarget, rng, adapt: true);
        double adapted = walk.AcceptanceRate;
        const int n = 40_000;
        var draws = new double[n];
        for (int t = 0; t < n; t++) draws[t] = x = walk.Step(x, logTarget, rng, adapt: false);
        var s = PosteriorSummary.Summarise(new DrawSet(["x"], 4, n / 4, [draws])).Rows[0];
        Assert.True(Math.Abs(s.Mean - 3) <= 5 * s.McseMean, $"mean {s.Mean} ± {s.McseMean}");
        Assert.True(Math.Abs(s.Sd - 2) <= 0.05 * 2, $"sd {s.Sd}");
        Assert.InRange(adapted, 0.3, 0.6); // tuned towards 0.44
    }

    [Fact]
    public void SdPriors_HaveTheirSupport()
    {
        var uniform = new VariancePrior.UniformSd(10);
        Assert.Equal(0, uniform.LogDensity(5));
        Assert.Equal(double.NegativeInfinity, uniform.LogDensity(11));
        var cauchy = new VariancePrior.HalfCauchySd(2);
        Assert.Equal(-Math.Log(2), cauchy.LogDensity(2), 12); // 1/(1 + 1)
    }

    private readonly struct NormalTarget(double mean, double sd) : ILogDensity
    {
        public double At(double x) => -(x - mean) * (x - mean) / (2 * sd * sd);
    }
}
