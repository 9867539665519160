using System.Text.Json;
using BayesHlm.Sampling;
using BayesHlm.Statistics;

namespace BayesHlm.Model;

public abstract partial record VariancePrior
{
    /// <summary>Σ = diag(τ) R diag(τ): each τ_a ~ half-t(df, 0, scales[a]), R ~ LKJ(eta) (Stan's usual prior; LKJ is
    /// ignored when Σ is diagonal). Not conjugate: Metropolis–Hastings on Σ's Cholesky coordinates
    /// (<see cref="CovarianceWalk"/>).</summary>
    public sealed record LkjHalfT(double Eta, double Df, double[] Scales) : VariancePrior
    {
        internal static readonly PriorKind Definition = new("lkj_half_t", ["eta", "df", "scales"], PriorPlaces.OneEffect | PriorPlaces.IndependentEffects | PriorPlaces.CorrelatedEffects,
            (e, where) => new LkjHalfT(PriorJson.Positive(e, "eta", where), PriorJson.Positive(e, "df", where), PriorJson.Numbers(e, "scales", where)));

        internal override PriorKind Kind => LkjHalfT.Definition;

        internal override void WriteFields(Utf8JsonWriter w)
        {
            w.WriteNumber("eta", Eta);
            w.WriteNumber("df", Df);
            JsonArrays.Write(w, "scales", Scales);
        }

        internal override void CheckFits(CovarianceLayout layout, int k)
        {
            var level = layout.Levels[k];
            if (Scales.Length != level.Size || !Scales.All(x => x > 0))
                throw new ModelSpecificationException($"The lkj_half_t prior for '{level.Grouping.Name}' needs {level.Size} positive scales, one per random effect ({PriorJson.Listing(level.TermNames)}).");
        }

        internal override double VarianceQuantile(int a, int q, double p)
        {
            double sd = MathNet.Numerics.Distributions.StudentT.InvCDF(0, Scales[a], Df, (1 + p) / 2);
            return sd * sd;
        }

        internal override IChainStep LevelStep(SufficientStatistics s, CovarianceLayout layout, int k) => new CovarianceWalk(layout, k, this);

        /// <summary>p(Σ) = Π p(τ_a) · LKJ(R) / |∂Σ/∂(τ, R)|, with |∂Σ/∂(τ, R)| = 2^q Π τ_a^q when correlated, Π 2τ_a when
        /// diagonal; LKJ(R) ∝ |R|^(η−1), |R| = |Σ| / Π τ_a².</summary>
        internal override double LogCovarianceDensity(ReadOnlySpan<double> l, int q, bool unstructured, double[] work)
        {
            double logDet = 0;
            for (int i = 0; i < q; i++) logDet += 2 * Math.Log(l[i * q + i]);
            double s = 0, logTau2 = 0;
            for (int i = 0; i < q; i++)
            {
                double t2 = 0;
                for (int c = 0; c <= i; c++) t2 += l[i * q + c] * l[i * q + c];
                double tau = Math.Sqrt(t2);
                s += HalfTSd.LogDensityOf(Df, Scales[i], tau) - (unstructured ? q : 1) * Math.Log(tau);
                logTau2 += Math.Log(t2);
            }
            if (unstructured && q > 1) s += (Eta - 1) * (logDet - logTau2);
            return s;
        }
    }
}
