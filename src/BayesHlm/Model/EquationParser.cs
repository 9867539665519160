using BayesHlm.Formula;

namespace BayesHlm.Model;

/// <summary>
/// Reads equations as the HLM literature writes them: <c>mathach = b0 + b1*center(ses, school) + e</c>,
/// <c>b1 = g10 + g11*meanses + u1</c>. A term is a coefficient times a predictor (<c>g11*meanses</c>), a
/// bare coefficient (the intercept, <c>g10</c>), or a random effect: a bare name made of <c>u</c>, <c>r</c>
/// or <c>e</c> followed by digits (<c>u1</c>, <c>r0</c>, <c>e</c>).
/// </summary>
public static class EquationParser
{
    /// <summary>A parsed equation: left side, intercept coefficient, coefficient·predictor terms, random effect.</summary>
    public sealed record Parsed(string Left, string? Intercept, IReadOnlyList<(string Coefficient, Term Predictor)> Terms, bool Random)
    {
        /// <summary>The random effect's name as written (<c>u1</c>), or null.</summary>
        public string? RandomName { get; init; }
        /// <summary>The equation says <c>0</c>: no intercept, on purpose.</summary>
        public bool ExplicitlyNoIntercept { get; init; }
    }

    /// <summary>Parses one equation; a <see cref="ModelSpecificationException"/> naming the column when it is not valid.</summary>
    /// <param name="equation">The equation, e.g. <c>b1 = g10 + g11*meanses + u1</c>.</param>
    /// <param name="where">Where it was declared, to begin messages: <c>level 2</c>.</param>
    public static Parsed Parse(string equation, string where)
    {
        ArgumentNullException.ThrowIfNull(equation);
        int eq = equation.IndexOf('=');
        if (eq < 0 || equation.IndexOf('=', eq + 1) >= 0)
            throw new ModelSpecificationException($"{where}: '{equation}' is not an equation. Write it as 'left = terms', e.g. 'b1 = g10 + g11*meanses + u1'.");
        string left = equation[..eq].Trim();
        if (left.Length == 0) throw new ModelSpecificationException($"{where}: the equation '{equation}' has nothing left of '='.");
        string? intercept = null, randomName = null;
        bool random = false, zero = false;
        var terms = new List<(string, Term)>();
        foreach (var (text, start) in SplitTopLevel(equation, eq + 1))
        {
            string t = text.Trim();
            int offset = start + (text.Length - text.TrimStart().Length);
            if (t.Length == 0) throw new ModelSpecificationException($"{where}: empty term at column {offset + 1} of '{equation}'.");
            int star = t.IndexOf('*');
            if (t == "0")
            {
                if (intercept is not null) throw new ModelSpecificationException($"{where}: '{equation}' has both an intercept ('{intercept}') and '0' (none).");
                zero = true;
                continue;
            }
            if (star < 0)
            {
                if (!IsName(t)) throw new ModelSpecificationException($"{where}: '{t}' (column {offset + 1}) is neither a coefficient, a coefficient*predictor nor a random effect.");
                if (IsRandomEffectName(t))
                {
                    if (random) throw new ModelSpecificationException($"{where}: two random effects in '{equation}'; an equation has at most one.");
                    random = true;
                    randomName = t;
                }
                else
                {
                    if (intercept is not null) throw new ModelSpecificationException($"{where}: two intercept coefficients ('{intercept}' and '{t}') in '{equation}'. Random effects are named u…, r… or e…; other bare names are coefficients.");
                    if (zero) throw new ModelSpecificationException($"{where}: '{equation}' has both '0' (no intercept) and an intercept ('{t}').");
                    intercept = t;
                }
                continue;
            }
            string coef = t[..star].Trim(), predictor = t[(star + 1)..].Trim();
            if (!IsName(coef)) throw new ModelSpecificationException($"{where}: '{t}' should be coefficient*predictor, e.g. 'g11*meanses'.");
            ModelSpec parsed;
            try { parsed = FormulaParser.Parse("y__ ~ " + predictor); }
            catch (ModelSpecificationException e) { throw new ModelSpecificationException($"{where}: the predictor '{predictor}' in '{equation}' is not valid: {e.Message}", e); }
            if (parsed.FixedTerms.Count != 1 || parsed.RandomFactors.Count > 0)
                throw new ModelSpecificationException($"{where}: '{predictor}' must be one predictor (a variable or an interaction a:b).");
            terms.Add((coef, parsed.FixedTerms[0]));
        }
        return new Parsed(left, intercept, terms, random) { RandomName = randomName, ExplicitlyNoIntercept = zero };
    }

    internal static bool IsRandomEffectName(string name) =>
        name.Length >= 1 && name[0] is 'u' or 'r' or 'e' && name.Skip(1).All(c => char.IsDigit(c) || c == '_');

    private static bool IsName(string s) =>
        s.Length > 0 && (char.IsLetter(s[0]) || s[0] == '_') && s.All(c => char.IsLetterOrDigit(c) || c is '_' or '.');

    private static IEnumerable<(string Text, int Offset)> SplitTopLevel(string s, int start)
    {
        int depth = 0, begin = start;
        for (int i = start; i < s.Length; i++)
        {
            if (s[i] == '(') depth++;
            else if (s[i] == ')') depth--;
            else if (s[i] == '+' && depth == 0) { yield return (s[begin..i], begin); begin = i + 1; }
        }
        yield return (s[begin..], begin);
    }
}
