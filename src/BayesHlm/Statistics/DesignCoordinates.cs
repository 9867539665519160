namespace BayesHlm.Statistics;

/// <summary>
/// The coordinates the C_j hold the model in, and the way back to the user's. y is accumulated about ȳ when the model
/// has an intercept; the fixed columns' numeric variables about their means (<see cref="PredictorCentring"/>); and the
/// random slopes of a level with a random intercept about their means, kept by REML where Σ_k is unstructured
/// (<see cref="SufficientStatistics.ForReml"/>).
/// Each is a unit triangular change of the block's columns (<see cref="UnitTriangularMap"/>): the model is the same, its
/// coefficients and covariances are expressed in other coordinates, and a predictor far from 0 keeps its digits. The
/// estimators and the sampler work inside; everything a user reads is mapped back here.
/// </summary>
internal sealed class DesignCoordinates
{
    private readonly UnitTriangularMap[] _random;
    private readonly int[] _zOffset;

    public DesignCoordinates(int interceptIndex, double outcomeShift, UnitTriangularMap fixedMap, UnitTriangularMap[] random, int[] zOffset)
    {
        InterceptIndex = interceptIndex;
        OutcomeShift = outcomeShift;
        Fixed = fixedMap;
        _random = random;
        _zOffset = zOffset;
    }

    /// <summary>No change at all: the identity on p fixed columns and the given levels.</summary>
    public static DesignCoordinates Identity(int p, IReadOnlyList<int> levelSizes, int[] zOffset) =>
        new(-1, 0, UnitTriangularMap.Identity(p), levelSizes.Select(UnitTriangularMap.Identity).ToArray(), zOffset);

    /// <summary>Index of the (Intercept) column, or −1.</summary>
    public int InterceptIndex { get; }

    /// <summary>ȳ, subtracted from y (0 without an intercept).</summary>
    public double OutcomeShift { get; }

    /// <summary>The fixed columns' change: β̃ = Lβ apart from the intercept's ȳ.</summary>
    public UnitTriangularMap Fixed { get; }

    /// <summary>Level k's random columns' change: ũ = Lu, Σ̃ = LΣLᵀ.</summary>
    public UnitTriangularMap Random(int level) => _random[level];

    /// <summary>The same with level k's random columns changed by <paramref name="random"/>.</summary>
    public DesignCoordinates WithRandom(UnitTriangularMap[] random) => new(InterceptIndex, OutcomeShift, Fixed, random, _zOffset);

    /// <summary>β from β̃, in place: β = L⁻¹β̃ + ȳe₀.</summary>
    public void ToUser(Span<double> beta)
    {
        Fixed.SolveL(beta);
        if (InterceptIndex >= 0) beta[InterceptIndex] += OutcomeShift;
    }

    /// <summary>Cov(β) = L⁻¹ Cov(β̃) L⁻ᵀ, in place (p×p row-major).</summary>
    public void ToUserCovariance(double[] covariance) => Fixed.Congruence(covariance, Fixed.SolveL);

    /// <summary>A Gaussian prior on β (precision P, P·mean) in the kernel's coordinates, in place: from β = L⁻¹β̃ + ȳe₀,
    /// P̃ = L⁻ᵀPL⁻¹ and (P·mean)~ = L⁻ᵀ(P·mean − ȳ·Pe₀).</summary>
    public void ToKernelPrior(double[] precision, double[] precisionTimesMean)
    {
        int i = InterceptIndex, p = precisionTimesMean.Length;
        if (i >= 0)
            for (int a = 0; a < p; a++) precisionTimesMean[a] -= OutcomeShift * precision[a * p + i];
        Fixed.SolveLTranspose(precisionTimesMean);
        Fixed.Congruence(precision, Fixed.SolveLTransposeMap);
    }

    /// <summary>Weights g of a linear function of the user's (β, u_0, …, u_k) — a prefix of W's columns — as weights on the
    /// kernel's (β̃, ũ_0, …) (L⁻ᵀg per block), in place; returns the constant ȳ·g₀, to be added.</summary>
    public double ToKernelWeights(Span<double> g)
    {
        double constant = InterceptIndex >= 0 ? OutcomeShift * g[InterceptIndex] : 0;
        Fixed.SolveLTranspose(g[..Fixed.Size]);
        for (int k = 0; k < _random.Length && _zOffset[k] + _random[k].Size <= g.Length; k++)
            _random[k].SolveLTranspose(g.Slice(_zOffset[k], _random[k].Size));
        return constant;
    }

