namespace BayesHlm.Diagnostics.Loo;

/// <summary>A sum over observations and its standard error, as loo's <c>table_of_estimates</c>:
/// SE = √(N · var(pointwise)), the sample variance (N − 1 denominator) of the N pointwise values.</summary>
/// <param name="Estimate">Σ of the pointwise values.</param>
/// <param name="Se">Standard error of the sum.</param>
public readonly record struct LooEstimate(double Estimate, double Se)
{
    /// <summary>The sum of <paramref name="pointwise"/> and its standard error.</summary>
    /// <param name="pointwise">One value per observation.</param>
    public static LooEstimate Of(ReadOnlySpan<double> pointwise)
    {
        double sum = 0;
        foreach (double v in pointwise) sum += v;
        return new LooEstimate(sum, Math.Sqrt(pointwise.Length * ConvergenceMath.SampleVariance(pointwise)));
    }
}
