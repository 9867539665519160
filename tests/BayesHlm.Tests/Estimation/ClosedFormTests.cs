using BayesHlm.Data;
using BayesHlm.Estimation;
using BayesHlm.Model;
using BayesHlm.Statistics;
using MathNet.Numerics.LinearAlgebra;

namespace BayesHlm.Tests.Estimation;

/// <summary>Special cases with closed forms (MATH.md §7), independent of lme4 and of our own earlier output.</summary>
public class ClosedFormTests
{
    private static DataTable Table(params (string, double[])[] columns) => DataTable.FromColumns(columns);

    [Fact]
    public void FixedOnlyModel_IsOrdinaryLeastSquares()
    {
        var rng = new Random(11);
        int n = 200;
        var x = Enumerable.Range(0, n).Select(_ => rng.NextDouble() * 4).ToArray();
        var w = Enumerable.Range(0, n).Select(_ => rng.NextDouble()).ToArray();
        var y = Enumerable.Range(0, n).Select(i => 1 + 2 * x[i] - 3 * w[i] + rng.NextStandardNormal()).ToArray();
        var fit = Reml.Fit(ModelSpec.FromFormula("y ~ x + w"), Table(("x", x), ("w", w), ("y", y)));

        var X = Matrix<double>.Build.Dense(n, 3, (i, j) => j == 0 ? 1 : j == 1 ? x[i] : w[i]);
        var Y = Vector<double>.Build.Dense(y);
        var beta = X.QR().Solve(Y);
        double rss = (Y - X * beta).DotProduct(Y - X * beta);
        double s2 = rss / (n - 3);
        var xtxInv = (X.TransposeThisAndMultiply(X)).Inverse();
        Assert.True(fit.IsOrdinaryLeastSquares);
        for (int j = 0; j < 3; j++)
        {
            Assert.Equal(beta[j], fit.FixedEffects[j].Estimate, 1e-9);
            Assert.Equal(Math.Sqrt(s2 * xtxInv[j, j]), fit.FixedEffects[j].StandardError, 1e-9);
            Assert.Equal(n - 3, fit.FixedEffects[j].Df);
        }
        Assert.Equal(s2, fit.ResidualVariance, 1e-9);
        // COVTEST for σ² alone: −2 log L_R = (N−p) log σ² + RSS/σ² + const gives Var(σ̂²) = 2σ⁴/(N−p).
        Assert.Equal(s2 * Math.Sqrt(2.0 / (n - 3)), fit.Covariance.Single().StandardError!.Value, 1e-6 * s2);
        double m2ll = (n - 3) * Math.Log(2 * Math.PI * s2) + Math.Log(X.TransposeThisAndMultiply(X).Determinant()) + (n - 3);
        Assert.Equal(m2ll, fit.Fit.Minus2LogLikelihood, 1e-6);
    }

    [Fact]
    public void BalancedOneWayAnova_RemlEqualsTheAnovaEstimator()
    {
        var rng = new Random(5);
        int groups = 20, n = 10;
        var g = new double[groups * n];
        var y = new double[groups * n];
        for (int j = 0; j < groups; j++)
        {
            double u = 2 * rng.NextStandardNormal();
            for (int i = 0; i < n; i++) { g[j * n + i] = j; y[j * n + i] = 5 + u + 3 * rng.NextStandardNormal(); }
        }
        var means = Enumerable.Range(0, groups).Select(j => y.Skip(j * n).Take(n).Average()).ToArray();
        double grand = y.Average();
        double msb = n * means.Sum(m => (m - grand) * (m - grand)) / (groups - 1);
        double msw = Enumerable.Range(0, groups * n).Sum(i => Math.Pow(y[i] - means[i / n], 2)) / (groups * (n - 1));
        Assert.True(msb > msw, "precondition: the simulated groups differ");

        var fit = Reml.Fit(ModelSpec.FromFormula("y ~ 1 + (1 | g)"), Table(("g", g), ("y", y)));
        Assert.Equal((msb - msw) / n, fit.Covariance[0].Estimate, 1e-7);
        Assert.Equal(msw, fit.ResidualVariance, 1e-7);
        // Reliability λ = τ/(τ + σ²/n), the same for every group.
        double tau = (msb - msw) / n;
        Assert.All(fit.Groups[0].Reliability, r => Assert.Equal(tau / (tau + msw / n), r[0], 1e-7));
        // ICC = τ/(τ + σ²).
        Assert.Equal(tau / (tau + msw), Assert.Single(fit.Icc).Icc, 1e-7);
        // COVTEST: the REML information of a balanced one-way design in closed form (Searle, Casella and McCulloch
        // 1992, §4.7): Var(σ̂²) = 2σ⁴/(J(n−1)), Var(τ̂) = (2/n²)[(σ² + nτ)²/(J−1) + σ⁴/(J(n−1))].
        double varSigma2 = 2 * msw * msw / (groups * (n - 1));
        double varTau = 2.0 / (n * n) * (Math.Pow(msw + n * tau, 2) / (groups - 1) + msw * msw / (groups * (n - 1)));
        Assert.Equal(Math.Sqrt(varTau), fit.Covariance[0].StandardError!.Value, 1e-5 * Math.Sqrt(varTau));
        Assert.Equal(Math.Sqrt(varSigma2), fit.Covariance[1].StandardError!.Value, 1e-5 * Math.Sqrt(varSigma2));
        Assert.Equal(tau / Math.Sqrt(varTau), fit.Covariance[0].Z!.Value, 1e-4);
    }

