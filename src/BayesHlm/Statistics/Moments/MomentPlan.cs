using BayesHlm.Data;
using BayesHlm.Formula;
using BayesHlm.Model;

namespace BayesHlm.Statistics.Moments;

/// <summary>How a formula variable is had from a cell's moments.</summary>
internal enum MomentRole
{
    /// <summary>A categorical variable (a text column, <c>factor(x)</c>): one of the cell's key columns.</summary>
    Key,
    /// <summary>A row-wise number (a column, log, sqrt, exp, I(…), offset): a base variable as it is.</summary>
    Base,
    /// <summary><c>center(x)</c>: the base variable less its mean over the rows used.</summary>
    CentreGlobal,
    /// <summary><c>scale(x)</c>: (x − mean)/sd over the rows used.</summary>
    Scale,
    /// <summary><c>center(x, g)</c>: x less the mean of its group of g (g is a key column).</summary>
    CentreGroup,
    /// <summary><c>mean(x, g)</c>: the mean of x over its group of g, constant within a cell.</summary>
    MeanGroup,
}

/// <summary>
/// What the per-cell moments of a model must hold (the "moments" stage between the data and the C_j): the key columns
/// (every categorical variable the model uses — grouping factors, the g of center(x, g) and mean(x, g), text and
/// factor() predictors — so that within a cell each is constant), the base variables (row-wise numbers, each an
/// expression of the row: its <see cref="Variable"/> is the expression tree, its <see cref="Variable.Name"/> the text),
/// and the monomials of the base variables whose sums are needed. Within a cell every design column is a polynomial in
/// the base variables (<c>meanses*center(ses, school)</c> = meanses·ses − x̄_school·meanses), so the cross-products of
/// the columns are linear in the sums of the pairwise products of the polynomials' monomials.
/// Gaussian models only, without weights, known variances or poly(): <see cref="Create"/> refuses the rest with a
/// <see cref="StreamingNotPossibleException"/> naming the feature.
/// </summary>
internal sealed class MomentPlan
{
    private readonly Dictionary<string, int> _monomialIndex = new(StringComparer.Ordinal);

    private MomentPlan(ModelSpec spec) { Spec = spec; }

    /// <summary>The model.</summary>
    public ModelSpec Spec { get; }
    /// <summary>The categorical columns, in the order the model first names them.</summary>
    public string[] KeyColumns { get; private set; } = [];
    /// <summary>The row-wise numeric variables whose monomials are summed.</summary>
    public Variable[] Base { get; private set; } = [];
    /// <summary>The monomials summed, each a sorted multiset of base-variable indices; [0] is the empty one (the row count).</summary>
    public int[][] Monomials { get; private set; } = [];
    /// <summary>Per monomial (after the first), the monomial without its last factor and that factor: its product is
    /// the parent's times one value.</summary>
    public int[] Parent { get; private set; } = [];
    /// <summary>The last factor of each monomial (−1 for the empty one).</summary>
    public int[] Last { get; private set; } = [];
    /// <summary>Per formula variable, how it is had, with its base variable's index (−1 for a key).</summary>
    public Dictionary<Variable, (MomentRole Role, int Base)> Roles { get; } = [];
    /// <summary>The outcome's base variable.</summary>
    public int Outcome { get; private set; }
    /// <summary>The offset's base variable, or −1.</summary>
    public int Offset { get; private set; } = -1;

    /// <summary>The index of a monomial (a sorted multiset of base indices), or −1 when it is not summed.</summary>
    public int IndexOf(ReadOnlySpan<int> monomial) => _monomialIndex.TryGetValue(Key(monomial), out int i) ? i : -1;

    /// <summary>A monomial's text: its base variables' names joined by '*' (<c>ses*ses*meanses</c>), "1" for the empty one.</summary>
    public string MonomialText(int m) => Monomials[m].Length == 0 ? "1" : string.Join("*", Monomials[m].Select(b => Base[b].Name));

    private static string Key(ReadOnlySpan<int> monomial)
    {
        var parts = new string[monomial.Length];
        for (int i = 0; i < parts.Length; i++) parts[i] = monomial[i].ToString(System.Globalization.CultureInfo.InvariantCulture);
        return string.Join(",", parts);
    }

