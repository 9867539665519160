using BayesHlm.Model;
using BayesHlm.Statistics;

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

    /// <summary>1/(1 + e^−η), without overflow for any η.</summary>
    public static double Probability(double eta) => eta >= 0 ? 1 / (1 + Math.Exp(-eta)) : Math.Exp(eta) / (1 + Math.Exp(eta));

    /// <summary>E(y | η) of one trial: η itself for a gaussian outcome, the probability for a binomial one, the rate for
    /// a Poisson one. Multiply by the trials for a binomial count.</summary>
    public static double Mean(Family family, double eta) => family switch
    {
        Family.Gaussian => eta,
        Family.Poisson => Math.Exp(eta),
        _ => Probability(eta),
    };

    /// <summary>A draw of y given η: N(η, <paramref name="variance"/>) for a gaussian outcome (σ²/w_i), else the
    /// binomial of <paramref name="trials"/> or the Poisson.</summary>
    public static double Draw(Family family, double eta, double trials, double variance, Random rng) => family switch
    {
        Family.Gaussian => eta + Math.Sqrt(variance) * rng.NextStandardNormal(),
        Family.Bernoulli => rng.NextDouble() < Probability(eta) ? 1 : 0,
        Family.Binomial => MathNet.Numerics.Distributions.Binomial.Sample(rng, Probability(eta), (int)trials),
        Family.Poisson => MathNet.Numerics.Distributions.Poisson.Sample(rng, Math.Exp(eta)),
        _ => throw new ArgumentOutOfRangeException(nameof(family), family, "Unknown family."),
    };

    /// <summary>log p(y | η) less <see cref="Constant"/>.</summary>
    public static double LogKernel(Family family, double y, double trials, double eta) => LogKernel(family, y, trials, eta, out _, out _);

    /// <summary>log p(y | η) less <see cref="Constant"/>, with the mean E(y | η) and the weight Var(y | η) there: one
    /// exponential per row.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    public static double LogKernel(Family family, double y, double trials, double eta, out double mean, out double weight)
    {
        if (family == Family.Poisson)
        {
            mean = weight = Math.Exp(eta);
            return y * eta - mean;
        }
        // p = 1/(1 + e^−η) from e = e^−|η| without overflow, and 1 − p without cancellation; log(1 + e^η) likewise.
        double e = Math.Exp(-Math.Abs(eta)), inv = 1 / (1 + e);
        double p = eta >= 0 ? inv : e * inv, q = eta >= 0 ? e * inv : inv;
        mean = trials * p;
        weight = trials * p * q;
        return y * eta - trials * (Math.Max(eta, 0) + double.LogP1(e));
    }
}
