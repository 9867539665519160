using System.Text.Json;

namespace BayesHlm.Model;

public abstract partial record VariancePrior
{
    /// <summary>τ ~ half-Student-t(df, 0, scale).</summary>
    public sealed record HalfTSd(double Df, double Scale) : SdPrior
    {
        internal static readonly PriorKind Definition = new("half_t_sd", ["df", "scale"], PriorPlaces.Residual | PriorPlaces.OneEffect,
            (e, where) => new HalfTSd(PriorJson.Positive(e, "df", where), PriorJson.Positive(e, "scale", where)));

        internal override PriorKind Kind => HalfTSd.Definition;

        internal override void WriteFields(Utf8JsonWriter w)
        {
            w.WriteNumber("df", Df);
            w.WriteNumber("scale", Scale);
        }

        internal override double LogDensity(double sd) => LogDensityOf(Df, Scale, sd);

        internal override double SdQuantile(double p) => MathNet.Numerics.Distributions.StudentT.InvCDF(0, Scale, Df, (1 + p) / 2);

        /// <summary>The half-t log density up to a constant (also each sd of <see cref="LkjHalfT"/>).</summary>
        internal static double LogDensityOf(double df, double scale, double sd) => -(df + 1) / 2 * Math.Log(1 + sd * sd / (scale * scale * df));
    }
}