    /// <summary>Level k's random effects u = L⁻¹ũ, in place.</summary>
    public void RandomToUser(int level, Span<double> u) => _random[level].SolveL(u);

    /// <summary>Level k's covariance Σ = L⁻¹Σ̃L⁻ᵀ (of the random effects, or of their estimates), in place.</summary>
    public void RandomCovarianceToUser(int level, Span<double> sigma) => _random[level].Congruence(sigma, _random[level].SolveL);

    /// <summary>Level k's covariance Σ̃ = LΣLᵀ from the user's, in place.</summary>
    public void RandomCovarianceFromUser(int level, Span<double> sigma) => _random[level].Congruence(sigma, _random[level].MultiplyL);

    /// <summary>Level k's reliability matrix Σ(Σ + V_j)⁻¹ = L⁻¹ R̃ L from the kernel's R̃ (q×q, not symmetric), in place.</summary>
    public void ReliabilityToUser(int level, Span<double> r)
    {
        var map = _random[level];
        if (map.IsIdentity) return;
        int q = map.Size;
        for (int i = 0; i < q; i++) map.MultiplyLTranspose(r.Slice(i * q, q)); // rows: R̃L
        Span<double> column = stackalloc double[q];
        for (int j = 0; j < q; j++)
        {
            for (int i = 0; i < q; i++) column[i] = r[i * q + j];
            map.SolveL(column);
            for (int i = 0; i < q; i++) r[i * q + j] = column[i];
        }
    }

    /// <summary>A cross-product of two columns of W = [X | Z_1 | … | y] as the user wrote them, from a block
    /// <paramref name="c"/> of the C_j (m×m): Σ L[d,a]·L[e,b]·C[d,e]; y is as held (y − ȳ).</summary>
    public double UserCrossProduct(ReadOnlySpan<double> c, int m, int a, int b) => UserCrossProduct(c, m, a, b, out _);

    /// <summary>As <see cref="UserCrossProduct(ReadOnlySpan{double}, int, int, int)"/>, with the size of the terms it
    /// sums (Σ|L[d,a]·L[e,b]·C[d,e]|): where they cancel, the result is only known to about 10⁻¹⁶ of it.</summary>
    public double UserCrossProduct(ReadOnlySpan<double> c, int m, int a, int b, out double magnitude)
    {
        var (ma, oa) = BlockOf(a);
        var (mb, ob) = BlockOf(b);
        if ((ma is null || ma.IsIdentity) && (mb is null || mb.IsIdentity))
        {
            magnitude = Math.Abs(c[a * m + b]);
            return c[a * m + b];
        }
        // Σ over Expansion(a) × Expansion(b) in their order, by index: the EB estimates call this for every group,
        // column and term, and enumerators there were most of what a REML fit allocated.
        double sum = 0;
        magnitude = 0;
        int na = ma?.ExpansionLength(a - oa) ?? 1, nb = mb?.ExpansionLength(b - ob) ?? 1;
        for (int i = 0; i < na; i++)
        {
            var (d, wd) = ma?.ExpansionTerm(a - oa, i) ?? (0, 1.0);
            for (int k = 0; k < nb; k++)
            {
                var (e, we) = mb?.ExpansionTerm(b - ob, k) ?? (0, 1.0);
                double term = wd * we * c[(d + oa) * m + e + ob];
                sum += term;
                magnitude += Math.Abs(term);
            }
        }
        return sum;
    }

    /// <summary>The map of the block holding column <paramref name="column"/> of W and the block's first column; no map
    /// for y.</summary>
    private (UnitTriangularMap? Map, int Offset) BlockOf(int column)
    {
        if (column < Fixed.Size) return (Fixed, 0);
        for (int k = 0; k < _random.Length; k++)
            if (column < _zOffset[k] + _random[k].Size) return (_random[k], _zOffset[k]);
        return (null, column);
    }
}