    /// <summary>The plan for <paramref name="spec"/>; <paramref name="isText"/> says which columns hold text (a plain
    /// variable of a text column is a factor, as in <see cref="ModelFrame"/>).</summary>
    public static MomentPlan Create(ModelSpec spec, Func<string, bool> isText)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (spec.Family != Family.Gaussian)
            throw new StreamingNotPossibleException($"a {spec.Family.Name()} model is fitted from its rows (its weights change with the linear predictor), not from per-group statistics");
        if (spec.Trials is not null)
            throw new StreamingNotPossibleException("trials belong to a binomial model");
        if (spec.Weights is not null)
            throw new StreamingNotPossibleException("precision weights (--weights) are not carried by the per-cell moments yet");
        if (spec.KnownResidual is not null)
            throw new StreamingNotPossibleException("known level-1 variances are not carried by the per-cell moments yet");
        var plan = new MomentPlan(spec);
        var keys = new List<string>();
        var bases = new List<Variable>();
        int BaseOf(Variable v)
        {
            int i = bases.IndexOf(v);
            if (i < 0) { i = bases.Count; bases.Add(v); }
            return i;
        }
        void AddKey(string column) { if (!keys.Contains(column)) keys.Add(column); }
        foreach (var f in spec.RandomFactors) foreach (var c in f.Factor) AddKey(c);
        // The outcome first, so that its base index is 0 whatever the predictors.
        if (spec.Outcome.Function is VariableFunction.Factor or VariableFunction.Poly || spec.Outcome.Group is not null)
            throw new StreamingNotPossibleException($"the outcome {spec.Outcome.Name} is not a row-wise number");
        foreach (var v in spec.Variables.Prepend(spec.Outcome).Distinct())
        {
            switch (v.Function)
            {
                case VariableFunction.Poly:
                    throw new StreamingNotPossibleException($"{v.Name}: poly()'s orthogonal basis is not computed from per-cell moments yet (write the powers with I(x^2), or fit from the rows)");
                case VariableFunction.Factor:
                    AddKey(v.Column);
                    plan.Roles[v] = (MomentRole.Key, -1);
                    break;
                case VariableFunction.None when isText(v.Column) && v != spec.Outcome:
                    AddKey(v.Column);
                    plan.Roles[v] = (MomentRole.Key, -1);
                    break;
                case VariableFunction.None:
                case VariableFunction.Log or VariableFunction.Sqrt or VariableFunction.Exp or VariableFunction.AsIs:
                    plan.Roles[v] = (MomentRole.Base, BaseOf(v));
                    break;
                case VariableFunction.Offset:
                    plan.Roles[v] = (MomentRole.Base, BaseOf(v.Inner == VariableFunction.None ? Variable.Of(v.Column) : new Variable(v.Inner, v.Column)));
                    break;
                case VariableFunction.Scale:
                    plan.Roles[v] = (MomentRole.Scale, BaseOf(Variable.Of(v.Column)));
                    break;
                case VariableFunction.Center when v.Group is null:
                    plan.Roles[v] = (MomentRole.CentreGlobal, BaseOf(Variable.Of(v.Column)));
                    break;
                case (VariableFunction.Center or VariableFunction.Mean) when v.Group is not null:
                    AddKey(v.Group!);
                    plan.Roles[v] = (v.Function == VariableFunction.Center ? MomentRole.CentreGroup : MomentRole.MeanGroup, BaseOf(Variable.Of(v.Column)));
                    break;
                default:
                    throw new StreamingNotPossibleException($"{v.Name} is not carried by the per-cell moments");
            }
        }
        plan.Outcome = plan.Roles[spec.Outcome].Base;
        if (spec.Offset is { } offset) plan.Offset = plan.Roles[offset].Base;
        foreach (var b in bases)
            foreach (var c in b.ValueColumns)
                if (keys.Contains(c) || isText(c))
                    throw new StreamingNotPossibleException($"the column '{c}' is used both as a number and as labels");
        plan.KeyColumns = keys.ToArray();
        plan.Base = bases.ToArray();

        // The basis: 1, the outcome (and offset), and every design column's monomial with all its sub-monomials (a column
        // is a product of (c0 + c1·u) over its numeric variables, so each subset of them appears).
        var basis = new HashSet<string>(StringComparer.Ordinal);
        var basisList = new List<int[]>();
        void AddWithSubsets(int[] monomial)
        {
            for (int mask = 0; mask < 1 << monomial.Length; mask++)
            {
                var sub = monomial.Where((_, i) => (mask & (1 << i)) != 0).Order().ToArray();
                if (basis.Add(Key(sub))) basisList.Add(sub);
            }
        }
        AddWithSubsets([]);
        AddWithSubsets([plan.Outcome]);
        if (plan.Offset >= 0) AddWithSubsets([plan.Offset]);
        var terms = spec.FixedTerms.Concat(spec.RandomFactors.SelectMany(f => f.Blocks.SelectMany(b => b.Terms)));
        foreach (var term in terms)
        {
            if (term.Variables.Count > 10) throw new StreamingNotPossibleException($"the term {term.Name} has more than 10 variables");
            AddWithSubsets(term.Variables.Select(v => plan.Roles[v]).Where(r => r.Role is not (MomentRole.Key or MomentRole.MeanGroup)).Select(r => r.Base).ToArray());
        }
        // The sums: every pairwise product of the basis, and each base variable alone and squared (its mean and sd);
        // closed under sub-monomials, so that a cell's sums can be moved to another shift.
        var wanted = new HashSet<string>(StringComparer.Ordinal);
        var list = new List<int[]>();
        void Want(int[] m)
        {
            for (int mask = 0; mask < 1 << m.Length; mask++)
            {
                var sub = m.Where((_, i) => (mask & (1 << i)) != 0).Order().ToArray();
                if (wanted.Add(Key(sub))) list.Add(sub);
            }
        }
        foreach (var a in basisList) foreach (var b in basisList) Want([.. a, .. b]);
        for (int b = 0; b < bases.Count; b++) Want([b, b]);
        if (list.Count > 5000)
            throw new StreamingNotPossibleException($"the model needs {list.Count:N0} moment sums per cell (too many interacting numeric variables)");
        // Order by degree, then lexicographically: a monomial's parent comes before it.
        list.Sort((x, y) => x.Length != y.Length ? x.Length.CompareTo(y.Length) : x.AsSpan().SequenceCompareTo(y));
        plan.Monomials = list.ToArray();
        for (int i = 0; i < list.Count; i++) plan._monomialIndex[Key(list[i])] = i;
        plan.Parent = list.Select(m => m.Length == 0 ? -1 : plan._monomialIndex[Key(m.AsSpan(0, m.Length - 1))]).ToArray();
        plan.Last = list.Select(m => m.Length == 0 ? -1 : m[^1]).ToArray();
        return plan;
    }

    /// <summary>Text that identifies the plan's variables (key columns, base variables, monomials): a statistics file
    /// written for another model, or with other monomials, is refused by it.</summary>
    public string Signature =>
        "keys=" + string.Join("|", KeyColumns) + ";base=" + string.Join("|", Base.Select(b => b.Name)) + ";sums=" +
        string.Join("|", Enumerable.Range(0, Monomials.Length).Select(MonomialText));
}
