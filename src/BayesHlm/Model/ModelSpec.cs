using BayesHlm.Formula;

namespace BayesHlm.Model;

/// <summary>
/// What the user declared, whatever the way (formula, level-by-level builder, model file):
/// the outcome, the fixed-effect terms and the random-effect terms per grouping factor.
/// Immutable and independent of any data set.
/// </summary>
/// <param name="Outcome">The outcome variable.</param>
/// <param name="Intercept">Whether the fixed part has an intercept.</param>
/// <param name="FixedTerms">Fixed-effect terms other than the intercept, in R's order.</param>
/// <param name="RandomFactors">Random effects, one entry per grouping factor.</param>
public sealed record ModelSpec(
    Variable Outcome,
    bool Intercept,
    IReadOnlyList<Term> FixedTerms,
    IReadOnlyList<RandomFactorSpec> RandomFactors)
{
    /// <summary>Parses an lme4-style formula (see <see cref="FormulaParser"/>).</summary>
    public static ModelSpec FromFormula(string formula) => FormulaParser.Parse(formula);

    /// <summary>All variables the model reads, outcome first.</summary>
    public IEnumerable<Variable> Variables =>
        new[] { Outcome }
            .Concat(Offset is { } offset ? [offset] : [])
            .Concat(FixedTerms.SelectMany(t => t.Variables))
            .Concat(RandomFactors.SelectMany(r => r.Blocks.SelectMany(b => b.Terms.SelectMany(t => t.Variables))))
            .Distinct();

    /// <summary>The level-1 variances are known, one per row, from a data column (the HLM software's "V-known"
    /// model: meta-analysis, eight schools); null when σ² is estimated.</summary>
    public KnownResidual? KnownResidual { get; init; }

    /// <summary>An <c>offset(x)</c>: a term with coefficient 1, subtracted from y before fitting; null for none.</summary>
    public Variable? Offset { get; init; }

    /// <summary>Precision weights (lme4's <c>weights=</c>): row i's level-1 variance is σ²/w_i, σ² estimated; null for none.</summary>
    public string? Weights { get; init; }

    /// <summary>The outcome's level-1 distribution (and so its link); gaussian unless declared.</summary>
    public Family Family { get; init; } = Family.Gaussian;

    /// <summary>For the binomial family: the column holding each row's number of trials; null otherwise.</summary>
    public string? Trials { get; init; }

    /// <summary>This model with another level-1 distribution (<paramref name="trials"/>: the binomial's trials column).</summary>
    public ModelSpec WithFamily(Family family, string? trials = null) => this with { Family = family, Trials = trials };

    /// <summary>This model with precision weights read from <paramref name="column"/>.</summary>
    public ModelSpec WithWeights(string column) => this with { Weights = column };

    /// <summary>This model with known level-1 variances (or standard deviations) read from <paramref name="column"/>.</summary>
    public ModelSpec WithKnownResidual(string column, bool isStandardDeviation) =>
        this with { KnownResidual = new KnownResidual(column, isStandardDeviation) };

    /// <summary>All data columns the model reads (variables, grouping factors, known variances).</summary>
    public IEnumerable<string> Columns =>
        Variables.SelectMany(v => v.Columns)
            .Concat(RandomFactors.SelectMany(r => r.Factor))
            .Concat(KnownResidual is { } k ? [k.Column] : [])
            .Concat(Weights is { } w ? [w] : [])
            .Concat(Trials is { } n ? [n] : [])
            .Distinct();

    /// <summary>Columns the model reads as labels only — grouping factors, the groups of <c>center(x, g)</c> and
    /// <c>mean(x, g)</c>, and <c>factor(x)</c>. Read them as text (<c>DataTable.ReadCsv(path,
    /// spec.LabelColumns)</c>) so that labels are compared as written: "01" and "1" are two groups, and a 17-digit id is
    /// not rounded into another.</summary>
    public IEnumerable<string> LabelColumns
    {
        get =>
            RandomFactors.SelectMany(r => r.Factor)
                .Concat(Variables.Where(v => v.Group is not null).Select(v => v.Group!))
                .Concat(Variables.Where(v => v.Function == VariableFunction.Factor).Select(v => v.Column))
                .Distinct();
    }

    /// <summary>True when the two specs describe the same model, however their terms were ordered.</summary>
    public bool IsEquivalentTo(ModelSpec other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return Outcome == other.Outcome
            && Intercept == other.Intercept
            && KnownResidual == other.KnownResidual
            && Weights == other.Weights
            && Offset == other.Offset
            && Family == other.Family
            && Trials == other.Trials
            && SameTerms(FixedTerms, other.FixedTerms)
            && RandomFactors.Count == other.RandomFactors.Count
            && RandomFactors.All(r => other.RandomFactors.Any(o => o.IsEquivalentTo(r)));
    }

    internal static bool SameTerms(IReadOnlyList<Term> a, IReadOnlyList<Term> b) =>
        a.Count == b.Count && a.All(t => b.Any(t.SameAs));

    /// <summary>The model written back as an lme4-style formula.</summary>
    public string ToFormula() => $"{Outcome.FormulaText} ~ {string.Join(" + ", FormulaTerms())}";

    /// <summary>The right-hand side's terms: intercept, fixed terms, one random-effects term per block.</summary>
    public IReadOnlyList<string> FormulaTerms()
    {
        var parts = new List<string> { Intercept ? "1" : "0" };
        parts.AddRange(FixedTerms.Select(t => t.FormulaText));
        if (Offset is { } offset) parts.Add(offset.FormulaText);
        foreach (var r in RandomFactors)
            foreach (var b in r.Blocks)
            {
                var inside = new List<string> { b.Intercept ? "1" : "0" };
                inside.AddRange(b.Terms.Select(t => t.FormulaText));
                parts.Add($"({string.Join(" + ", inside)} {(b.Correlated ? "|" : "||")} {string.Join(":", r.Factor.Select(Variable.Quote))})");
            }
        return parts;
    }

    /// <summary>The model as a formula (<see cref="ToFormula"/>).</summary>
    public override string ToString() => ToFormula();
}

