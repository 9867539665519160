using BayesHlm.Data;
using BayesHlm.Diagnostics;
using BayesHlm.Model;
using BayesHlm.ModelChecks;
using BayesHlm.Sampling;
using BayesHlm.Statistics;
using MathNet.Numerics.LinearAlgebra;

namespace BayesHlm.Tests.ModelChecks;

/// <summary>
/// The pointwise log-likelihoods against densities written out from the rows: each row's normal density given the
/// draw's β, u and σ², and each group's multivariate normal density y_j ~ N(X_jβ, σ²I + Σ_l Z_l Σ_l Z_lᵀ) with the
/// effects it integrates out — by a dense Cholesky of V_j, nothing shared with the kernel. Draws are arbitrary values
/// (not a posterior): the identities hold for any β, σ², Σ and u.
/// </summary>
public class PointwiseLikelihoodTests
{
    private const int Draws = 6;

    private sealed record Case(SufficientStatistics Stats, Design Design, DrawSet DrawSet, DrawReader Reader, Func<string, int, double> Value, Rows Table);

    /// <summary>Data y ~ x with the given grouping columns, arbitrary draws of every parameter (every group's u saved).</summary>
    private static Case Build(string formula, (string Name, double[] Values)[] groups, int n, Random rng)
    {
        var x = Enumerable.Range(0, n).Select(_ => rng.NextStandardNormal() + 3).ToArray();
        var y = Enumerable.Range(0, n).Select(i => 2 + x[i] + 2 * rng.NextStandardNormal()).ToArray();
        var table = DataTable.FromColumns(groups.Append(("x", x)).Append(("y", y)));
        var (built, design) = SufficientStatistics.BuildWithDesign(ModelSpec.FromFormula(formula), table);
        var stats = built.ForSampler();
        var priors = ResolvedPriors.Resolve(PriorSpec.Default, stats);
        var names = GibbsChain.Names(priors, int.MaxValue);
        var values = names.Select(_ => new double[Draws]).ToArray();
        for (int d = 0; d < Draws; d++)
        {
            // Σ_k = AAᵀ + 0.2I from a random A: positive definite, with correlations.
            var sigma = stats.Levels.Select(l =>
            {
                var a = Matrix<double>.Build.Dense(l.Size, l.Size, (_, _) => rng.NextStandardNormal());
                return a * a.Transpose() + 0.2 * Matrix<double>.Build.DenseIdentity(l.Size);
            }).ToArray();
            for (int i = 0; i < names.Count; i++)
            {
                string name = names[i];
                // The longest grouping name that prefixes it: "school:room" before "school".
                int level = Enumerable.Range(0, stats.Levels.Count).Where(k => Prefix(stats.Levels[k], name) is not null)
                    .OrderByDescending(k => stats.Levels[k].Grouping.Name.Length).DefaultIfEmpty(-1).First();
                values[i][d] = name == "sigma2" ? 0.5 + rng.NextDouble() * 2
                    : level >= 0 ? CovarianceEntry(stats.Levels[level], name, sigma[level])
                    : name.StartsWith("u[", StringComparison.Ordinal) ? rng.NextStandardNormal()
                    : 3 * rng.NextStandardNormal();
            }
        }
        var draws = new DrawSet(names, 1, Draws, values);
        return new Case(stats, design, draws, new DrawReader(stats, priors, draws), (name, d) => draws.Draws(name)[d], new Rows(x, y));
    }

    private static string? Prefix(RandomLevel level, string name) =>
        new[] { $"tau2[{level.Grouping.Name}:", $"cov[{level.Grouping.Name}:" }.FirstOrDefault(p => name.StartsWith(p, StringComparison.Ordinal));

    private static double CovarianceEntry(RandomLevel level, string name, Matrix<double> sigma)
    {
        var terms = name[Prefix(level, name)!.Length..^1].Split(',');
        int a = level.TermNames.ToList().IndexOf(terms[0]), b = terms.Length > 1 ? level.TermNames.ToList().IndexOf(terms[1]) : a;
        return sigma[a, b];
    }

    private static double NormalLogDensity(Vector<double> r, Matrix<double> v)
    {
        var chol = v.Cholesky();
        var z = chol.Solve(r);
        return -0.5 * (r.Count * Math.Log(2 * Math.PI) + chol.DeterminantLn + r.DotProduct(z));
    }

    private static string Key(double v) => v.ToString(System.Globalization.CultureInfo.InvariantCulture);

