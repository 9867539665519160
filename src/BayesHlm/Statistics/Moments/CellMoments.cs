namespace BayesHlm.Statistics.Moments;

/// <summary>One cell's moments: its key values (as written in the data), its row count, per base variable a shift (the
/// first value the cell saw) and whether any value differed from it, and the sum over its rows of every monomial of the
/// shifted variables (x − shift). Shifted sums keep the digits of a variable far from 0 (10⁹ + N(0, 1)).</summary>
internal sealed class MomentCell
{
    public MomentCell(string[] key, int bases, int monomials)
    {
        Key = key; Shift = new double[bases]; Varies = new bool[bases]; Sum = new double[monomials];
    }

    /// <summary>The values of the plan's key columns.</summary>
    public string[] Key { get; }
    /// <summary>Rows in the cell.</summary>
    public long N { get; set; }
    /// <summary>Per base variable, the value the sums are about.</summary>
    public double[] Shift { get; }
    /// <summary>Per base variable, true when some row's value differs from the shift.</summary>
    public bool[] Varies { get; }
    /// <summary>Per monomial of the plan, Σ over the rows of the monomial of (x − shift).</summary>
    public double[] Sum { get; }
}

/// <summary>
/// The per-cell moments of a model's data (<see cref="MomentPlan"/>): what the statistics stage needs of the rows, with
/// memory in the number of cells, not rows. Rows are added one at a time (<see cref="Add"/>); two sets of moments of
/// disjoint rows merge exactly (<see cref="Merge"/>: sums add once moved to a common shift), so shards of a file —
/// even ones that split a group's rows — give the statistics of the whole.
/// </summary>
internal sealed class CellMoments
{
    private readonly Dictionary<string, int> _index = new(StringComparer.Ordinal);
    private readonly double[] _u;
    private readonly double[] _product;

    public CellMoments(MomentPlan plan)
    {
        Plan = plan;
        _u = new double[plan.Base.Length];
        _product = new double[plan.Monomials.Length];
        foreach (var c in plan.Spec.Columns) Missing[c] = 0;
    }

    /// <summary>The plan the moments follow.</summary>
    public MomentPlan Plan { get; }
    /// <summary>The cells, in the order their first row was met.</summary>
    public List<MomentCell> Cells { get; } = [];
    /// <summary>Rows read (with or without missing values).</summary>
    public long RowsRead { get; set; }
    /// <summary>Missing values per column the model reads (as <see cref="ModelFrameSummary"/>).</summary>
    public Dictionary<string, int> Missing { get; } = [];
    /// <summary>Every used row's outcome (less any offset) is 0 or 1 (the design's warning about a linear model of it).</summary>
    public bool OutcomeZeroOne { get; set; } = true;
    /// <summary>Where the rows came from, for messages.</summary>
    public string? Source { get; set; }

    /// <summary>Rows used (in any cell).</summary>
    public long RowsUsed => Cells.Sum(c => c.N);

    /// <summary>The cell with these key values, made when new.</summary>
    public MomentCell Cell(string[] key)
    {
        string joined = string.Join("\u001f", key);
        if (_index.TryGetValue(joined, out int i)) return Cells[i];
        var cell = new MomentCell(key, Plan.Base.Length, Plan.Monomials.Length);
        _index[joined] = Cells.Count;
        Cells.Add(cell);
        return cell;
    }

    /// <summary>Adds one row: its base variables' values <paramref name="x"/> (in the plan's order).</summary>
    public void Add(MomentCell cell, ReadOnlySpan<double> x)
    {
        var shift = cell.Shift;
        if (cell.N == 0) x.CopyTo(shift);
        for (int b = 0; b < _u.Length; b++)
        {
            double u = x[b] - shift[b];
            if (u != 0) cell.Varies[b] = true;
            _u[b] = u;
        }
        var parent = Plan.Parent;
        var last = Plan.Last;
        var sum = cell.Sum;
        var p = _product;
        p[0] = 1;
        sum[0] += 1;
        for (int m = 1; m < p.Length; m++)
        {
            double v = p[parent[m]] * _u[last[m]];
            p[m] = v;
            sum[m] += v;
        }
        cell.N++;
    }

    /// <summary>Adds the moments of other rows (the same plan, disjoint rows): counts add, a cell in both has the other's
    /// sums moved to this one's shift (binomial expansion of (u + δ)^e over the monomial's sub-monomials, all of which
    /// the plan sums), new cells are appended in the other's order.</summary>
    public void Merge(CellMoments other)
    {
        if (other.Plan.Signature != Plan.Signature)
            throw new InvalidOperationException("Moments of different plans cannot be merged.");
        RowsRead += other.RowsRead;
        foreach (var (k, v) in other.Missing) Missing[k] = Missing.GetValueOrDefault(k) + v;
        OutcomeZeroOne &= other.OutcomeZeroOne;
        foreach (var b in other.Cells)
        {
            if (b.N == 0) continue;
            var a = Cell(b.Key);
            if (a.N == 0)
            {
                a.N = b.N;
                b.Shift.CopyTo(a.Shift, 0);
                b.Varies.CopyTo(a.Varies, 0);
                b.Sum.CopyTo(a.Sum, 0);
                continue;
            }
            var delta = new double[Plan.Base.Length];
            for (int k = 0; k < delta.Length; k++)
            {
                delta[k] = b.Shift[k] - a.Shift[k];
                a.Varies[k] |= b.Varies[k] || delta[k] != 0;
            }
            var moved = Rebase(b.Sum, delta);
            for (int m = 0; m < moved.Length; m++) a.Sum[m] += moved[m];
            a.N += b.N;
        }
    }

    /// <summary>Sums of monomials of u moved to sums of monomials of u + δ.</summary>
    private double[] Rebase(double[] sum, double[] delta)
    {
        var result = new double[sum.Length];
        Span<int> exponent = stackalloc int[Plan.Base.Length];
        Span<int> sub = stackalloc int[Plan.Base.Length];
        for (int m = 0; m < sum.Length; m++)
        {
            var mono = Plan.Monomials[m];
            exponent.Clear();
            foreach (int b in mono) exponent[b]++;
            // Every f ≤ e: Π_k C(e_k, f_k) δ_k^(e_k − f_k) · Σ Π u^f.
            sub.Clear();
            double total = 0;
            var buffer = new List<int>(mono.Length);
            while (true)
            {
                double coef = 1;
                buffer.Clear();
                for (int k = 0; k < exponent.Length; k++)
                {
                    if (exponent[k] == 0) continue;
                    coef *= Binomial(exponent[k], sub[k]) * Math.Pow(delta[k], exponent[k] - sub[k]);
                    for (int r = 0; r < sub[k]; r++) buffer.Add(k);
                }
                if (coef != 0) total += coef * sum[Plan.IndexOf(buffer.ToArray())];
                // Next f in mixed radix.
                int at = 0;
                while (at < exponent.Length && (exponent[at] == 0 || sub[at] == exponent[at]))
                {
                    sub[at] = 0;
                    at++;
                }
                if (at == exponent.Length) break;
                sub[at]++;
            }
            result[m] = total;
        }
        return result;
    }

    private static double Binomial(int n, int k)
    {
        double r = 1;
        for (int i = 1; i <= k; i++) r = r * (n - k + i) / i;
        return r;
    }
}
