namespace BayesHlm.Estimation;

/// <summary>
/// Central differences refined by Richardson extrapolation, as R's numDeriv does (initial step 10% of |x|,
/// four halvings): accurate to many digits even for parameters whose natural scale is far from 1, where a
/// single tiny step loses everything to rounding. Used for the observed information and Satterthwaite df.
/// </summary>
internal static class NumericalDerivatives
{
    private const int Steps = 4;

    private static double InitialStep(double x, double smallest = 1e-4) => Math.Max(0.1 * Math.Abs(x), smallest);

    /// <summary>Jacobian of a vector function: result[i][k] = ∂f_k/∂x_i.</summary>
    /// <param name="f">The function.</param>
    /// <param name="x">Where.</param>
    /// <param name="smallestStep">The first step for coordinates near 0 (else 10% of |x|). Where the coordinates' natural
    /// scale is 1 (θ), a larger one keeps the rounding of f, divided by the step, out of the derivative.</param>
    public static double[][] Jacobian(Func<double[], double[]> f, double[] x, double smallestStep = 1e-4)
    {
        int d = x.Length;
        var result = new double[d][];
        var xp = (double[])x.Clone();
        for (int i = 0; i < d; i++)
        {
            double h = InitialStep(x[i], smallestStep);
            var a = new double[Steps][];
            for (int s = 0; s < Steps; s++, h /= 2)
            {
                xp[i] = x[i] + h; var plus = f(xp);
                xp[i] = x[i] - h; var minus = f(xp);
                xp[i] = x[i];
                a[s] = new double[plus.Length];
                for (int k = 0; k < plus.Length; k++) a[s][k] = (plus[k] - minus[k]) / (2 * h);
            }
            result[i] = Extrapolate(a);
        }
        return result;
    }

    /// <summary>Hessian of a scalar function (d×d, row-major).</summary>
    public static double[] Hessian(Func<double[], double> f, double[] x)
    {
        int d = x.Length;
        double f0 = f(x);
        var result = new double[d * d];
        var xp = (double[])x.Clone();
        for (int i = 0; i < d; i++)
        {
            for (int j = 0; j <= i; j++)
            {
                double hi = InitialStep(x[i]), hj = InitialStep(x[j]);
                var a = new double[Steps][];
                for (int s = 0; s < Steps; s++, hi /= 2, hj /= 2)
                {
                    double v;
                    if (i == j)
                    {
                        xp[i] = x[i] + hi; double p = f(xp);
                        xp[i] = x[i] - hi; double m = f(xp);
                        xp[i] = x[i];
                        v = (p - 2 * f0 + m) / (hi * hi);
                    }
                    else
                    {
                        xp[i] = x[i] + hi; xp[j] = x[j] + hj; double pp = f(xp);
                        xp[j] = x[j] - hj; double pm = f(xp);
                        xp[i] = x[i] - hi; double mm = f(xp);
                        xp[j] = x[j] + hj; double mp = f(xp);
                        xp[i] = x[i]; xp[j] = x[j];
                        v = (pp - pm - mp + mm) / (4 * hi * hj);
                    }
                    a[s] = [v];
                }
                double e = Extrapolate(a)[0];
                result[i * d + j] = e;
                result[j * d + i] = e;
            }
        }
        return result;
    }

    /// <summary>Richardson: errors are O(h²), steps halve, so combine with factors 4^m.</summary>
    private static double[] Extrapolate(double[][] a)
    {
        int n = a.Length, len = a[0].Length;
        var t = a.Select(r => (double[])r.Clone()).ToArray();
        for (int m = 1; m < n; m++)
        {
            double factor = Math.Pow(4, m);
            for (int s = 0; s < n - m; s++)
                for (int k = 0; k < len; k++) t[s][k] = (factor * t[s + 1][k] - t[s][k]) / (factor - 1);
        }
        return t[0];
    }
}
