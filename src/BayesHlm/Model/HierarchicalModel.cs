using BayesHlm.Formula;

namespace BayesHlm.Model;

/// <summary>
/// A model declared level by level, as the HLM literature writes it:
/// <code>
/// level 1:  Y   = β0 + β1·X + e
/// level 2:  β0  = γ00 + γ01·W + u0
///           β1  = γ10 + γ11·W + u1
/// </code>
/// Each coefficient of one level may get an equation at the next level up: an intercept, predictors, and
/// whether it varies randomly over that level's groups. <see cref="ToSpec"/> substitutes the equations into
/// the level-1 one (a level-2 W in the equation for β1 becomes the cross-level term X:W) and gives the same
/// <see cref="ModelSpec"/> as the equivalent formula.
/// </summary>
/// <param name="Outcome">The level-1 outcome.</param>
/// <param name="Level1">The level-1 coefficients, each with the variable it multiplies (null for the intercept).</param>
/// <param name="Upper">Level 2, then optionally level 3: each with its grouping column and equations.</param>
public sealed record HierarchicalModel(Variable Outcome, IReadOnlyList<Coefficient> Level1, IReadOnlyList<UpperLevel> Upper)
{
    /// <summary>Translates the levels into one mixed model.</summary>
    public ModelSpec ToSpec() => FormulaParser.Parse(ToFormula());

    /// <summary>The equivalent lme4-style formula.</summary>
    public string ToFormula()
    {
        if (Upper.Count > 2) throw new ModelSpecificationException("At most three levels are supported (level 1 and two grouping levels).");
        var fixedTerms = new List<string>();
        var source = new Dictionary<string, string>();
        var random = Upper.Select(_ => new List<string>()).ToList();
        var randomIntercept = Upper.Select(_ => false).ToList();
        bool intercept = false;
        foreach (var c1 in Level1)
        {
            // Each path through the equations multiplies the level-1 variable by one predictor per level.
            foreach (var (product, path) in Expand(c1.Name, c1.Variable is null ? [] : [c1.Variable.FormulaText], 0, c1.Name))
            {
                string term = product.Count == 0 ? "1" : string.Join(":", product.Order(StringComparer.Ordinal));
                // Two paths to one fixed term would silently be one coefficient (g01*x at level 2 beside b1*x at level 1).
                if (!source.TryAdd(term, path))
                    throw new ModelSpecificationException(
                        $"The equations give the fixed effect {(product.Count == 0 ? "intercept" : string.Join(":", product))} twice ({source[term]} and {path}): they would be one coefficient, not two. " +
                        "Remove one of them, or use another predictor.");
                if (product.Count == 0) intercept = true; else fixedTerms.Add(string.Join(":", product));
            }
            MarkRandom(c1.Name, c1.Variable is null ? [] : [c1.Variable.FormulaText], 0, random, randomIntercept);
        }
        var parts = new List<string> { intercept ? "1" : "0" };
        parts.AddRange(fixedTerms.Distinct());
        for (int k = 0; k < Upper.Count; k++)
        {
            if (!randomIntercept[k] && random[k].Count == 0) continue;
            var inside = new List<string> { randomIntercept[k] ? "1" : "0" };
            inside.AddRange(random[k].Distinct());
            string group = string.Join(":", Upper.Skip(k).Reverse().Select(u => Variable.Quote(u.Group)));
            parts.Add($"({string.Join(" + ", inside)} {(Upper[k].Correlated ? "|" : "||")} {group})");
        }
        return $"{Outcome.FormulaText} ~ {string.Join(" + ", parts)}";
    }

    /// <summary>The model as its equations, one per line: <c>Level 1: mathach = b0 + b1*center(ses, school) + e</c>,
    /// then each upper level's equations with its grouping column.</summary>
    public IReadOnlyList<string> Equations()
    {
        var lines = new List<string>
        {
            $"Level 1: {Outcome.FormulaText} = {string.Join(" + ", Level1.Select(c => c.Variable is null ? c.Name : $"{c.Name}*{c.Variable.FormulaText}"))} + e",
        };
        for (int k = 0; k < Upper.Count; k++)
            foreach (var eq in Upper[k].Equations)
            {
                var terms = new List<string>();
                if (eq.Intercept is not null) terms.Add(eq.Intercept);
                terms.AddRange(eq.Predictors.Select(p => $"{p.Coefficient}*{p.Variable.FormulaText}"));
                if (eq.Random) terms.Add($"u({Upper[k].Group})");
                lines.Add($"Level {k + 2} ({Upper[k].Group}): {eq.Coefficient} = {(terms.Count == 0 ? "0" : string.Join(" + ", terms))}");
            }
        return lines;
    }

    /// <summary>Fixed-effect products for a coefficient at a level (0 = level 1 coefficients → level-2 equations).</summary>
    private IEnumerable<(List<string> Product, string Path)> Expand(string coefficient, List<string> product, int level, string path)
    {
        if (level >= Upper.Count || Upper[level].Find(coefficient) is not Equation eq)
        {
            yield return (product, path);
            yield break;
        }
        if (eq.Intercept is not null)
            foreach (var r in Expand(eq.Intercept, product, level + 1, $"{path} → {eq.Intercept}")) yield return r;
        foreach (var (coef, variable) in eq.Predictors)
            foreach (var r in Expand(coef, [.. product, variable.FormulaText], level + 1, $"{path} → {coef}*{variable.FormulaText}")) yield return r;
    }

    private void MarkRandom(string coefficient, List<string> product, int level, List<List<string>> random, List<bool> randomIntercept)
    {
        if (level >= Upper.Count || Upper[level].Find(coefficient) is not Equation eq) return;
        if (eq.Random)
        {
            if (product.Count == 0) randomIntercept[level] = true;
            else random[level].Add(string.Join(":", product));
        }
        if (eq.Intercept is not null) MarkRandom(eq.Intercept, product, level + 1, random, randomIntercept);
        foreach (var (coef, variable) in eq.Predictors) MarkRandom(coef, [.. product, variable.FormulaText], level + 1, random, randomIntercept);
    }
}

/// <summary>A coefficient and the variable it multiplies (null: an intercept).</summary>
public sealed record Coefficient(string Name, Term? Variable);

/// <summary>A grouping level (2 or 3) and the equations of the coefficients of the level below.</summary>
/// <param name="Group">The grouping column of this level.</param>
/// <param name="Equations">One equation per coefficient of the level below that varies or has predictors.</param>
/// <param name="Correlated">Whether the random effects of this level are correlated (unstructured Σ) or independent.</param>
public sealed record UpperLevel(string Group, IReadOnlyList<Equation> Equations, bool Correlated = true)
{
    /// <summary>The equation of <paramref name="coefficient"/>, or null when it has none here (fixed, no predictors).</summary>
    public Equation? Find(string coefficient) => Equations.FirstOrDefault(e => e.Coefficient == coefficient);
}

/// <summary>The equation of one coefficient: <c>β1 = γ10 + γ11·W + u1</c>.</summary>
/// <param name="Coefficient">The coefficient it explains (β1).</param>
/// <param name="Intercept">Name of its intercept coefficient (γ10), or null for none.</param>
/// <param name="Predictors">Coefficients and the predictors they multiply (γ11·W).</param>
/// <param name="Random">Whether it has a random effect (u1) at this level.</param>
public sealed record Equation(string Coefficient, string? Intercept, IReadOnlyList<(string Coefficient, Term Variable)> Predictors, bool Random)
{
    /// <summary>The random effect's name as written (<c>u1</c>), when declared by equations.</summary>
    public string? RandomName { get; init; }
}
