using System.Globalization;
using BayesHlm.Data;
using BayesHlm.Estimation;
using BayesHlm.Model;
using CsCheck;

namespace BayesHlm.Tests.Properties;

/// <summary>
/// Properties every fit must have, on random nested data sets (CsCheck generates them and shrinks a failure to a small
/// one): the order of the rows does not matter; group labels are names — numbers, padded text or words give the same
/// fit; shifting and scaling y transforms the estimates exactly; a BY fit is the fit of each subset; EM and Newton
/// reach the same estimates.
/// </summary>
public class FitPropertyTests
{
    /// <summary>A random data set: 5–14 groups of 3–9 rows, a level-1 x, a group-level w, y with group effects.</summary>
    private sealed record Data(int Seed, int Groups, int[] Sizes)
    {
        public (double[] G, double[] X, double[] W, double[] Y, double[] Part) Columns()
        {
            var rng = new Random(Seed);
            var g = new List<double>(); var x = new List<double>(); var w = new List<double>(); var y = new List<double>(); var part = new List<double>();
            for (int j = 0; j < Groups; j++)
            {
                double wj = rng.NextDouble(), uj = 1.5 * (rng.NextDouble() - 0.5), slope = 1 + 0.5 * (rng.NextDouble() - 0.5);
                for (int i = 0; i < Sizes[j]; i++)
                {
                    double xi = 2 * rng.NextDouble() - 1;
                    g.Add(j); x.Add(xi); w.Add(wj); part.Add(j % 2);
                    y.Add(1 + slope * xi + 0.7 * wj + uj + 0.6 * (rng.NextDouble() - 0.5));
                }
            }
            return (g.ToArray(), x.ToArray(), w.ToArray(), y.ToArray(), part.ToArray());
        }
    }

    private static readonly Gen<Data> DataSets =
        from seed in Gen.Int[0, 1_000_000]
        from groups in Gen.Int[5, 14]
        from sizes in Gen.Int[3, 9].Array[groups]
        select new Data(seed, groups, sizes);

    private static readonly ModelSpec Spec = ModelSpec.FromFormula("y ~ x + w + (1 + x | g)");

    /// <summary>How closely two runs of the optimiser agree when only the rounding differs (another row order): its
    /// finite-difference Newton steps stop within about 1e-6 of the optimum's θ. (1e-8, as the issue asks, needs the
    /// criterion's analytic gradient.)</summary>
    private const double Optimiser = 1e-5;

    private static RemlFit Fit(DataTable table, RemlOptions? options = null) => Reml.Fit(Spec, table, options);

    private static DataTable Table(double[] g, double[] x, double[] w, double[] y) => DataTable.FromColumns([("g", g), ("x", x), ("w", w), ("y", y)]);

    private static void Same(RemlFit a, RemlFit b, double tolerance, string what)
    {
        for (int i = 0; i < a.FixedEffects.Count; i++) Close(a.FixedEffects[i].Estimate, b.FixedEffects[i].Estimate, tolerance, $"{what}: {a.FixedEffects[i].Term}");
        for (int i = 0; i < a.Covariance.Count; i++) Close(a.Covariance[i].Estimate, b.Covariance[i].Estimate, tolerance, $"{what}: {a.Covariance[i].Group} {a.Covariance[i].Term1} {a.Covariance[i].Term2}");
    }

    private static void Close(double expected, double actual, double tolerance, string what)
    {
        // Relative, with a floor for estimates at or near 0 (a variance at the boundary).
        double scale = Math.Max(Math.Abs(expected), 1e-3);
        if (Math.Abs(actual - expected) > tolerance * scale) throw new Exception($"{what}: {actual:R} vs {expected:R}");
    }

    private static bool Fits(DataTable table)
    {
        try { Fit(table); return true; }
        catch (UserInputException) { return false; } // a data set the checks refuse (e.g. too few rows) is not a counterexample
    }

