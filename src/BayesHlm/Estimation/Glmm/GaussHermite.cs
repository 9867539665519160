using MathNet.Numerics.LinearAlgebra;

namespace BayesHlm.Estimation.Glmm;

/// <summary>Gauss–Hermite rules for ∫ f(x) e^(−x²) dx: nodes and weights by Golub and Welsch (1969), the eigenvalues of
/// the symmetric tridiagonal Jacobi matrix of the Hermite polynomials (off-diagonal √(k/2)) and √π times the squared
/// first components of its eigenvectors. Cached per number of points.</summary>
internal static class GaussHermite
{
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<int, (double[], double[])> Rules = new();

    /// <summary>The rule with <paramref name="points"/> nodes (1 to 100), nodes ascending.</summary>
    public static (double[] Nodes, double[] Weights) Rule(int points)
    {
        if (points is < 1 or > 100) throw new ArgumentOutOfRangeException(nameof(points), points, "From 1 to 100 quadrature points.");
        return Rules.GetOrAdd(points, n =>
        {
            var jacobi = Matrix<double>.Build.Dense(n, n);
            for (int k = 1; k < n; k++) jacobi[k, k - 1] = jacobi[k - 1, k] = Math.Sqrt(k / 2.0);
            var evd = jacobi.Evd(Symmetricity.Symmetric);
            var nodes = new double[n];
            var weights = new double[n];
            var order = Enumerable.Range(0, n).OrderBy(i => evd.EigenValues[i].Real).ToArray();
            for (int t = 0; t < n; t++)
            {
                int i = order[t];
                nodes[t] = evd.EigenValues[i].Real;
                double v = evd.EigenVectors[0, i];
                weights[t] = Math.Sqrt(Math.PI) * v * v;
            }
            return (nodes, weights);
        });
    }
}
