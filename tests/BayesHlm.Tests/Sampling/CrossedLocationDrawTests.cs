using BayesHlm.Data;
using BayesHlm.Estimation;
using BayesHlm.Model;
using BayesHlm.Statistics;
using BayesHlm.Statistics.Linalg;
using MathNet.Numerics.LinearAlgebra;

namespace BayesHlm.Tests.Sampling;

/// <summary>The crossed kernel's joint draw of (β, u) given θ has the exact conditional mean and covariance, built
/// densely (precision WᵀW/σ² + blockdiag(V0⁻¹, G⁻¹)), on small crossed designs with a slope and a proper prior on β.</summary>
public class CrossedLocationDrawTests
{
    [Theory]
    [InlineData("y ~ x + (1 | g) + (1 | h)")]
    [InlineData("y ~ x + (1 + x | g) + (1 | h)")]
    [InlineData("y ~ x + (1 | g) + (1 + x | h) + (1 | k)")]
    public void JointDraws_HaveTheExactConditionalMeanAndCovariance(string formula) => Check(formula, blocked: false);

    /// <summary>The factor-by-factor sweep (for large crossed designs) leaves the same conditional invariant: its chain's
    /// long-run means and covariances are the exact ones (MCSE by batch means).</summary>
    [Theory]
    [InlineData("y ~ x + (1 | g) + (1 | h)")]
    [InlineData("y ~ x + (1 + x | g) + (1 | h)")]
    [InlineData("y ~ x + (1 | g) + (1 + x | h) + (1 | k)")]
    public void BlockedSweeps_LeaveTheExactConditionalInvariant(string formula) => Check(formula, blocked: true);