    [Fact]
    public void RowOrder_DoesNotMatter()
    {
        DataSets.Sample(d =>
        {
            var (g, x, w, y, _) = d.Columns();
            var table = Table(g, x, w, y);
            if (!Fits(table)) return;
            var order = Enumerable.Range(0, g.Length).OrderBy(i => new Random(d.Seed + i).Next()).ToArray();
            var shuffled = Table(order.Select(i => g[i]).ToArray(), order.Select(i => x[i]).ToArray(), order.Select(i => w[i]).ToArray(), order.Select(i => y[i]).ToArray());
            Same(Fit(table), Fit(shuffled), Optimiser, "shuffled rows");
        }, iter: 100);
    }

    [Fact]
    public void GroupLabels_AreNames_NumbersPaddedTextOrWords()
    {
        DataSets.Sample(d =>
        {
            var (g, x, w, y, _) = d.Columns();
            var table = Table(g, x, w, y);
            if (!Fits(table)) return;
            var fit = Fit(table);
            using var folder = new TestFolder();
            foreach (var label in new Func<int, string>[] { j => "g" + (37 * j + 5).ToString("D5", CultureInfo.InvariantCulture), j => ((char)('A' + j)) + "school", j => (1000 - j).ToString(CultureInfo.InvariantCulture) })
            {
                var lines = g.Select((gj, i) => $"{label((int)gj)},{x[i].ToString("R", CultureInfo.InvariantCulture)},{w[i].ToString("R", CultureInfo.InvariantCulture)},{y[i].ToString("R", CultureInfo.InvariantCulture)}");
                string path = folder.Write("relabelled.csv", "g,x,w,y\n" + string.Join("\n", lines) + "\n");
                Same(fit, Fit(DataTable.ReadCsv(path, Spec.LabelColumns)), Optimiser, "relabelled groups");
            }
        }, iter: 30);
    }

    [Fact]
    public void ShiftingAndScalingY_TransformsTheEstimatesExactly()
    {
        var factors = from d in DataSets from c in Gen.Double[0.001, 1000] from shift in Gen.Double[-1000, 1000] select (d, c, shift);
        factors.Sample(t =>
        {
            var (d, c, shift) = t;
            var (g, x, w, y, _) = d.Columns();
            var table = Table(g, x, w, y);
            if (!Fits(table)) return;
            var fit = Fit(table);
            var moved = Fit(Table(g, x, w, y.Select(v => c * v + shift).ToArray()));
            for (int i = 0; i < fit.FixedEffects.Count; i++)
                Close(c * fit.FixedEffects[i].Estimate + (i == 0 ? shift : 0), moved.FixedEffects[i].Estimate, 1e-5, fit.FixedEffects[i].Term);
            for (int i = 0; i < fit.Covariance.Count; i++)
                Close(c * c * fit.Covariance[i].Estimate, moved.Covariance[i].Estimate, 1e-5 * c * c, $"{fit.Covariance[i].Group} {fit.Covariance[i].Term1}");
        }, iter: 100);
    }

    [Fact]
    public void ByFits_AreTheFitsOfEachSubset()
    {
        DataSets.Sample(d =>
        {
            var (g, x, w, y, part) = d.Columns();
            var table = DataTable.FromColumns([("g", g), ("x", x), ("w", w), ("y", y), ("part", part)]);
            var by = Reml.FitBy(Spec, table, "part");
            foreach (var value in by.Fits)
            {
                var keep = part.Select(p => p.ToString(CultureInfo.InvariantCulture) == value.Value).ToArray();
                DataTable subset = table.Subset(keep);
                if (value.Fit is null) { Assert.False(Fits(subset)); continue; }
                Same(Fit(subset), value.Fit, 1e-9, $"BY part = {value.Value}");
            }
        }, iter: 50);
    }

    [Fact]
    public void EmAndNewton_ReachTheSameEstimates()
    {
        DataSets.Sample(d =>
        {
            var (g, x, w, y, _) = d.Columns();
            var table = Table(g, x, w, y);
            if (!Fits(table)) return;
            var newton = Fit(table, new RemlOptions { Algorithm = EstimationAlgorithm.Newton });
            var em = Fit(table, new RemlOptions { Algorithm = EstimationAlgorithm.Em });
            if (newton.Singular || em.Singular) return; // at the boundary EM creeps; the estimates agree only to its tolerance
            Same(newton, em, 1e-4, "EM vs Newton");
        }, iter: 50);
    }
}
