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
        return new LooEstimate(sum, Math.Sqrt(pointwise.Length * SampleVariance(pointwise)));
    }

    /// <summary>Variance with the N − 1 denominator (R's var); NaN for fewer than two values.</summary>
    internal static double SampleVariance(ReadOnlySpan<double> x)
    {
        if (x.Length < 2) return double.NaN;
        double mean = 0;
        foreach (double v in x) mean += v;
        mean /= x.Length;
        double ss = 0;
        foreach (double v in x) ss += (v - mean) * (v - mean);
        return ss / (x.Length - 1);
    }
}
