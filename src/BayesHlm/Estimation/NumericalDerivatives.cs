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
    public static double[][] Jacobian(Func<double[], double[]> f, double[] x, double smallestStep = 1e-4) =>
        Jacobian(points => points.Select(f).ToArray(), x, smallestStep);

    /// <summary>As <see cref="Jacobian(Func{double[], double[]}, double[], double)"/>, with every point the differences
    /// need given to <paramref name="f"/> at once (which may evaluate them in parallel).</summary>
    public static double[][] Jacobian(Func<IReadOnlyList<double[]>, double[][]> f, double[] x, double smallestStep = 1e-4)
    {
        int d = x.Length;
        var points = new List<double[]>();
        var steps = new double[d, Steps];
        for (int i = 0; i < d; i++)
        {
            double h = InitialStep(x[i], smallestStep);
            for (int s = 0; s < Steps; s++, h /= 2)
            {
                steps[i, s] = h;
                points.Add(Moved(x, i, h));
                points.Add(Moved(x, i, -h));
            }
        }
        var values = f(points);
        var result = new double[d][];
        for (int i = 0, at = 0; i < d; i++)
        {
            var a = new double[Steps][];
            for (int s = 0; s < Steps; s++)
            {
                double h = steps[i, s];
                var plus = values[at++];
                var minus = values[at++];
                a[s] = new double[plus.Length];
                for (int k = 0; k < plus.Length; k++) a[s][k] = (plus[k] - minus[k]) / (2 * h);
            }
            result[i] = Extrapolate(a);
        }
        return result;
    }

    /// <summary>Hessian of a scalar function (d×d, row-major).</summary>
    public static double[] Hessian(Func<double[], double> f, double[] x) => Hessian(points => points.Select(f).ToArray(), x);

    /// <summary>As <see cref="Hessian(Func{double[], double}, double[])"/>, with every point given to <paramref name="f"/>
    /// at once. With <paramref name="fewerPoints"/> an off-diagonal entry takes two points per step instead of four:
    /// [f(+i+j) + f(−i−j) − f(±i) − f(±j) + 2f₀]/(2h_ih_j), whose error is also even in h (so Richardson applies) and which
    /// reuses the diagonal's points — for a criterion that costs a dense factorisation per point.</summary>
    public static double[] Hessian(Func<IReadOnlyList<double[]>, double[]> f, double[] x, bool fewerPoints = false)
    {
        int d = x.Length;
        var points = new List<double[]> { (double[])x.Clone() };
        for (int i = 0; i < d; i++)
            for (int j = 0; j <= i; j++)
            {
                double hi = InitialStep(x[i]), hj = InitialStep(x[j]);
                for (int s = 0; s < Steps; s++, hi /= 2, hj /= 2)
                {
                    if (i == j)
                    {
                        points.Add(Moved(x, i, hi));
                        points.Add(Moved(x, i, -hi));
                    }
                    else if (fewerPoints)
                    {
                        points.Add(Moved(Moved(x, i, hi), j, hj));
                        points.Add(Moved(Moved(x, i, -hi), j, -hj));
                    }
                    else
                    {
                        points.Add(Moved(Moved(x, i, hi), j, hj));
                        points.Add(Moved(Moved(x, i, hi), j, -hj));
                        points.Add(Moved(Moved(x, i, -hi), j, -hj));
                        points.Add(Moved(Moved(x, i, -hi), j, hj));
                    }
                }
            }
        var values = f(points);
        double f0 = values[0];
        int at = 1;
        var result = new double[d * d];
        // Where each diagonal's points are, for the off-diagonals that reuse them.
        var diagonalAt = new int[d];
        for (int i = 0, cursor = 1; i < d; i++)
            for (int j = 0; j <= i; j++)
            {
                if (i == j) diagonalAt[i] = cursor;
                cursor += Steps * (i == j ? 2 : fewerPoints ? 2 : 4);
            }
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
                        double p = values[at++], m = values[at++];
                        v = (p - 2 * f0 + m) / (hi * hi);
                    }
                    else if (fewerPoints)
                    {
                        double pp = values[at++], mm = values[at++];
                        int di = diagonalAt[i] + 2 * s, dj = diagonalAt[j] + 2 * s;
                        v = (pp + mm - values[di] - values[di + 1] - values[dj] - values[dj + 1] + 2 * f0) / (2 * hi * hj);
                    }
                    else
                    {
                        double pp = values[at++], pm = values[at++], mm = values[at++], mp = values[at++];
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

    /// <summary>A copy of x with coordinate i moved by h.</summary>
    internal static double[] Moved(double[] x, int i, double h)
    {
        var y = (double[])x.Clone();
        y[i] = x[i] + h;
        return y;
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
