using BayesHlm.Sampling;
using BayesHlm.Statistics;

namespace BayesHlm.Model;

public abstract partial record VariancePrior
{
    /// <summary>
    /// A prior on a standard deviation that is not conditionally conjugate. A kind of it gives only its density
    /// (<see cref="LogDensity"/>) and its JSON; the steps are shared: random-walk Metropolis–Hastings on log sd, for σ
    /// given the residual sum of squares and for one random effect's τ given its u's. Given those sums a proposal
    /// costs O(1), so each sweep makes several (one alone mixes slowly).
    /// </summary>
    public abstract record SdPrior : VariancePrior
    {
        private const int ProposalsPerSweep = 5;

        /// <summary>log density of the sd, up to a constant; −∞ outside the support.</summary>
        internal abstract double LogDensity(double sd);

        /// <summary>The <paramref name="p"/> quantile of the sd.</summary>
        internal abstract double SdQuantile(double p);

        internal override double VarianceQuantile(int a, int q, double p)
        {
            double sd = SdQuantile(p);
            return sd * sd;
        }

        internal override IChainStep LevelStep(SufficientStatistics s, CovarianceLayout layout, int k) => new LevelWalk(this, k);

        internal override IChainStep ResidualStep(SufficientStatistics s, ResidualSumOfSquares ssr) => new ResidualWalk(this, s.N, ssr);

        /// <summary>The density of τ² from that of τ: p(τ)/(2τ).</summary>
        internal override double LogCovarianceDensity(ReadOnlySpan<double> l, int q, bool unstructured, double[] work) => LogDensity(l[0]) - Math.Log(l[0]);

        /// <summary>log σ given the count of squares and their sum: −n log σ − S/2σ² + log p(σ) + log σ (the log scale's Jacobian).</summary>
        private readonly struct LogScaleTarget(double count, double sumOfSquares, SdPrior prior) : ILogDensity
        {
            public double At(double x) => -count * x - sumOfSquares / (2 * Math.Exp(2 * x)) + prior.LogDensity(Math.Exp(x)) + x;
        }

        /// <summary>log τ_k | u_k.</summary>
        private sealed class LevelWalk(SdPrior prior, int k) : IChainStep
        {
            private readonly RandomWalk _walk = new();

            public double AcceptanceRate => _walk.AcceptanceRate;

            public void SaveState(CheckpointWriter into) => _walk.SaveState(into);

            public void RestoreState(CheckpointReader from) => _walk.RestoreState(from);

            public void Update(ChainState state, Random rng, bool adapting)
            {
                var u = state.U[k];
                var target = new LogScaleTarget(u.Length, SumOfSquares(u), prior);
                double logTau = 0.5 * Math.Log(state.Sigma[k][0]);
                for (int move = 0; move < ProposalsPerSweep; move++) logTau = _walk.Step(logTau, target, rng, adapting);
                state.Sigma[k][0] = Math.Exp(2 * logTau);
            }
        }

        /// <summary>log σ | β, u.</summary>
        private sealed class ResidualWalk(SdPrior prior, int n, ResidualSumOfSquares ssr) : IChainStep
        {
            private readonly RandomWalk _walk = new();

            public double AcceptanceRate => _walk.AcceptanceRate;

            public void SaveState(CheckpointWriter into) => _walk.SaveState(into);

            public void RestoreState(CheckpointReader from) => _walk.RestoreState(from);

            public void Update(ChainState state, Random rng, bool adapting)
            {
                var target = new LogScaleTarget(n, ssr.Of(state), prior);
                double logSd = 0.5 * Math.Log(state.Sigma2);
                for (int move = 0; move < ProposalsPerSweep; move++) logSd = _walk.Step(logSd, target, rng, adapting);
                state.Sigma2 = Math.Exp(2 * logSd);
            }
        }
    }
}
