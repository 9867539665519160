namespace BayesHlm.Statistics;

/// <summary>
/// A change of coordinates over a block of design columns: column c as written is x_c = x̃_c + Σ_d L[d,c]·x̃_d over
/// lower-order columns d of the block, that is X = X̃L with L unit triangular. Coefficients then map as b̃ = Lb (so
/// Xb = X̃b̃), and their covariances by congruence. Indices are the block's own.
/// </summary>
internal sealed class UnitTriangularMap
{
    private readonly (int Column, double Weight)[][] _expansion; // per column c, its (d, L[d,c]) for d ≠ c
    private readonly int[] _order; // every column after the columns its expansion names

    /// <param name="expansion">Per column, the lower-order columns it adds and their weights; a column's expansion may
    /// name only columns whose own expansions are shorter (true of products: 2^|R| − 1 &lt; 2^|V| − 1 for R ⊂ V).</param>
    public UnitTriangularMap((int Column, double Weight)[][] expansion)
    {
        _expansion = expansion;
        _order = Enumerable.Range(0, expansion.Length).OrderBy(c => expansion[c].Length).ToArray();
        IsIdentity = expansion.All(e => e.Length == 0);
        SolveLTransposeMap = SolveLTranspose;
    }

    /// <summary><see cref="SolveLTranspose"/> as a <see cref="VectorMap"/>, made once: a method group converted at each
    /// call allocates a delegate, and the sampler's hyperprior step maps its prior every sweep.</summary>
    public VectorMap SolveLTransposeMap { get; }

    /// <summary>The identity on <paramref name="size"/> columns.</summary>
    public static UnitTriangularMap Identity(int size) => new(Enumerable.Range(0, size).Select(_ => Array.Empty<(int, double)>()).ToArray());

    /// <summary>Number of columns.</summary>
    public int Size => _expansion.Length;

    /// <summary>L = I: no column is changed.</summary>
    public bool IsIdentity { get; }

    /// <summary>Column c as written, in the block's columns: (d, L[d,c]), c itself (weight 1) first.</summary>
    public IEnumerable<(int Column, double Weight)> Expansion(int c) => _expansion[c].Prepend((c, 1.0));

    /// <summary>Term <paramref name="i"/> of <see cref="Expansion"/>(<paramref name="c"/>), of
    /// <see cref="ExpansionLength"/>(c), without an enumerator.</summary>
    public (int Column, double Weight) ExpansionTerm(int c, int i) => i == 0 ? (c, 1.0) : _expansion[c][i - 1];

    /// <summary>Number of terms of <see cref="Expansion"/>(<paramref name="c"/>).</summary>
    public int ExpansionLength(int c) => _expansion[c].Length + 1;

    /// <summary>x ← L⁻¹x (b from b̃): b̃_d = b_d + Σ_c L[d,c]b_c, solved from the highest-order columns down.</summary>
    public void SolveL(Span<double> x)
    {
        if (IsIdentity) return;
        for (int o = _order.Length - 1; o >= 0; o--)
        {
            int c = _order[o];
            foreach (var (d, w) in _expansion[c]) x[d] -= w * x[c];
        }
    }

    /// <summary>x ← L⁻ᵀx: Lᵀx̃ = x reads x̃_c = x_c − Σ_d L[d,c]x̃_d, solved from the lowest-order columns up.</summary>
    public void SolveLTranspose(Span<double> x)
    {
        if (IsIdentity) return;
        foreach (int c in _order)
            foreach (var (d, w) in _expansion[c]) x[c] -= w * x[d];
    }

    /// <summary>x ← Lx (b̃ from b): lower-order entries gain from higher ones, each read before it changes.</summary>
    public void MultiplyL(Span<double> x)
    {
        if (IsIdentity) return;
        foreach (int c in _order)
            foreach (var (d, w) in _expansion[c]) x[d] += w * x[c];
    }

    /// <summary>x ← Lᵀx: (Lᵀx)_c = x_c + Σ_d L[d,c]x_d, from the highest-order columns down.</summary>
    public void MultiplyLTranspose(Span<double> x)
    {
        if (IsIdentity) return;
        for (int o = _order.Length - 1; o >= 0; o--)
        {
            int c = _order[o];
            foreach (var (d, w) in _expansion[c]) x[c] += w * x[d];
        }
    }

    /// <summary>A map applied to vectors in place.</summary>
    public delegate void VectorMap(Span<double> x);

    /// <summary>A ← M A Mᵀ for a symmetric n×n A (row-major), M applied to vectors by <paramref name="map"/>: to the
    /// columns, then to the rows.</summary>
    public void Congruence(Span<double> a, VectorMap map)
    {
        if (IsIdentity) return;
        int n = Size;
        Span<double> column = n <= 64 ? stackalloc double[n] : new double[n];
        for (int j = 0; j < n; j++)
        {
            for (int i = 0; i < n; i++) column[i] = a[i * n + j];
            map(column);
            for (int i = 0; i < n; i++) a[i * n + j] = column[i];
        }
        for (int i = 0; i < n; i++) map(a.Slice(i * n, n));
    }
}