    private static void Check(string formula, bool blocked)
    {
        var rng = new Random(11);
        var rows = new List<(int g, int h, int k, double x, double y)>();
        for (int i = 0; i < 40; i++)
        {
            int g = rng.Next(5), h = rng.Next(3), k = rng.Next(2);
            double x = rng.NextStandardNormal() + 1;
            rows.Add((g, h, k, x, 2 + x + 0.5 * g - 0.3 * h + rng.NextStandardNormal()));
        }
        int n = rows.Count;
        var data = DataTable.FromColumns([("g", rows.Select(r => (double)r.g).ToArray()), ("h", rows.Select(r => (double)r.h).ToArray()),
            ("k", rows.Select(r => (double)r.k).ToArray()), ("x", rows.Select(r => r.x).ToArray()), ("y", rows.Select(r => r.y).ToArray())]);
        // As the sampler holds them: the random columns as written, the fixed ones centred.
        var stats = SufficientStatistics.Build(ModelSpec.FromFormula(formula), data).ForSampler();
        Assert.True(stats.Crossed);
        double sigma2 = 0.9;
        var sigmas = stats.Levels.Select(l => l.Size == 2 ? new[] { 0.8, 0.2, 0.2, 0.5 } : new[] { l.Grouping.Name == "g" ? 1.5 : 0.6 }).ToArray();
        int p = stats.P;
        var m0 = Enumerable.Range(0, p).Select(i => 1.0 - i).ToArray();
        double v0 = 3;
        var map = new ThetaMap(stats.Levels);
        var lambdas = map.NewLambdas();
        map.ToLambdas(map.FromCovariances(sigmas, sigma2)!, lambdas);
        var precision = new double[p * p];
        for (int i = 0; i < p; i++) precision[i * p + i] = 1 / v0;
        var precisionMean = m0.Select(m => m / v0).ToArray();
        stats.Coordinates.ToKernelPrior(precision, precisionMean);
        var kernel = GaussianKernel.For(stats);
        Assert.IsType<CrossedFactorization>(kernel);
        Assert.True(kernel.Update(lambdas, new FixedEffectPrior(precision, precisionMean), sigma2));

        var u = stats.Levels.Select(l => new double[l.Grouping.Count * l.Size]).ToArray();
        var beta = new double[p];
        var factorwise = new FactorwiseLocationDraw(stats);
        var draw = new Random(3);
        int draws = blocked ? 200_000 : 60_000;
        int dim = p + u.Sum(a => a.Length);
        var sum = new double[dim];
        var cross = new double[dim, dim];
        var v = new double[dim];
        const int batches = 100;
        var batchSum = new double[batches, dim];
        for (int t = 0; t < draws; t++)
        {
            if (blocked) factorwise.Draw(lambdas, new FixedEffectPrior(precision, precisionMean), sigma2, draw, beta, u);
            else kernel.Draw(Math.Sqrt(sigma2), draw, beta, u);
            stats.Coordinates.ToUser(beta);
            beta.CopyTo(v, 0);
            int o = p;
            foreach (var level in u) { level.CopyTo(v, o); o += level.Length; }
            for (int i = 0; i < dim; i++)
            {
                sum[i] += v[i];
                batchSum[t * batches / draws, i] += v[i];
                for (int j = 0; j <= i; j++) cross[i, j] += v[i] * v[j];
            }
        }

        // The exact conditional, dense, in the user's coordinates.
        int Group(string factor, int i) => factor switch { "g" => rows[i].g, "h" => rows[i].h, _ => rows[i].k };
        double Term(string term, int i) => term == "(Intercept)" ? 1 : rows[i].x;
        var X = Matrix<double>.Build.Dense(n, p, (i, j) => j == 0 ? 1 : rows[i].x);
        var blocks = new List<(int Level, int Group, int Term)>();
        for (int f = 0; f < stats.Levels.Count; f++)
            for (int gi = 0; gi < stats.Levels[f].Grouping.Count; gi++)
                for (int a = 0; a < stats.Levels[f].Size; a++) blocks.Add((f, gi, a));
        var Z = Matrix<double>.Build.Dense(n, blocks.Count, (i, c) =>
        {
            var (f, gi, a) = blocks[c];
            var level = stats.Levels[f];
            int label = int.Parse(level.Grouping.GroupNames[gi], System.Globalization.CultureInfo.InvariantCulture);
            return Group(level.Grouping.Name, i) == label ? Term(level.TermNames[a], i) : 0;
        });
        var G = Matrix<double>.Build.Dense(blocks.Count, blocks.Count, (r, c) =>
            blocks[r].Level == blocks[c].Level && blocks[r].Group == blocks[c].Group
                ? sigmas[blocks[r].Level][blocks[r].Term * stats.Levels[blocks[r].Level].Size + blocks[c].Term] : 0);
        var W = X.Append(Z);
        var prior = Matrix<double>.Build.Dense(dim, dim);
        for (int i = 0; i < p; i++) prior[i, i] = 1 / v0;
        prior.SetSubMatrix(p, p, G.Inverse());
        var P = W.TransposeThisAndMultiply(W) / sigma2 + prior;
        var rhs = W.TransposeThisAndMultiply(Vector<double>.Build.Dense(rows.Select(r => r.y).ToArray())) / sigma2;
        for (int i = 0; i < p; i++) rhs[i] += m0[i] / v0;
        var cov = P.Inverse();
        var mean = cov * rhs;

        for (int i = 0; i < dim; i++)
        {
            double m = sum[i] / draws;
            // Independent draws: the MCSE from the variance; a chain's: from the spread of its batch means.
            double batchVar = 0;
            for (int bi = 0; bi < batches; bi++) { double bm = batchSum[bi, i] / (draws / batches) - m; batchVar += bm * bm; }
            double mcse = blocked ? Math.Sqrt(batchVar / (batches - 1) / batches) : Math.Sqrt(cov[i, i] / draws);
            Assert.True(Math.Abs(m - mean[i]) <= 5 * mcse, $"mean {i}: {m} vs {mean[i]} (mcse {mcse})");
            for (int j = 0; j <= i; j++)
            {
                double c = cross[i, j] / draws - m * sum[j] / draws;
                double se = Math.Sqrt((cov[i, i] * cov[j, j] + cov[i, j] * cov[i, j]) / draws);
                // A chain's draws are correlated: allow its covariances 4% of the scale besides.
                double allowance = blocked ? 0.04 * Math.Sqrt(cov[i, i] * cov[j, j]) : 0;
                Assert.True(Math.Abs(c - cov[i, j]) <= 5 * se + allowance, $"cov {i},{j}: {c} vs {cov[i, j]} (se {se})");
            }
        }
    }
}