    [Fact]
    public void EqualDesignsInEveryGroup_HlmFixedEffectsEqualPooledOls()
    {
        // Every school has the same n and the same level-1 design; huge between-school variation makes the
        // reliabilities 1 (the seeds' special case): then GLS = pooled OLS.
        var rng = new Random(3);
        int groups = 30, n = 8;
        var xs = Enumerable.Range(0, n).Select(i => i - 3.5).ToArray();
        var (gc, xc, wc, yc) = (new List<double>(), new List<double>(), new List<double>(), new List<double>());
        for (int j = 0; j < groups; j++)
        {
            double w = rng.NextDouble(), u0 = 40 * rng.NextStandardNormal(), u1 = 10 * rng.NextStandardNormal();
            foreach (var x in xs)
            {
                gc.Add(j); xc.Add(x); wc.Add(w);
                yc.Add(10 + 3 * w + (2 - w + u1) * x + u0 + rng.NextStandardNormal());
            }
        }
        var fit = Reml.Fit(ModelSpec.FromFormula("y ~ w * x + (1 + x | g)"), Table(("g", gc.ToArray()), ("x", xc.ToArray()), ("w", wc.ToArray()), ("y", yc.ToArray())));
        Assert.All(fit.Groups[0].Reliability, r => Assert.All(r, v => Assert.True(v > 0.99, $"reliability {v}")));

        int rows = gc.Count;
        var X = Matrix<double>.Build.Dense(rows, 4, (i, j) => j switch { 0 => 1, 1 => wc[i], 2 => xc[i], _ => wc[i] * xc[i] });
        var ols = X.QR().Solve(Vector<double>.Build.Dense(yc.ToArray()));
        for (int j = 0; j < 4; j++) Assert.Equal(ols[j], fit.FixedEffects[j].Estimate, 1e-8);
    }

    [Fact]
    public void HugeGroupVariance_EbCoefficientsApproachPerGroupOls()
    {
        var rng = new Random(8);
        var (gc, xc, yc) = (new List<double>(), new List<double>(), new List<double>());
        for (int j = 0; j < 25; j++)
        {
            double a = 1000 * rng.NextStandardNormal(), b = 100 * rng.NextStandardNormal();
            for (int i = 0; i < 12; i++) { double x = rng.NextDouble() * 2; gc.Add(j); xc.Add(x); yc.Add(a + b * x + 0.1 * rng.NextStandardNormal()); }
        }
        var fit = Reml.Fit(ModelSpec.FromFormula("y ~ x + (1 + x | g)"), Table(("g", gc.ToArray()), ("x", xc.ToArray()), ("y", yc.ToArray())));
        var g = fit.Groups[0];
        for (int j = 0; j < g.GroupNames.Count; j++)
            for (int t = 0; t < 2; t++)
                Assert.Equal(g.Ols[j]![t], g.Coefficients[j]![t], 1e-3 * (1 + Math.Abs(g.Ols[j]![t])));
    }

