using BayesHlm.Formula;

namespace BayesHlm.Model;

/// <summary>
/// Declares a model level by level from C#, with the equations written as the HLM literature writes them:
/// <code>
/// var spec = HlmBuilder.Level1("mathach = b0 + b1*center(ses, school) + e")
///     .Level2("school", "b0 = g00 + g01*meanses + u0", "b1 = g10 + g11*meanses + u1")
///     .Build();
/// </code>
/// The result is the same <see cref="ModelSpec"/> as the equivalent formula.
/// </summary>
public sealed class HlmBuilder
{
    private readonly Variable _outcome;
    private readonly List<Coefficient> _level1;
    private readonly List<UpperLevel> _upper = new();
    // Every coefficient named so far, and where: a name may stand for one coefficient only.
    private readonly Dictionary<string, string> _named = new();

    private HlmBuilder(Variable outcome, List<Coefficient> level1)
    {
        _outcome = outcome;
        _level1 = level1;
        foreach (var c in level1) Name(c.Name, $"the level-1 {(c.Variable is null ? "intercept" : $"coefficient of {c.Variable.FormulaText}")}", "level 1");
    }

    private void Name(string coefficient, string role, string where)
    {
        if (!_named.TryAdd(coefficient, role))
            throw new ModelSpecificationException(
                $"{where}: '{coefficient}' names two coefficients ({_named[coefficient]}, and {role}); one name would make them one estimate. Give each its own name.");
    }

    /// <summary>Starts from the level-1 equation, e.g. <c>y = b0 + b1*x + e</c>.</summary>
    public static HlmBuilder Level1(string equation)
    {
        var parsed = EquationParser.Parse(equation, "level 1");
        ModelSpec outcome;
        try { outcome = FormulaParser.Parse(parsed.Left + " ~ 1"); }
        catch (ModelSpecificationException e) { throw new ModelSpecificationException($"level 1: the outcome '{parsed.Left}' is not a variable: {e.Message}", e); }
        var coefficients = new List<Coefficient>();
        if (parsed.Intercept is not null) coefficients.Add(new Coefficient(parsed.Intercept, null));
        coefficients.AddRange(parsed.Terms.Select(t => new Coefficient(t.Coefficient, t.Predictor)));
        return new HlmBuilder(outcome.Outcome, coefficients);
    }

    /// <summary>Adds the next level up: its grouping column and one equation per coefficient of the level below.</summary>
    public HlmBuilder Level2(string group, params string[] equations) => AddLevel(2, group, true, equations);

    /// <summary>As <see cref="Level2(string, string[])"/>, choosing correlated or independent random effects.</summary>
    public HlmBuilder Level2(string group, bool correlated, params string[] equations) => AddLevel(2, group, correlated, equations);

    /// <summary>Adds level 3: equations for the level-2 coefficients (γ's), over groups of <paramref name="group"/>.</summary>
    public HlmBuilder Level3(string group, params string[] equations) => AddLevel(3, group, true, equations);

    /// <summary>As <see cref="Level3(string, string[])"/>, choosing correlated or independent random effects.</summary>
    public HlmBuilder Level3(string group, bool correlated, params string[] equations) => AddLevel(3, group, correlated, equations);

    private HlmBuilder AddLevel(int level, string group, bool correlated, string[] equations)
    {
        if (_upper.Count != level - 2) throw new ModelSpecificationException($"Declare level {level - 1} before level {level}.");
        if (string.IsNullOrWhiteSpace(group)) throw new ModelSpecificationException($"level {level}: name the grouping column.");
        var below = level == 2 ? _level1.Select(c => c.Name).ToHashSet()
            : _upper[^1].Equations.SelectMany(e => (e.Intercept is null ? [] : new[] { e.Intercept }).Concat(e.Predictors.Select(p => p.Coefficient))).ToHashSet();
        var list = new List<Equation>();
        foreach (var text in equations)
        {
            var p = EquationParser.Parse(text, $"level {level}");
            if (!below.Contains(p.Left))
                throw new ModelSpecificationException($"level {level}: '{p.Left}' is not a coefficient of level {level - 1} (those are {string.Join(", ", below)}).");
            if (list.Any(e => e.Coefficient == p.Left))
                throw new ModelSpecificationException($"level {level}: two equations for '{p.Left}'.");
            if (p.Intercept is null && !p.ExplicitlyNoIntercept)
                throw new ModelSpecificationException(
                    $"level {level}: '{text.Trim()}' has no intercept coefficient, so {p.Left} would be {(p.Terms.Count == 0 ? "0 plus its random effect" : "its predictors' terms alone")}, " +
                    $"with no term of its own. Give it an intercept coefficient (as in 'b1 = g10 + g11*x'), or write '{p.Left} = 0 + …' if you mean none.");
            if (p.RandomName is { } u && list.FirstOrDefault(e => e.RandomName == u) is { } other)
                throw new ModelSpecificationException(
                    $"level {level}: '{text.Trim()}': the random effect '{u}' is in the equations of both {other.Coefficient} and {p.Left}; each coefficient has its own random effect (e.g. u0 and u1), correlated or not as the level says.");
            if (p.Intercept is not null) Name(p.Intercept, $"the intercept of {p.Left}", $"level {level}: '{text.Trim()}'");
            foreach (var (coefficient, predictor) in p.Terms) Name(coefficient, $"the coefficient of {predictor.FormulaText} in the equation of {p.Left}", $"level {level}: '{text.Trim()}'");
            list.Add(new Equation(p.Left, p.Intercept, p.Terms, p.Random) { RandomName = p.RandomName });
        }
        _upper.Add(new UpperLevel(group.Trim(), list, correlated));
        return this;
    }

    /// <summary>The level-by-level description.</summary>
    public HierarchicalModel ToHierarchicalModel() => new(_outcome, _level1, _upper);

    /// <summary>The model as one <see cref="ModelSpec"/>.</summary>
    public ModelSpec Build() => ToHierarchicalModel().ToSpec();
}
