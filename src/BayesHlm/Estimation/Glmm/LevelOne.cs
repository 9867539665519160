using BayesHlm.Model;

namespace BayesHlm.Estimation.Glmm;

/// <summary>
/// The level-1 distribution of a binomial or Poisson outcome given its linear predictor η, with the canonical link
/// (logit, log): the log density with its constants (so −2 log L is comparable with glmer's), and the mean and the
/// iteratively reweighted least-squares weight, which for a canonical link is the variance: n·p(1 − p), or μ.
/// </summary>
internal static class LevelOne
{
    /// <summary>The part of log p(y | η) that does not depend on η: log C(n, y) for the binomial, −log y! for Poisson.</summary>
    public static double Constant(Family family, double y, double trials) => family switch
    {
        Family.Bernoulli => 0,
        Family.Binomial => MathNet.Numerics.SpecialFunctions.GammaLn(trials + 1) - MathNet.Numerics.SpecialFunctions.GammaLn(y + 1)
                           - MathNet.Numerics.SpecialFunctions.GammaLn(trials - y + 1),
        Family.Poisson => -MathNet.Numerics.SpecialFunctions.GammaLn(y + 1),
        _ => throw new ArgumentOutOfRangeException(nameof(family), family, "Not a binomial or Poisson family."),
    };

    /// <summary>log p(y | η) less <see cref="Constant"/>.</summary>
    public static double LogKernel(Family family, double y, double trials, double eta) => family == Family.Poisson
        ? y * eta - Math.Exp(eta)
        : y * eta - trials * Log1PlusExp(eta);

    /// <summary>The mean E(y | η) and the weight Var(y | η).</summary>
    public static (double Mean, double Weight) MeanAndWeight(Family family, double trials, double eta)
    {
        if (family == Family.Poisson)
        {
            double mu = Math.Exp(eta);
            return (mu, mu);
        }
        double p = 1 / (1 + Math.Exp(-eta));
        // p(1 − p) without the cancellation of 1 − p at large η.
        double q = 1 / (1 + Math.Exp(eta));
        return (trials * p, trials * p * q);
    }

    /// <summary>log(1 + e^x) without overflow or loss of digits.</summary>
    public static double Log1PlusExp(double x) => x > 0 ? x + double.LogP1(Math.Exp(-x)) : double.LogP1(Math.Exp(x));
}
