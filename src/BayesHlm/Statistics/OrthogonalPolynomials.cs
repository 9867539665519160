using BayesHlm.Data;
using BayesHlm.Formula;

namespace BayesHlm.Statistics;

/// <summary>
/// The columns of <c>poly(x, k)</c> as R's <c>stats::poly</c> makes them: column j (1..k) is the polynomial of degree j
/// in x that is orthogonal, over the given rows, to every polynomial of lower degree, scaled to unit length, with a
/// positive leading coefficient. R gets them from the QR decomposition of the matrix of powers of x − mean(x); that is
/// the same as Gram–Schmidt on the powers. Here each column is built from the one before it times x − mean(x) and
/// orthogonalised twice against all before it (the Arnoldi process), which avoids the powers' ill-conditioning
/// and gives R's columns to rounding.
/// </summary>
internal static class OrthogonalPolynomials
{
    /// <summary>The k columns of <paramref name="variable"/> (a <c>poly(x, k)</c>) on values <paramref name="x"/>:
    /// orthogonal polynomials, or the plain powers x, x², … for <c>raw = TRUE</c>.</summary>
    public static double[][] Columns(Variable variable, double[] x)
    {
        int k = variable.Degree;
        int distinct = x.Distinct().Count();
        if (distinct <= k)
            throw new DataException(
                $"{variable.Name} needs at least {k + 1} distinct values of {variable.Column}; {variable.Column} has {distinct} in the rows the model uses " +
                $"(R: 'degree' must be less than number of unique points). Lower the degree.");
        return variable.Raw ? Powers(variable, x) : Orthonormal(variable, x);
    }

    private static double[][] Powers(Variable variable, double[] x)
    {
        var columns = new double[variable.Degree][];
        for (int j = 0; j < columns.Length; j++)
        {
            columns[j] = x.Select(v => Math.Pow(v, j + 1)).ToArray();
            if (columns[j].Any(v => !double.IsFinite(v)))
                throw new DataException($"{variable.Name}: {variable.Column} to the power {j + 1} overflows; rescale the column, or leave out raw = TRUE.");
        }
        return columns;
    }

    private static double[][] Orthonormal(Variable variable, double[] x)
    {
        int n = x.Length, k = variable.Degree;
        double mean = x.Average();
        var centred = x.Select(v => v - mean).ToArray();
        var basis = new double[k + 1][];
        basis[0] = new double[n];
        Array.Fill(basis[0], 1 / Math.Sqrt(n));
        for (int j = 1; j <= k; j++)
        {
            var v = new double[n];
            for (int i = 0; i < n; i++) v[i] = centred[i] * basis[j - 1][i];
            double before = Norm(v);
            // Twice is enough: the second pass removes what rounding left of the first (Kahan and Parlett's "twice is enough").
            for (int pass = 0; pass < 2; pass++)
                for (int l = 0; l < j; l++)
                {
                    double dot = Dot(basis[l], v);
                    for (int i = 0; i < n; i++) v[i] -= dot * basis[l][i];
                }
            double norm = Norm(v);
            if (!(norm > 1e-10 * before))
                throw new DataException(
                    $"{variable.Name}: the values of {variable.Column} are too close together for a polynomial of degree {j} " +
                    "(its column would be rounding error). Lower the degree, or rescale the column.");
            for (int i = 0; i < n; i++) v[i] /= norm;
            basis[j] = v;
        }
        return basis[1..];
    }

    private static double Dot(double[] a, double[] b)
    {
        double s = 0;
        for (int i = 0; i < a.Length; i++) s += a[i] * b[i];
        return s;
    }

    private static double Norm(double[] a) => Math.Sqrt(Dot(a, a));
}