    [Fact]
    public void NoBetweenGroupVariation_IsASingularFitReportedWithAWarning()
    {
        var rng = new Random(2);
        var g = Enumerable.Range(0, 300).Select(i => (double)(i % 30)).ToArray();
        var x = Enumerable.Range(0, 300).Select(_ => rng.NextStandardNormal()).ToArray();
        var y = Enumerable.Range(0, 300).Select(i => 1 + x[i] + rng.NextStandardNormal()).ToArray();
        // Remove any between-group variation in the sample: subtract each group's mean residual.
        var mean = new double[30]; var count = new int[30];
        for (int i = 0; i < 300; i++) { mean[(int)g[i]] += y[i] - 1 - x[i]; count[(int)g[i]]++; }
        for (int i = 0; i < 300; i++) y[i] -= mean[(int)g[i]] / count[(int)g[i]];
        foreach (var algorithm in new[] { EstimationAlgorithm.Newton, EstimationAlgorithm.Em })
        {
            var fit = Reml.Fit(ModelSpec.FromFormula("y ~ x + (1 | g)"), Table(("g", g), ("x", x), ("y", y)), new RemlOptions { Algorithm = algorithm, MaxEmIterations = 20_000 });
            Assert.True(fit.Singular || fit.Covariance[0].Estimate < 1e-6, $"{algorithm}: tau {fit.Covariance[0].Estimate}");
            Assert.True(fit.Covariance[0].Estimate < 1e-4);
            if (algorithm == EstimationAlgorithm.Newton)
            {
                Assert.True(fit.Converged);
                Assert.Contains(fit.Warnings, w => w.Contains("Singular fit"));
                Assert.Null(fit.Covariance[0].StandardError);
            }
        }
    }

    [Fact]
    public void ThreeLevelSimulation_RecoversTheGeneratingValuesWithinThreeStandardErrors()
    {
        // models/data/three_level_sim.csv: y = 10 + 2x + school (var 4) + classroom (var 1) + e (var 9), 40 × 4 × 15.
        var data = TestData.ThreeLevelSim();
        var fit = Reml.Fit(ModelSpec.FromFormula("y ~ x + (1 | school/classroom)"), data);
        void Within(double truth, double est, double? se, string what) =>
            Assert.True(se is double s && Math.Abs(est - truth) <= 3 * s, $"{what}: {est} ± {se} vs {truth}");
        Within(10, fit.FixedEffects[0].Estimate, fit.FixedEffects[0].StandardError, "intercept");
        Within(2, fit.FixedEffects[1].Estimate, fit.FixedEffects[1].StandardError, "x");
        var school = fit.Covariance.Single(c => c.Group == "school");
        var classroom = fit.Covariance.Single(c => c.Group == "school:classroom");
        var resid = fit.Covariance.Single(c => c.Group == "Residual");
        Within(4, school.Estimate, school.StandardError, "school variance");
        Within(1, classroom.Estimate, classroom.StandardError, "classroom variance");
        Within(9, resid.Estimate, resid.StandardError, "residual variance");
    }