    [Fact]
    public void RandomSlopes_RowsAndGroups_EqualTheDensities()
    {
        var rng = new Random(11);
        int n = 90;
        var g = Enumerable.Range(0, n).Select(_ => (double)rng.Next(7)).ToArray();
        var c = Build("y ~ x + (1 + x | g)", [("g", g)], n, rng);
        var table = c.Table;
        var rows = ObservationLikelihood.Compute(new RowPredictor(c.Stats, c.Design, c.Reader, 1));
        var groups = new GroupLikelihood(c.Stats, c.Design, 0);
        var byGroup = groups.Compute(c.Reader, 1);
        for (int d = 0; d < Draws; d++)
        {
            double b0 = c.Value("(Intercept)", d), b1 = c.Value("x", d), s2 = c.Value("sigma2", d);
            double U(string group, string term) => c.Value($"u[g={group}:{term}]", d);
            for (int i = 0; i < n; i++)
            {
                string grp = Key(g[i]);
                double mean = b0 + b1 * table.X[i] + U(grp, "(Intercept)") + U(grp, "x") * table.X[i];
                double expected = -0.5 * Math.Log(2 * Math.PI * s2) - 0.5 * Math.Pow(table.Y[i] - mean, 2) / s2;
                Assert.Equal(expected, rows[i * Draws + d], 1e-9);
            }
            var sigma = Matrix<double>.Build.DenseOfArray(new[,] { { c.Value("tau2[g:(Intercept)]", d), c.Value("cov[g:(Intercept),x]", d) }, { c.Value("cov[g:(Intercept),x]", d), c.Value("tau2[g:x]", d) } });
            for (int j = 0; j < groups.Names.Count; j++)
            {
                var idx = Enumerable.Range(0, n).Where(i => Key(g[i]) == groups.Names[j]).ToArray();
                var z = Matrix<double>.Build.Dense(idx.Length, 2, (r, col) => col == 0 ? 1 : table.X[idx[r]]);
                var v = z * sigma * z.Transpose() + s2 * Matrix<double>.Build.DenseIdentity(idx.Length);
                var r = Vector<double>.Build.Dense(idx.Length, t => table.Y[idx[t]] - b0 - b1 * table.X[idx[t]]);
                Assert.Equal(NormalLogDensity(r, v), byGroup[j * Draws + d], 1e-8);
            }
        }
    }

    [Fact]
    public void ThreeLevels_EachLevelsGroups_EqualTheDensities()
    {
        var rng = new Random(12);
        int n = 120;
        var school = Enumerable.Range(0, n).Select(_ => (double)rng.Next(5)).ToArray();
        var room = Enumerable.Range(0, n).Select(_ => (double)rng.Next(3)).ToArray();
        var c = Build("y ~ x + (1 | school/room)", [("school", school), ("room", room)], n, rng);
        var table = c.Table;
        int schools = c.Stats.Levels.ToList().FindIndex(l => l.Grouping.Name == "school");
        int rooms = 1 - schools;
        string roomLevel = c.Stats.Levels[rooms].Grouping.Name;
        var outer = new GroupLikelihood(c.Stats, c.Design, schools).Compute(c.Reader, 1);
        var innerLikelihood = new GroupLikelihood(c.Stats, c.Design, rooms);
        var inner = innerLikelihood.Compute(c.Reader, 1);
        var schoolNames = c.Stats.Levels[schools].Grouping.GroupNames;
        for (int d = 0; d < Draws; d++)
        {
            double b0 = c.Value("(Intercept)", d), b1 = c.Value("x", d), s2 = c.Value("sigma2", d);
            double ts = c.Value("tau2[school:(Intercept)]", d), tr = c.Value($"tau2[{roomLevel}:(Intercept)]", d);
            Vector<double> Residual(int[] idx, double shift) => Vector<double>.Build.Dense(idx.Length, t => table.Y[idx[t]] - b0 - b1 * table.X[idx[t]] - shift);
            for (int j = 0; j < schoolNames.Count; j++)
            {
                var idx = Enumerable.Range(0, n).Where(i => Key(school[i]) == schoolNames[j]).ToArray();
                var v = Matrix<double>.Build.Dense(idx.Length, idx.Length, (a, b) => ts + (room[idx[a]] == room[idx[b]] ? tr : 0) + (a == b ? s2 : 0));
                Assert.Equal(NormalLogDensity(Residual(idx, 0), v), outer[j * Draws + d], 1e-8);
            }
            // A classroom given its school's drawn effect.
            for (int j = 0; j < innerLikelihood.Names.Count; j++)
            {
                var idx = Enumerable.Range(0, n).Where(i => $"{Key(school[i])}:{Key(room[i])}" == innerLikelihood.Names[j] || $"{Key(school[i])}/{Key(room[i])}" == innerLikelihood.Names[j]).ToArray();
                Assert.NotEmpty(idx);
                double us = c.Value($"u[school={Key(school[idx[0]])}:(Intercept)]", d);
                var v = Matrix<double>.Build.Dense(idx.Length, idx.Length, (a, b) => tr + (a == b ? s2 : 0));
                Assert.Equal(NormalLogDensity(Residual(idx, us), v), inner[j * Draws + d], 1e-8);
            }
        }
    }