/// <summary>A data column holding each row's known level-1 variance, or its standard deviation.</summary>
public sealed record KnownResidual(string Column, bool IsStandardDeviation)
{
    /// <summary>For messages: <c>sd from column 'se'</c>.</summary>
    public override string ToString() => $"{(IsStandardDeviation ? "sd" : "variance")} from column '{Column}'";
}

/// <summary>The random effects of one grouping factor.</summary>
/// <param name="Factor">The grouping columns: one for a plain factor, outer to inner for a nested one
/// (<c>school/classroom</c> gives <c>[school]</c> and <c>[school, classroom]</c>).</param>
/// <param name="Blocks">Blocks of random coefficients; effects in different blocks are independent.</param>
public sealed record RandomFactorSpec(IReadOnlyList<string> Factor, IReadOnlyList<RandomBlockSpec> Blocks)
{
    /// <summary>The factor's name in output: <c>school</c>, <c>school:classroom</c>.</summary>
    public string Name => string.Join(":", Factor);

    /// <summary>True when both declare the same grouping columns and the same blocks, however the blocks and their
    /// terms were ordered.</summary>
    public bool IsEquivalentTo(RandomFactorSpec other) =>
        Factor.SequenceEqual(other.Factor)
        && Blocks.Count == other.Blocks.Count
        && Blocks.All(b => other.Blocks.Any(o => o.IsEquivalentTo(b)));
}

/// <summary>Random coefficients that share one covariance block.</summary>
/// <param name="Intercept">Whether the block has a random intercept.</param>
/// <param name="Terms">Random slopes.</param>
/// <param name="Correlated">False for <c>||</c>: a diagonal covariance within the block.</param>
public sealed record RandomBlockSpec(bool Intercept, IReadOnlyList<Term> Terms, bool Correlated)
{
    /// <summary>True when both blocks have the same intercept, slopes and correlation, the slopes in any order.</summary>
    public bool IsEquivalentTo(RandomBlockSpec other) =>
        Intercept == other.Intercept && Correlated == other.Correlated && ModelSpec.SameTerms(Terms, other.Terms);
}