    [Fact]
    public void Kernel_MatchesDenseEvaluationOfTheRemlLikelihood_ThreeLevelsWithSlopes()
    {
        // Small random nested problem: the REML −2 log-likelihood from V = σ²I + Z Σ Zᵀ built densely.
        var rng = new Random(17);
        var rows = new List<(int s, int c, double x, double w, double y)>();
        for (int s = 0; s < 4; s++)
            for (int c = 0; c < 3; c++)
                for (int i = 0; i < 4 + s; i++)
                    rows.Add((s, c, rng.NextStandardNormal(), rng.NextDouble(), rng.NextStandardNormal() + s + 0.5 * c));
        var data = Table(("s", rows.Select(r => (double)r.s).ToArray()), ("c", rows.Select(r => (double)r.c).ToArray()),
            ("x", rows.Select(r => r.x).ToArray()), ("w", rows.Select(r => r.w).ToArray()), ("y", rows.Select(r => r.y).ToArray()));
        var stats = SufficientStatistics.Build(ModelSpec.FromFormula("y ~ x + w + (1 + x | s) + (1 + x | s:c)"), data);
        double sigma2 = 1.7;
        double[] school = [0.9, 0.2, 0.2, 0.4], classroom = [0.5, -0.1, -0.1, 0.3];
        var fit = Reml.AtCovariance(stats, [school, classroom], sigma2);

        int n = rows.Count;
        var X = Matrix<double>.Build.Dense(n, 3, (i, j) => j == 0 ? 1 : j == 1 ? rows[i].x : rows[i].w);
        var V = Matrix<double>.Build.DenseDiagonal(n, n, sigma2);
        for (int i = 0; i < n; i++)
            for (int k = 0; k < n; k++)
            {
                double zi0 = 1, zi1 = rows[i].x, zk0 = 1, zk1 = rows[k].x;
                double v = 0;
                if (rows[i].s == rows[k].s) v += zi0 * zk0 * school[0] + (zi0 * zk1 + zi1 * zk0) * school[1] + zi1 * zk1 * school[3];
                if (rows[i].s == rows[k].s && rows[i].c == rows[k].c) v += zi0 * zk0 * classroom[0] + (zi0 * zk1 + zi1 * zk0) * classroom[1] + zi1 * zk1 * classroom[3];
                V[i, k] += v;
            }
        var y = Vector<double>.Build.Dense(rows.Select(r => r.y).ToArray());
        var vinv = V.Inverse();
        var xtvx = X.TransposeThisAndMultiply(vinv * X);
        var beta = xtvx.Solve(X.TransposeThisAndMultiply(vinv * y));
        var r = y - X * beta;
        double m2ll = (n - 3) * Math.Log(2 * Math.PI) + Math.Log(V.Determinant()) + Math.Log(xtvx.Determinant()) + r.DotProduct(vinv * r);
        Assert.Equal(m2ll, fit.Fit.Minus2LogLikelihood, 1e-8);
        var cov = xtvx.Inverse();
        for (int j = 0; j < 3; j++)
        {
            Assert.Equal(beta[j], fit.FixedEffects[j].Estimate, 1e-10);
            Assert.Equal(Math.Sqrt(cov[j, j]), fit.FixedEffects[j].StandardError, 1e-10);
        }
        // EB predictions of the school effects: Σ Z_sᵀ V⁻¹ (y − Xβ̂), summed over the school's rows.
        var resid = vinv * r;
        for (int s = 0; s < 4; s++)
        {
            double u0 = 0, u1 = 0;
            for (int i = 0; i < n; i++)
                if (rows[i].s == s) { u0 += (school[0] + school[1] * rows[i].x) * resid[i]; u1 += (school[1] + school[3] * rows[i].x) * resid[i]; }
            Assert.Equal(u0, fit.Groups[0].RandomEffects[s][0], 1e-9);
            Assert.Equal(u1, fit.Groups[0].RandomEffects[s][1], 1e-9);
        }
    }

    [Fact]
    public void SufficientStatistics_SumOverGroupsEqualsTheStackedCrossProduct()
    {
        var rng = new Random(4);
        int n = 60;
        var g = Enumerable.Range(0, n).Select(i => (double)(i % 7)).ToArray();
        var x = Enumerable.Range(0, n).Select(_ => rng.NextStandardNormal()).ToArray();
        var y = Enumerable.Range(0, n).Select(_ => rng.NextStandardNormal()).ToArray();
        var stats = SufficientStatistics.Build(ModelSpec.FromFormula("y ~ x + (1 + x | g)"), Table(("g", g), ("x", x), ("y", y)));
        // With an intercept the statistics hold y − ȳ (exact cross-products for outcomes with large means).
        double ybar = y.Average();
        var W = Matrix<double>.Build.Dense(n, 5, (i, j) => j switch { 0 => 1, 1 => x[i], 2 => 1, 3 => x[i], _ => y[i] - ybar });
        var expected = W.TransposeThisAndMultiply(W);
        var total = stats.Total();
        // The statistics hold x about its mean, in X and in Z (a predictor far from 0 keeps its digits); read back as written.
        Assert.Equal(0, total[0 * 5 + 1], 1e-9);
        Assert.Equal(0, total[2 * 5 + 3], 1e-9);
        for (int a = 0; a < 5; a++)
            for (int b = 0; b < 5; b++) Assert.Equal(expected[a, b], stats.Coordinates.UserCrossProduct(total, 5, a, b), 1e-9);
    }

    [Fact]
    public void OutcomeReproducedExactlyByAPredictor_IsAClearDataError()
    {
        var x = Enumerable.Range(0, 40).Select(i => (double)i).ToArray();
        var g = Enumerable.Range(0, 40).Select(i => (double)(i % 5)).ToArray();
        var y = x.Select(v => 2 * v + 1).ToArray();
        var e = Assert.Throws<DataException>(() => Reml.Fit(ModelSpec.FromFormula("y ~ x + (1 | g)"), Table(("g", g), ("x", x), ("y", y))));
        Assert.Contains("exactly", e.Message);
    }
}

