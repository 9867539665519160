using System.Globalization;
using BayesHlm.Data;
using BayesHlm.Formula;
using BayesHlm.Model;

namespace BayesHlm.Statistics.Moments;

/// <summary>
/// <see cref="SufficientStatistics"/> from per-cell moments instead of rows. The design is coded as the row path codes
/// it (<see cref="Design.CodeTerms"/>, <see cref="Design.BuildGrouping"/>, <see cref="Design.RandomColumns"/>,
/// <see cref="PredictorCentring"/>) on a frame with one row per cell; the global and group constants (means for
/// centring, center(x), scale(x), center(x, g), mean(x, g)) come from the moments; then in each cell every column of
/// W = [X | Z | y] is a polynomial in the shifted base variables, and C_cell = Σ_rows w wᵀ = Aᵀ M A with M the cell's
/// sums of pairwise products of monomials. The C_cell of a group's cells add up to its C_j. Everything else the row
/// path carries (group names, row counts, constancy within groups, warnings, coordinates) is computed the same way, so
/// the fit and its output are the row path's.
/// </summary>
internal static class MomentStatistics
{
    /// <summary>A column of W in one cell: Σ coef·monomial of the shifted base variables.</summary>
    private sealed class Poly
    {
        public readonly Dictionary<int, double> Terms = [];
        public void Add(int m, double c) { if (c != 0) Terms[m] = Terms.GetValueOrDefault(m) + c; }
    }