    [Fact]
    public void CrossedFactors_AGroupGivenTheOtherFactor_EqualsTheDensity()
    {
        var rng = new Random(13);
        int n = 100;
        var g = Enumerable.Range(0, n).Select(_ => (double)rng.Next(6)).ToArray();
        var h = Enumerable.Range(0, n).Select(_ => (double)rng.Next(4)).ToArray();
        var c = Build("y ~ x + (1 | g) + (1 | h)", [("g", g), ("h", h)], n, rng);
        Assert.True(c.Stats.Crossed);
        var table = c.Table;
        int gl = c.Stats.Levels.ToList().FindIndex(l => l.Grouping.Name == "g");
        var likelihood = new GroupLikelihood(c.Stats, c.Design, gl);
        var values = likelihood.Compute(c.Reader, 1);
        for (int d = 0; d < Draws; d++)
        {
            double b0 = c.Value("(Intercept)", d), b1 = c.Value("x", d), s2 = c.Value("sigma2", d), tg = c.Value("tau2[g:(Intercept)]", d);
            for (int j = 0; j < likelihood.Names.Count; j++)
            {
                var idx = Enumerable.Range(0, n).Where(i => Key(g[i]) == likelihood.Names[j]).ToArray();
                var r = Vector<double>.Build.Dense(idx.Length, t => table.Y[idx[t]] - b0 - b1 * table.X[idx[t]] - c.Value($"u[h={Key(h[idx[t]])}:(Intercept)]", d));
                var v = Matrix<double>.Build.Dense(idx.Length, idx.Length, (a, b) => tg + (a == b ? s2 : 0));
                Assert.Equal(NormalLogDensity(r, v), values[j * Draws + d], 1e-8);
            }
        }
    }

    /// <summary>Without saved effects, a nested linear model's u are drawn from their conditional given β and θ: over
    /// many draws at one (β, θ) their mean is E(u | β, θ, y) = ΣZᵀV⁻¹(y − Xβ), written out from the rows.</summary>
    [Fact]
    public void RedrawnGroupEffects_HaveTheConditionalMean()
    {
        var rng = new Random(14);
        int n = 60;
        var g = Enumerable.Range(0, n).Select(_ => (double)rng.Next(4)).ToArray();
        var c = Build("y ~ x + (1 | g)", [("g", g)], n, rng);
        var table = c.Table;
        // The same draws without the u columns: the reader must draw them.
        var kept = c.DrawSet.Names.Where(name => !name.StartsWith("u[", StringComparison.Ordinal)).ToList();
        var draws = c.DrawSet.Select(kept);
        var reader = new DrawReader(c.Stats, ResolvedPriors.Resolve(PriorSpec.Default, c.Stats), draws);
        Assert.False(reader.SavedGroupEffects);
        var source = new GroupEffectSource(c.Stats, reader, 7);
        var beta = new double[c.Stats.P];
        var sigma = new[] { new double[1] };
        var u = new[] { new double[c.Stats.Levels[0].Grouping.Count] };
        double s2 = reader.Read(0, beta, sigma);
        var sum = new double[u[0].Length];
        var sumSq = new double[u[0].Length];
        const int repeats = 4000;
        for (int rep = 0; rep < repeats; rep++)
        {
            // Draw index rep: a stream of its own each time (the draw's values are read from draw 0).
            source.Fill(rep, beta, s2, sigma, u);
            for (int j = 0; j < u[0].Length; j++) { sum[j] += u[0][j]; sumSq[j] += u[0][j] * u[0][j]; }
        }
        double b0 = c.Value("(Intercept)", 0), b1 = c.Value("x", 0), tau = c.Value("tau2[g:(Intercept)]", 0);
        for (int j = 0; j < u[0].Length; j++)
        {
            var idx = Enumerable.Range(0, n).Where(i => Key(g[i]) == c.Stats.Levels[0].Grouping.GroupNames[j]).ToArray();
            double resid = idx.Sum(i => table.Y[i] - b0 - b1 * table.X[i]);
            double mean = tau * resid / (s2 + idx.Length * tau), variance = tau * s2 / (s2 + idx.Length * tau);
            double sampleMean = sum[j] / repeats;
            Assert.InRange(sampleMean, mean - 4.5 * Math.Sqrt(variance / repeats), mean + 4.5 * Math.Sqrt(variance / repeats));
            Assert.InRange(sumSq[j] / repeats - sampleMean * sampleMean, 0.9 * variance, 1.1 * variance);
        }
    }

    private sealed record Rows(double[] X, double[] Y);
}