public class NestingDetectionTests
{
    [Fact]
    public void SeparateTermsWithUniqueInnerIds_AreRecognisedAsNested()
    {
        // Classroom ids 1..4 repeat in every school; make them unique, then write the nesting as two terms.
        var data = TestData.ThreeLevelSim();
        var school = (NumericColumn)data["school"];
        var classroom = (NumericColumn)data["classroom"];
        var unique = Enumerable.Range(0, data.RowCount).Select(i => school[i] * 100 + classroom[i]).ToArray();
        var table = new DataTable(data.Columns.Append(new NumericColumn("class_id", unique)).ToList());
        var separate = Reml.Fit(ModelSpec.FromFormula("y ~ x + (1 | school) + (1 | class_id)"), table);
        var nested = Reml.Fit(ModelSpec.FromFormula("y ~ x + (1 | school/classroom)"), table);
        Assert.Equal(nested.Fit.Minus2LogLikelihood, separate.Fit.Minus2LogLikelihood, 1e-8);
        Assert.Equal(nested.Covariance.Select(c => c.Estimate), separate.Covariance.Select(c => c.Estimate), (a, b) => Math.Abs(a - b) < 1e-8 * Math.Max(1, Math.Abs(a)));
        Assert.Equal(["school", "class_id"], separate.GroupCounts.Select(g => g.Group));
    }

    /// <summary>The V-known model (random-effects meta-analysis): y_j ~ N(μ, τ² + v_j) with v_j known. Its REML
    /// criterion is written out here in one dimension and minimised by golden section, independently of the kernel.</summary>
    [Fact]
    public void KnownLevel1Variances_AreTheRandomEffectsMetaAnalysisRemlFit()
    {
        var rng = new Random(5);
        int k = 25;
        var v = Enumerable.Range(0, k).Select(_ => 0.5 + 4 * rng.NextDouble()).ToArray();
        var y = v.Select(vi => 3 + 1.2 * rng.NextStandardNormal() + Math.Sqrt(vi) * rng.NextStandardNormal()).ToArray();
        var study = Enumerable.Range(1, k).Select(i => (double)i).ToArray();
        var spec = ModelSpec.FromFormula("y ~ 1 + (1 | study)").WithKnownResidual("v", isStandardDeviation: false);
        var fit = Reml.Fit(spec, DataTable.FromColumns([("study", study), ("y", y), ("v", v)]));

        double Criterion(double tau2)
        {
            var w = v.Select(vi => 1 / (tau2 + vi)).ToArray();
            double mu = w.Zip(y, (a, b) => a * b).Sum() / w.Sum();
            return v.Sum(vi => Math.Log(tau2 + vi)) + Math.Log(w.Sum()) + y.Select((yi, i) => w[i] * (yi - mu) * (yi - mu)).Sum();
        }
        double lo = 0, hi = 50;
        for (int it = 0; it < 200; it++)
        {
            double a = lo + 0.382 * (hi - lo), b = lo + 0.618 * (hi - lo);
            if (Criterion(a) < Criterion(b)) hi = b; else lo = a;
        }
        double tau2Hat = (lo + hi) / 2;
        var wHat = v.Select(vi => 1 / (tau2Hat + vi)).ToArray();
        double muHat = wHat.Zip(y, (a, b) => a * b).Sum() / wHat.Sum();

        Assert.True(tau2Hat > 0.1, "the simulated heterogeneity should be away from the boundary");
        var tau = fit.Covariance.Single();
        Assert.Equal("study", tau.Group);
        Assert.Equal(tau2Hat, tau.Estimate, 1e-5 * (1 + tau2Hat));
        Assert.Equal(muHat, fit.FixedEffects[0].Estimate, 1e-6);
        Assert.Equal(1 / Math.Sqrt(wHat.Sum()), fit.FixedEffects[0].StandardError, 1e-6);
        Assert.Equal(1, fit.ResidualVariance);
        Assert.Empty(fit.Icc);
    }

    [Fact]
    public void KnownLevel1Variances_MustBePositive_TheRowIsNamed()
    {
        var spec = ModelSpec.FromFormula("y ~ 1 + (1 | g)").WithKnownResidual("s", isStandardDeviation: true);
        var e = Assert.Throws<DataException>(() => Reml.Fit(spec, DataTable.FromColumns([("g", [1.0, 2, 3, 4]), ("y", [1.0, 2, 4, 3]), ("s", [1.0, 0, 1, 1])])));
        Assert.Contains("'s'", e.Message);
        Assert.Contains("standard deviation must be positive", e.Message);
    }
}
