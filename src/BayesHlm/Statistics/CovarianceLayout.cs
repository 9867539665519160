using BayesHlm.Estimation;

namespace BayesHlm.Statistics;

/// <summary>One free entry of a grouping level's covariance matrix Σ_k: a variance (<see cref="Row"/> =
/// <see cref="Col"/>) or a covariance, with its parameter name as draws, summaries and reports write it.</summary>
public readonly record struct CovarianceEntry(int Level, int Row, int Col, string Name)
{
    /// <summary>A variance, not a covariance.</summary>
    public bool IsVariance => Row == Col;
}

/// <summary>
/// The one place that knows which entries of each level's Σ_k are free and in which order they are stored. Two orders:
/// <see cref="Parameters"/>, the order users read (per level its variances, then its free covariances row by row, as
/// in draws.csv and SAS COVTEST), and <see cref="Theta"/>, the free entries of the lower-triangular factor column by
/// column within each level (lme4's θ; also the Cholesky coordinates of the Metropolis–Hastings walks on Σ).
/// Σ_k are q×q row-major arrays everywhere.
/// </summary>
internal sealed class CovarianceLayout
{
    private readonly CovarianceEntry[][] _parameters, _theta;

    public CovarianceLayout(IReadOnlyList<RandomLevel> levels)
    {
        Levels = levels;
        _parameters = new CovarianceEntry[levels.Count][];
        _theta = new CovarianceEntry[levels.Count][];
        for (int k = 0; k < levels.Count; k++)
        {
            var level = levels[k];
            int q = level.Size;
            string Name(int r, int c) => r == c
                ? ParameterNames.Variance(level.Grouping.Name, level.TermNames[r])
                : ParameterNames.Covariance(level.Grouping.Name, level.TermNames[Math.Min(r, c)], level.TermNames[Math.Max(r, c)]);
            var parameters = new List<CovarianceEntry>();
            for (int a = 0; a < q; a++) parameters.Add(new CovarianceEntry(k, a, a, Name(a, a)));
            for (int a = 0; a < q; a++)
                for (int b = a + 1; b < q; b++)
                    if (level.Free[b, a]) parameters.Add(new CovarianceEntry(k, a, b, Name(a, b)));
            _parameters[k] = parameters.ToArray();
            var theta = new List<CovarianceEntry>();
            for (int c = 0; c < q; c++)
                for (int r = c; r < q; r++)
                    if (level.Free[r, c]) theta.Add(new CovarianceEntry(k, r, c, Name(r, c)));
            _theta[k] = theta.ToArray();
        }
        Parameters = _parameters.SelectMany(p => p).ToArray();
        Theta = _theta.SelectMany(p => p).ToArray();
    }

    public IReadOnlyList<RandomLevel> Levels { get; }

    /// <summary>Every level's entries in the order users read them.</summary>
    public IReadOnlyList<CovarianceEntry> Parameters { get; }

    /// <summary>Every level's entries in θ order (lower triangle, column by column).</summary>
    public IReadOnlyList<CovarianceEntry> Theta { get; }

    /// <summary>Level <paramref name="k"/>'s entries in the order users read them.</summary>
    public ReadOnlySpan<CovarianceEntry> ParametersOf(int k) => _parameters[k];

    /// <summary>Level <paramref name="k"/>'s entries in θ order.</summary>
    public ReadOnlySpan<CovarianceEntry> ThetaOf(int k) => _theta[k];

    /// <summary>Level <paramref name="k"/>'s effects are uncorrelated (Σ_k diagonal).</summary>
    public bool IsDiagonal(int k) => _theta[k].Length == Levels[k].Size;

    /// <summary>Every covariance of level <paramref name="k"/> is free.</summary>
    public bool IsUnstructured(int k) => _theta[k].Length == Levels[k].Size * (Levels[k].Size + 1) / 2;

    /// <summary>A zero q×q matrix per level.</summary>
    public double[][] NewMatrices() => Levels.Select(l => new double[l.Size * l.Size]).ToArray();

    /// <summary>Σ_k from values in <see cref="Parameters"/> order, given one entry at a time (both triangles set).</summary>
    public double[][] Unpack(Func<CovarianceEntry, double> value)
    {
        var sigma = NewMatrices();
        foreach (var e in Parameters) Set(sigma, e, value(e));
        return sigma;
    }

    /// <summary>Sets one entry of Σ_k, both triangles.</summary>
    public void Set(double[][] sigma, CovarianceEntry e, double value)
    {
        int q = Levels[e.Level].Size;
        sigma[e.Level][e.Row * q + e.Col] = sigma[e.Level][e.Col * q + e.Row] = value;
    }

    /// <summary>The value of one entry of Σ_k.</summary>
    public double Get(IReadOnlyList<double[]> sigma, CovarianceEntry e) => sigma[e.Level][e.Row * Levels[e.Level].Size + e.Col];

    /// <summary>Σ_k as an EB/ML fit estimated them.</summary>
    public double[][] FromFit(RemlFit fit)
    {
        ArgumentNullException.ThrowIfNull(fit);
        var sigma = NewMatrices();
        foreach (var c in fit.Covariance)
        {
            int k = Levels.ToList().FindIndex(l => l.Grouping.Name == c.Group);
            if (k < 0) continue; // the residual
            var terms = Levels[k].TermNames.ToList();
            int i = terms.IndexOf(c.Term1!), j = c.Term2 is null ? i : terms.IndexOf(c.Term2);
            Set(sigma, new CovarianceEntry(k, i, j, ""), c.Estimate);
        }
        return sigma;
    }
}
