using BayesHlm.Data;
using BayesHlm.Estimation;
using BayesHlm.Model;
using BayesHlm.Statistics;
using BayesHlm.Statistics.Linalg;
using MathNet.Numerics.LinearAlgebra;

namespace BayesHlm.Tests.Sampling;

/// <summary>MATH.md §3: with the variances fixed, joint draws of (β, u) have exactly the Gaussian mean and covariance
/// of the location block — checked against the posterior built densely from y = Xβ + Zu + e.</summary>
public class LocationDrawTests
{
    [Theory]
    [InlineData("y ~ x + w + (1 + x | g)", false)]
    [InlineData("y ~ x + w + (1 + x | g)", true)]
    [InlineData("y ~ x + (1 | s) + (1 | s:g)", true)]
    // x:w is held as (x − x̄)(w − w̄) in the statistics: the prior and the draws cross the change of coordinates.
    [InlineData("y ~ x * w + (1 + x | g)", true)]
    public void JointDraws_HaveTheExactConditionalMeanAndCovariance(string formula, bool properPrior)
    {
        // Given a small nested data set and fixed variances
        var rng = new Random(31);
        var rows = new List<(int s, int g, double x, double w, double y)>();
        for (int s = 0; s < 3; s++)
            for (int g = 0; g < 3; g++)
                for (int i = 0; i < 4 + g; i++)
                    rows.Add((s, s * 3 + g, rng.NextStandardNormal(), rng.NextDouble(), 5 + rng.NextStandardNormal() + s + 0.3 * g));
        int n = rows.Count;
        var data = DataTable.FromColumns([("s", rows.Select(r => (double)r.s).ToArray()), ("g", rows.Select(r => (double)r.g).ToArray()),
            ("x", rows.Select(r => r.x).ToArray()), ("w", rows.Select(r => r.w).ToArray()), ("y", rows.Select(r => r.y).ToArray())]);
        // As the sampler holds them: the random columns as written, the fixed ones centred.
        var stats = SufficientStatistics.Build(ModelSpec.FromFormula(formula), data).ForSampler();
        double sigma2 = 1.3;
        var sigmas = stats.Levels.Select(l => l.Size == 2 ? new[] { 0.8, 0.2, 0.2, 0.5 } : new[] { l.Grouping.Name == "s" ? 2.0 : 0.7 }).ToArray();
        int p = stats.P;
        var m0 = Enumerable.Range(0, p).Select(i => 1.0 + i).ToArray();
        double v0 = 4;

        // The kernel's draws
        var map = new ThetaMap(stats.Levels);
        var lambdas = map.NewLambdas();
        map.ToLambdas(map.FromCovariances(sigmas, sigma2)!, lambdas);
        FixedEffectPrior? prior = null;
        if (properPrior)
        {
            // The prior as the user states it, moved into the statistics' coordinates (y and the predictors centred).
            var precision = new double[p * p];
            for (int i = 0; i < p; i++) precision[i * p + i] = 1 / v0;
            var precisionMean = m0.Select(m => m / v0).ToArray();
            stats.Coordinates.ToKernelPrior(precision, precisionMean);
            prior = new FixedEffectPrior(precision, precisionMean);
        }
        var f = new NestedFactorization(stats);
        Assert.True(f.Update(lambdas, prior, sigma2));
        var zCols = stats.Levels.Select(l => l.Size).ToArray();
        var u = stats.Levels.Select(l => new double[l.Grouping.Count * l.Size]).ToArray();
        var beta = new double[p];
        var draw = new Random(7);
        const int draws = 60_000;
        int dim = p + u.Sum(a => a.Length);
        var sum = new double[dim];
        var cross = new double[dim, dim];
        var v = new double[dim];
        for (int t = 0; t < draws; t++)
        {
            f.Draw(Math.Sqrt(sigma2), draw, beta, u);
            stats.Coordinates.ToUser(beta);
            beta.CopyTo(v, 0);
            int o = p;
            foreach (var level in u) { level.CopyTo(v, o); o += level.Length; }
            for (int i = 0; i < dim; i++)
            {
                sum[i] += v[i];
                for (int j = 0; j <= i; j++) cross[i, j] += v[i] * v[j];
            }
        }

        // The exact posterior, dense: precision [XᵀX/σ² + V0⁻¹, XᵀZ/σ²; ZᵀX/σ², ZᵀZ/σ² + G⁻¹]
        var X = Matrix<double>.Build.Dense(n, p, (i, j) => Column(stats.FixedNames[j], rows[i]));
        var blocks = new List<(int Level, int Group, int Term)>();
        for (int k = 0; k < stats.Levels.Count; k++)
            for (int gi = 0; gi < stats.Levels[k].Grouping.Count; gi++)
                for (int a = 0; a < stats.Levels[k].Size; a++) blocks.Add((k, gi, a));
        var Z = Matrix<double>.Build.Dense(n, blocks.Count, (i, c) =>
        {
            var (k, gi, a) = blocks[c];
            string level = stats.Levels[k].Grouping.GroupNames[gi];
            string mine = stats.Levels[k].Grouping.Name == "g" || stats.Levels[k].Grouping.Name == "s:g"
                ? (stats.Levels[k].Grouping.Name == "g" ? rows[i].g.ToString() : $"{rows[i].s}:{rows[i].g}")
                : rows[i].s.ToString();
            return level == mine ? Column(stats.Levels[k].TermNames[a], rows[i]) : 0;
        });
        var G = Matrix<double>.Build.Dense(blocks.Count, blocks.Count, (r, c) =>
            blocks[r].Level == blocks[c].Level && blocks[r].Group == blocks[c].Group
                ? sigmas[blocks[r].Level][blocks[r].Term * stats.Levels[blocks[r].Level].Size + blocks[c].Term] : 0);
        var W = X.Append(Z);
        var precisionPrior = Matrix<double>.Build.Dense(dim, dim);
        if (properPrior) for (int i = 0; i < p; i++) precisionPrior[i, i] = 1 / v0;
        precisionPrior.SetSubMatrix(p, p, G.Inverse());
        var P = W.TransposeThisAndMultiply(W) / sigma2 + precisionPrior;
        var rhs = W.TransposeThisAndMultiply(Vector<double>.Build.Dense(rows.Select(r => r.y).ToArray())) / sigma2;
        if (properPrior) for (int i = 0; i < p; i++) rhs[i] += m0[i] / v0;
        var cov = P.Inverse();
        var mean = cov * rhs;

        // Then every moment agrees within 5 Monte Carlo standard errors.
        for (int i = 0; i < dim; i++)
        {
            double m = sum[i] / draws;
            Assert.True(Math.Abs(m - mean[i]) <= 5 * Math.Sqrt(cov[i, i] / draws), $"mean {i}: {m} vs {mean[i]}");
            for (int j = 0; j <= i; j++)
            {
                double c = cross[i, j] / draws - m * sum[j] / draws;
                double se = Math.Sqrt((cov[i, i] * cov[j, j] + cov[i, j] * cov[i, j]) / draws);
                Assert.True(Math.Abs(c - cov[i, j]) <= 5 * se, $"cov {i},{j}: {c} vs {cov[i, j]} (se {se})");
            }
        }
    }

    private static double Column(string name, (int s, int g, double x, double w, double y) row) => name switch
    {
        "(Intercept)" => 1,
        "x" => row.x,
        "w" => row.w,
        "x:w" => row.x * row.w,
        _ => throw new ArgumentException(name),
    };
}