    public static SufficientStatistics Build(CellMoments moments)
    {
        var plan = moments.Plan;
        var spec = plan.Spec;
        var cells = moments.Cells.Where(c => c.N > 0).ToList();
        if (cells.Count == 0)
            throw new DataException($"No rows are left after dropping rows with missing values in {string.Join(", ", moments.Missing.Where(m => m.Value > 0).Select(m => $"'{m.Key}' ({m.Value})"))}.");
        int nCells = cells.Count;
        long nLong = cells.Sum(c => c.N);
        double n = nLong;
        int yb = plan.Outcome;
        if (cells.All(c => !c.Varies[yb] && c.Shift[yb] == cells[0].Shift[yb]))
            throw new DataException($"The outcome '{spec.Outcome.Name}' has the same value ({cells[0].Shift[yb].ToString("G6", CultureInfo.InvariantCulture)}) in every row the model uses; there is nothing to model. Check that the right column is named.");

        // One row per cell: the key columns as text, as the data hold them.
        var keyColumns = new List<DataColumn>();
        for (int k = 0; k < plan.KeyColumns.Length; k++)
        {
            var map = new Dictionary<string, int>(StringComparer.Ordinal);
            var codes = new int[nCells];
            for (int c = 0; c < nCells; c++)
            {
                string text = cells[c].Key[k];
                if (!map.TryGetValue(text, out int code)) { code = map.Count; map[text] = code; }
                codes[c] = code;
            }
            keyColumns.Add(new TextColumn(plan.KeyColumns[k], codes, map.Keys.ToArray()));
        }
        var table = new DataTable(keyColumns, moments.Source);
        var rows = Enumerable.Range(0, nCells).ToArray();

        // Global constants of the base variables: means (about the first cell's shift) and, for scale(), sds.
        int nb = plan.Base.Length;
        var mean = new double[nb];
        for (int b = 0; b < nb; b++)
        {
            double reference = cells[0].Shift[b], sum = 0;
            foreach (var c in cells) sum += c.N * (c.Shift[b] - reference) + c.Sum[Single(plan, b)];
            mean[b] = reference + sum / n;
        }
        var sd = new double[nb];
        foreach (var (v, (role, b)) in plan.Roles)
        {
            if (role != MomentRole.Scale) continue;
            double ss = 0;
            int one = Single(plan, b), two = plan.IndexOf([b, b]);
            foreach (var c in cells)
            {
                double d = c.Shift[b] - mean[b];
                ss += c.Sum[two] + 2 * d * c.Sum[one] + c.N * d * d;
            }
            sd[b] = Math.Sqrt(ss / (n - 1));
            if (!(sd[b] > 0)) throw new DataException($"scale({v.Column}): the column has the same value in every row the model uses, so it cannot be scaled by its sd.");
        }
        // Group means for center(x, g) and mean(x, g), per group of g (its cells share its key value).
        var groupMean = new Dictionary<Variable, double[]>();
        foreach (var (v, (role, b)) in plan.Roles)
        {
            if (role is not (MomentRole.CentreGroup or MomentRole.MeanGroup)) continue;
            int k = Array.IndexOf(plan.KeyColumns, v.Group!);
            var reference = new Dictionary<string, (double Ref, double Sum, long N)>(StringComparer.Ordinal);
            foreach (var c in cells)
            {
                var (r, s, cn) = reference.TryGetValue(c.Key[k], out var e) ? e : (c.Shift[b], 0.0, 0L);
                reference[c.Key[k]] = (r, s + c.N * (c.Shift[b] - r) + c.Sum[Single(plan, b)], cn + c.N);
            }
            groupMean[v] = cells.Select(c => { var (r, s, cn) = reference[c.Key[k]]; return r + s / cn; }).ToArray();
        }

        var evaluated = new Dictionary<Variable, EvaluatedVariable>();
        foreach (var v in spec.Variables)
        {
            if (plan.Roles[v].Role == MomentRole.Key)
            {
                var (codes, names) = ModelFrame.FactorCodes(table[v.Column], rows);
                evaluated[v] = new EvaluatedVariable(v, codes, names);
            }
            else evaluated[v] = new EvaluatedVariable(v, new double[nCells]);
        }
        var frame = new ModelFrame
        {
            RowCount = nCells, RowsRead = checked((int)moments.RowsRead), MissingByColumn = moments.Missing, Variables = evaluated,
            Source = table, Rows = rows,
        };

        var fixedCols = Design.CodeTerms(spec.Intercept, spec.FixedTerms, frame);
        if (fixedCols.Count == 0)
            throw new ModelSpecificationException($"The model has no fixed effects (no intercept and no predictors). Remove '0 +' or '- 1', or add a predictor.");
        var warnings = new List<string>();
        var groupings = Design.BuildGrouping(spec, frame, moments.Source, out int[] leafOfCell, out int[][] cellLevel, out bool crossed, warnings,
            cells.Select(c => c.N).ToArray());
        var levels = new RandomLevel[groupings.Count];
        var zCoded = new List<CodedColumn>[groupings.Count];
        for (int k = 0; k < groupings.Count; k++) (levels[k], zCoded[k]) = Design.RandomColumns(groupings[k].Factor, groupings[k].Level, frame);
        if (moments.OutcomeZeroOne) warnings.Add(Design.ZeroOneOutcome(spec));
        int p = fixedCols.Count;
        int m = p + levels.Sum(l => l.Size) + 1;

        // Each numeric factor of a column in a cell: c0 + c1·u.
        (double C0, double C1, int Base) Affine(Variable v, int cell)
        {
            var (role, b) = plan.Roles[v];
            double s = cells[cell].Shift[b];
            return role switch
            {
                MomentRole.Base => (s, 1, b),
                MomentRole.CentreGlobal => (s - mean[b], 1, b),
                MomentRole.Scale => ((s - mean[b]) / sd[b], 1 / sd[b], b),
                MomentRole.CentreGroup => (s - groupMean[v][cell], 1, b),
                MomentRole.MeanGroup => (groupMean[v][cell], 0, b),
                _ => throw new InvalidOperationException(),
            };
        }
        var product = new Dictionary<long, int>();
        int Times(int a, int b)
        {
            long key = ((long)a << 32) | (uint)b;
            if (product.TryGetValue(key, out int r)) return r;
            int[] joined = [.. plan.Monomials[a], .. plan.Monomials[b]];
            Array.Sort(joined);
            r = plan.IndexOf(joined);
            if (r < 0) throw new InvalidOperationException($"The moment {string.Join("*", joined)} is not summed.");
            return product[key] = r;
        }
        Poly Column(CodedColumn column, int cell, double[]? centre)
        {
            var poly = new Poly();
            foreach (var (v, level) in column.Levels)
                if (evaluated[v].Codes![cell] != level) return poly;
            poly.Add(0, 1);
            for (int f = 0; f < column.Numeric.Length; f++)
            {
                var (c0, c1, b) = Affine(column.Numeric[f].Variable, cell);
                if (centre is not null) c0 -= centre[f];
                var next = new Poly();
                int ub = Single(plan, b);
                foreach (var (mono, coef) in poly.Terms)
                {
                    next.Add(mono, coef * c0);
                    if (c1 != 0) next.Add(Times(mono, ub), coef * c1);
                }
                poly = next;
            }
            return poly;
        }
        Poly Outcome(int cell)
        {
            var poly = new Poly();
            var c = cells[cell];
            poly.Add(Single(plan, yb), 1);
            poly.Add(0, c.Shift[yb]);
            if (plan.Offset >= 0)
            {
                poly.Add(Single(plan, plan.Offset), -1);
                poly.Add(0, -c.Shift[plan.Offset]);
            }
            return poly;
        }
        double SumOf(Poly poly, int cell)
        {
            double s = 0;
            foreach (var (mono, coef) in poly.Terms) s += coef * cells[cell].Sum[mono];
            return s;
        }
        double Cross(Poly a, Poly b, int cell)
        {
            double s = 0;
            var sum = cells[cell].Sum;
            foreach (var (ma, ca) in a.Terms)
                foreach (var (mb, cb) in b.Terms) s += ca * cb * sum[Times(ma, mb)];
            return s;
        }
        // A column's mean over the rows, about its value in the first cell (so that far-from-0 columns keep digits).
        double MeanOf(Func<int, Poly> column)
        {
            double reference = column(0).Terms.GetValueOrDefault(0), total = 0;
            for (int c = 0; c < nCells; c++)
            {
                var poly = column(c);
                total += SumOf(poly, c) - cells[c].N * reference;
            }
            return reference + total / n;
        }

        // Centring, as the row path: fixed columns about their numeric factors' means, random slopes about theirs.
        var numericMeans = new Dictionary<(Variable, int), double>();
        var fixedExpansion = PredictorCentring.Plan(fixedCols, part =>
        {
            var single = new CodedColumn(part.Variable.Name, [], null, [part], []);
            return MeanOf(c => Column(single, c, null));
        }, out var centres);
        var randomExpansion = new (int Column, double Weight)[levels.Length][][];
        for (int k = 0; k < levels.Length; k++)
        {
            var coded = zCoded[k];
            randomExpansion[k] = PredictorCentring.SlopePlan(levels[k].TermNames, a => MeanOf(c => Column(coded[a], c, null)));
        }
        double yMean = MeanOf(Outcome);
        int intercept = fixedCols.FindIndex(c => c.Name == "(Intercept)");
        double shift = intercept >= 0 ? yMean : 0;

        int nLeaf = levels.Length == 0 ? 1 : cellLevel[0].Length;
        long bytes = (long)nLeaf * m * m * sizeof(double);
        if (bytes > SufficientStatistics.MaxCrossProductBytes || (long)nLeaf * m * m > Array.MaxLength)
            throw new ModelSpecificationException(
                $"The model's per-group statistics would take {bytes / 1e9:F1} GB ({nLeaf:N0} groups × {m} × {m} cross-products): a model this wide on this many groups " +
                "does not fit in memory. Use fewer fixed terms or factor levels, or fewer random slopes.");
        var leaf = new double[nLeaf * m * m];
        var leafRows = new int[nLeaf];
        var constantValue = new double?[p][][];
        var constantWithin = new bool[p][];
        for (int c = 0; c < p; c++)
        {
            constantWithin[c] = new bool[levels.Length];
            Array.Fill(constantWithin[c], true);
            constantValue[c] = levels.Select(l => new double?[l.Grouping.Count]).ToArray();
        }
        double outcomeSs = 0;
        var w = new Poly[m];
        for (int cell = 0; cell < nCells; cell++)
        {
            var mc = cells[cell];
            int leafIndex = levels.Length == 0 ? 0 : leafOfCell[cell];
            leafRows[leafIndex] += (int)mc.N;
            // Constancy within groups reads the columns as written (IsConstantWithin's tolerance).
            for (int c = 0; c < p; c++)
            {
                var written = Column(fixedCols[c], cell, null);
                bool constant = written.Terms.All(t => t.Key == 0 || plan.Monomials[t.Key].All(b => !mc.Varies[b]));
                double value = written.Terms.GetValueOrDefault(0);
                for (int k = 0; k < levels.Length; k++)
                {
                    if (!constantWithin[c][k]) continue;
                    if (!constant) { constantWithin[c][k] = false; continue; }
                    int g = cellLevel[k][leafIndex];
                    if (constantValue[c][k][g] is not { } first) constantValue[c][k][g] = value;
                    else if (Math.Abs(value - first) > 1e-12 * (1 + Math.Abs(first))) constantWithin[c][k] = false;
                }
            }
            for (int c = 0; c < p; c++) w[c] = Column(fixedCols[c], cell, centres[c]);
            int z = p;
            for (int k = 0; k < levels.Length; k++)
                for (int a = 0; a < levels[k].Size; a++, z++)
                {
                    w[z] = Column(zCoded[k][a], cell, null);
                    if (randomExpansion[k][a].Length > 0) w[z].Add(0, -randomExpansion[k][a][0].Weight);
                }
            var y = Outcome(cell);
            var about = new Poly();
            foreach (var (mono, coef) in y.Terms) about.Add(mono, coef);
            about.Add(0, -yMean);
            outcomeSs += Cross(about, about, cell);
            y.Add(0, -shift);
            w[m - 1] = y;
            int baseIdx = leafIndex * m * m;
            for (int a = 0; a < m; a++)
                for (int b = 0; b <= a; b++)
                {
                    double v = Cross(w[a], w[b], cell);
                    leaf[baseIdx + a * m + b] += v;
                    if (a != b) leaf[baseIdx + b * m + a] += v;
                }
        }
        var constantBelow = new int[p];
        for (int c = 0; c < p; c++)
        {
            int level = Array.IndexOf(constantWithin[c], true);
            constantBelow[c] = level < 0 ? levels.Length : level;
        }
        var zOffset = new int[levels.Length];
        for (int k = 0, off = p; k < levels.Length; k++) { zOffset[k] = off; off += levels[k].Size; }
        var stats = new SufficientStatistics(spec, fixedCols.Select(c => c.Name).ToArray(), levels, p, leaf, leafRows, checked((int)nLong), constantBelow,
            new ModelFrameSummary(checked((int)moments.RowsRead), checked((int)nLong), moments.Missing))
        {
            OutcomeSumOfSquares = outcomeSs,
            CellLevel = cellLevel,
            Crossed = crossed,
            ConstantWithin = constantWithin,
            DesignWarnings = warnings,
            Coordinates = new DesignCoordinates(intercept, shift, new UnitTriangularMap(fixedExpansion),
                randomExpansion.Select(e => new UnitTriangularMap(e)).ToArray(), zOffset),
        };
        DesignChecks.Run(stats);
        return stats;
    }

    private static int Single(MomentPlan plan, int b) => plan.IndexOf([b]);
}
