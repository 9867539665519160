using BayesHlm.Model;

namespace BayesHlm.Formula;

/// <summary>
/// Parses lme4-style formulas: <c>y ~ 1 + x + w + x:w + x*w + (1 + x | g)</c>, <c>(1 | g1/g2)</c>,
/// <c>(1 + x || g)</c>, <c>0 +</c> / <c>- 1</c>, and the functions of <see cref="Variable"/>.
/// Terms are ordered as R orders them (by degree, then as written) and interactions are named with
/// their variables in order of first appearance, so names match lme4's.
/// </summary>
public static class FormulaParser
{
    /// <summary>Parses <paramref name="formula"/>; a <see cref="ModelSpecificationException"/> pointing at the column of
    /// the error when it is not valid.</summary>
    public static ModelSpec Parse(string formula)
    {
        ArgumentNullException.ThrowIfNull(formula);
        if (string.IsNullOrWhiteSpace(formula))
            throw new ModelSpecificationException("The formula is empty. Write it as: outcome ~ predictors + (random terms | group), e.g. \"y ~ x + (1 | g)\".");
        if (formula.Length > 10_000)
            throw new ModelSpecificationException($"The formula is {formula.Length:N0} characters long; a formula is at most 10,000. Is it the right text?");
        var p = new Parser(formula, FormulaLexer.Tokenize(formula));
        return p.ParseFormula();
    }

    internal static ModelSpecificationException Error(string text, int position, string what)
    {
        string caret = new string(' ', Math.Min(position, text.Length)) + "^";
        return new ModelSpecificationException(
            $"Formula error at column {position + 1}: {what}.\n  {text}\n  {caret}");
    }

    private sealed class TermList
    {
        public List<List<Variable>> Terms { get; } = new();
        public bool? Intercept;

        public void AddTerm(List<Variable> t)
        {
            foreach (var existing in Terms)
                if (existing.Count == t.Count && existing.All(t.Contains)) return;
            Terms.Add(t);
        }

        public void RemoveTerm(List<Variable> t) =>
            Terms.RemoveAll(e => e.Count == t.Count && e.All(t.Contains));
    }

    private sealed record RandomBlock(TermList Inside, List<List<string>> Factors, bool Correlated, List<Variable> Order, int Position);

    private sealed class Parser
    {
        private readonly string _text;
        private readonly List<Token> _tokens;
        private int _pos;
        private List<Variable> _order = new();
        private readonly List<RandomBlock> _random = new();
        private int _barDepth;

        public Parser(string text, List<Token> tokens) { _text = text; _tokens = tokens; }

        private Token Peek => _tokens[_pos];
        private Token Next() => _tokens[_pos++];

        private Token Expect(TokenKind kind, string what)
        {
            if (Peek.Kind != kind) throw Error(_text, Peek.Position, $"expected {what}" + (Peek.Kind == TokenKind.End ? " but the formula ended" : $" but found '{Peek.Text}'"));
            return Next();
        }

        /// <summary>Deeper nesting of parentheses is refused before it can exhaust the stack.</summary>
        private const int MaxDepth = 100;
        /// <summary>More terms than this (a 10-way interaction has 1,023) is refused before any data is touched.</summary>
        public const int MaxTerms = 1000;
        private int _depth;
        private readonly Stack<Token> _open = new(); // '(' of the groups being parsed, innermost on top

        public ModelSpec ParseFormula()
        {
            int tilde = _tokens.FindIndex(t => t.Kind == TokenKind.Tilde);
            if (tilde < 0) throw Error(_text, 0, "no '~'; write the outcome on the left of '~' and the predictors on the right, e.g. \"y ~ x + (1 | g)\"");
            if (tilde == 0) throw Error(_text, 0, "no outcome before '~'");
            var outcome = ParseVariable(register: false);
            if (Peek.Kind != TokenKind.Tilde) throw Error(_text, Peek.Position, "expected '~' after the outcome (the outcome is a single variable)");
            Next();
            var rhs = ParseSum(topLevel: true);
            if (Peek.Kind != TokenKind.End) throw Error(_text, Peek.Position, $"unexpected '{Peek.Text}'");

            // offset(x) is not estimated: it leaves the fixed terms and is subtracted from y (its coefficient is 1).
            var offsets = rhs.Terms.Where(t => t.Any(v => v.Function == VariableFunction.Offset)).ToList();
            if (offsets.Any(t => t.Count > 1))
                throw Error(_text, 0, "offset(x) stands alone: it cannot be part of an interaction");
            if (offsets.Count > 1) throw Error(_text, 0, "one offset(x) per formula; add the columns into one first");
            rhs.Terms.RemoveAll(t => t.Any(v => v.Function == VariableFunction.Offset));
            var fixedTerms = OrderTerms(rhs.Terms, _order);
            var random = new List<RandomFactorSpec>();
            foreach (var block in _random)
            {
                var terms = OrderTerms(block.Inside.Terms, block.Order);
                bool intercept = block.Inside.Intercept ?? true;
                if (!intercept && terms.Count == 0) throw Error(_text, block.Position, "a random-effects term has nothing random in it");
                foreach (var factor in block.Factors)
                {
                    var b = new RandomBlockSpec(intercept, terms, block.Correlated);
                    int existing = random.FindIndex(r => r.Factor.SequenceEqual(factor));
                    if (existing < 0) random.Add(new RandomFactorSpec(factor, [b]));
                    else random[existing] = random[existing] with { Blocks = [.. random[existing].Blocks, b] };
                }
            }
            if (random.Any(r => r.Blocks.Any(bl => bl.Terms.Any(t => t.Variables.Any(v => v.Function == VariableFunction.Offset)))))
                throw Error(_text, 0, "offset(x) belongs to the fixed part, not inside ( … | g)");
            return new ModelSpec(outcome, rhs.Intercept ?? true, fixedTerms, random) { Offset = offsets.Count == 1 ? offsets[0][0] : null };
        }

        private static List<Term> OrderTerms(List<List<Variable>> terms, List<Variable> order) =>
            terms.Select((t, i) => (t, i))
                 .OrderBy(x => x.t.Count).ThenBy(x => x.i)
                 .Select(x => new Term(x.t.OrderBy(v => order.IndexOf(v)).ToList()))
                 .ToList();

        private TermList ParseSum(bool topLevel)
        {
            var result = new TermList();
            bool negate = false;
            if (Peek.Kind == TokenKind.Minus) { Next(); negate = true; }
            else if (Peek.Kind == TokenKind.Plus) Next();
            while (true)
            {
                int start = Peek.Position;
                if (topLevel && _barDepth == 0 && IsBarGroup()) { if (negate) throw Error(_text, start, "a random-effects term cannot be removed with '-'"); ParseBar(); }
                else
                {
                    var part = ParseProduct();
                    Merge(result, part, negate, start);
                }
                if (Peek.Kind == TokenKind.Plus) { Next(); negate = false; }
                else if (Peek.Kind == TokenKind.Minus) { Next(); negate = true; }
                else break;
            }
            return result;
        }

        private void Merge(TermList into, TermList part, bool negate, int position)
        {
            if (part.Intercept is bool ic)
            {
                if (part.Terms.Count > 0) throw Error(_text, position, "'0' or '1' cannot be combined with other terms by ':' or '*'");
                into.Intercept = negate ? !ic : ic;
                return;
            }
            foreach (var t in part.Terms)
                if (negate) into.RemoveTerm(t); else into.AddTerm(t);
        }

        /// <summary>True when the parenthesis at the cursor holds a '|' or '||' at its own depth.</summary>
        private bool IsBarGroup()
        {
            if (Peek.Kind != TokenKind.LParen) return false;
            int depth = 0;
            for (int i = _pos; i < _tokens.Count; i++)
            {
                var k = _tokens[i].Kind;
                if (k == TokenKind.LParen) depth++;
                else if (k == TokenKind.RParen) { depth--; if (depth == 0) return false; }
                else if ((k == TokenKind.Bar || k == TokenKind.DoubleBar) && depth == 1) return true;
            }
            return false;
        }

        private void ParseBar()
        {
            var open = Next();
            var saved = _order;
            _order = new List<Variable>();
            _barDepth++;
            var inside = ParseSum(topLevel: false);
            _barDepth--;
            var barOrder = _order;
            _order = saved;
            bool correlated;
            if (Peek.Kind == TokenKind.Bar) correlated = true;
            else if (Peek.Kind == TokenKind.DoubleBar) correlated = false;
            else throw Error(_text, Peek.Position, "expected '|' in the random-effects term");
            Next();
            var factors = ParseGrouping();
            Expect(TokenKind.RParen, "')' to close the random-effects term");
            _random.Add(new RandomBlock(inside, factors, correlated, barOrder, open.Position));
        }

        private List<List<string>> ParseGrouping()
        {
            var chain = new List<string> { ParseGroupName() };
            var factors = new List<List<string>>();
            while (Peek.Kind is TokenKind.Slash or TokenKind.Colon)
            {
                // a/b adds the factor a and goes on to a:b; a:b is one factor of the combined levels.
                if (Next().Kind == TokenKind.Slash) factors.Add(chain.ToList());
                chain.Add(ParseGroupName());
            }
            factors.Add(chain);
            return factors;
        }

        private string ParseGroupName()
        {
            var t = Expect(TokenKind.Name, "a grouping column after '|'");
            if (Peek.Kind == TokenKind.LParen)
            {
                // factor(g) as a grouping factor is just g: grouping columns are always factors.
                if (t.Text != "factor") throw Error(_text, t.Position, $"'{t.Text}(...)' cannot be a grouping factor; name a column");
                Next();
                var inner = Expect(TokenKind.Name, "a column name");
                Expect(TokenKind.RParen, "')'");
                return inner.Text;
            }
            return t.Text;
        }

        private TermList ParseProduct()
        {
            int start = Peek.Position;
            var left = ParseInteraction();
            while (Peek.Kind is TokenKind.Star or TokenKind.Slash)
            {
                var op = Next();
                var right = ParseInteraction();
                CheckNoIntercept(left, start); CheckNoIntercept(right, op.Position);
                var result = new TermList();
                if (op.Kind == TokenKind.Star)
                {
                    foreach (var t in left.Terms) result.AddTerm(t);
                    foreach (var t in right.Terms) result.AddTerm(t);
                    foreach (var t in Cross(left, right, op.Position).Terms) result.AddTerm(t);
                }
                else
                {
                    // a / b = a + a:b, with a:b using all of a's variables (R's nesting in fixed effects).
                    foreach (var t in left.Terms) result.AddTerm(t);
                    var all = left.Terms.SelectMany(t => t).Distinct().ToList();
                    foreach (var t in right.Terms) result.AddTerm(all.Concat(t.Where(v => !all.Contains(v))).ToList());
                }
                left = result;
            }
            return left;
        }

        /// <summary>Why a random-effects term stands where it may not: wrapped in a second pair of parentheses, inside a
        /// parenthesis left open, or inside a product.</summary>
        private string MisplacedRandomTerm(Token term)
        {
            if (_open.Count == 0)
                return "a random-effects term '( ... | group)' must be added at the top level of the formula, not inside ':' or '*'";
            var outer = _open.Peek();
            bool doubled = _tokens[_pos - 1].Kind == TokenKind.LParen && _tokens[_pos - 1].Position == outer.Position && ClosesRightAfter();
            return doubled
                ? $"the random-effects term has two pairs of parentheses; write it with one, as in '(1 | g)'"
                : $"the random-effects term is inside the parenthesis opened at column {outer.Position + 1}; close that parenthesis before it — random-effects terms are added at the top level, as in 'y ~ x + (1 | g)'";
        }

        /// <summary>True when the group at the cursor is followed at once by another ')': '((1 | g))'.</summary>
        private bool ClosesRightAfter()
        {
            int depth = 0;
            for (int i = _pos; i < _tokens.Count; i++)
            {
                if (_tokens[i].Kind == TokenKind.LParen) depth++;
                else if (_tokens[i].Kind == TokenKind.RParen && --depth == 0) return i + 1 < _tokens.Count && _tokens[i + 1].Kind == TokenKind.RParen;
            }
            return false;
        }

        private void CheckNoIntercept(TermList t, int position)
        {
            if (t.Intercept is not null) throw Error(_text, position, "'0' or '1' cannot be combined with other terms by ':' or '*'");
        }

        private TermList ParseInteraction()
        {
            int start = Peek.Position;
            var left = ParsePower();
            while (Peek.Kind == TokenKind.Colon)
            {
                var op = Next();
                var right = ParsePower();
                CheckNoIntercept(left, start); CheckNoIntercept(right, op.Position);
                left = Cross(left, right, op.Position);
            }
            return left;
        }

        private TermList ParsePower()
        {
            var baseList = ParseAtom();
            if (Peek.Kind != TokenKind.Caret) return baseList;
            var caret = Next();
            var n = Expect(TokenKind.Number, "a whole number after '^'");
            if (!int.TryParse(n.Text, out int power) || power < 1) throw Error(_text, n.Position, "the power after '^' must be a whole number of at least 1");
            CheckNoIntercept(baseList, caret.Position);
            var result = baseList;
            // Beyond the number of variables, a higher power adds no term: (a + b)^5 is (a + b)^2.
            power = Math.Min(power, baseList.Terms.SelectMany(x => x).Distinct().Count());
            for (int i = 1; i < power; i++)
            {
                var crossed = Cross(result, baseList, caret.Position);
                var merged = new TermList();
                foreach (var t in result.Terms) merged.AddTerm(t);
                foreach (var t in crossed.Terms) merged.AddTerm(t);
                result = merged;
            }
            return result;
        }

        private TermList Cross(TermList a, TermList b, int position)
        {
            if ((long)a.Terms.Count * b.Terms.Count > MaxTerms)
                throw Error(_text, position, $"the interaction expands to more than {MaxTerms} terms ({a.Terms.Count} × {b.Terms.Count}; a k-way interaction a*b*… has 2^k − 1). " +
                                             "Interact fewer variables, or write the interactions you mean with ':'");
            return Cross(a, b);
        }

        private static TermList Cross(TermList a, TermList b)
        {
            var result = new TermList();
            foreach (var ta in a.Terms)
                foreach (var tb in b.Terms)
                {
                    var t = ta.ToList();
                    foreach (var v in tb) if (!t.Contains(v)) t.Add(v);
                    result.AddTerm(t);
                }
            return result;
        }

        private TermList ParseAtom()
        {
            var t = Peek;
            switch (t.Kind)
            {
                case TokenKind.Number:
                    Next();
                    if (t.Text is "0" or "1") return new TermList { Intercept = t.Text == "1" };
                    throw Error(_text, t.Position, $"the number {t.Text} is not a term; only 0 and 1 (no intercept / intercept) may appear");
                case TokenKind.LParen:
                    if (++_depth > MaxDepth) throw Error(_text, t.Position, $"parentheses nested more than {MaxDepth} deep");
                    if (IsBarGroup()) throw Error(_text, t.Position, MisplacedRandomTerm(t));
                    _open.Push(Next());
                    var inner = ParseSum(topLevel: false);
                    if (inner.Intercept is not null && inner.Terms.Count > 0 && Peek.Kind == TokenKind.RParen && _barDepth == 0)
                        throw Error(_text, t.Position, "this parenthesis holds an intercept and terms but no '| group': a random-effects term is written as (1 + x | g)");
                    Expect(TokenKind.RParen, "')' to close the '(' at column " + (t.Position + 1));
                    _open.Pop();
                    _depth--;
                    return inner;
                case TokenKind.Name:
                    var v = ParseVariable(register: true);
                    var list = new TermList();
                    list.AddTerm([v]);
                    return list;
                case TokenKind.End:
                    throw Error(_text, t.Position, "the formula ends where a term was expected");
                default:
                    throw Error(_text, t.Position, $"unexpected '{t.Text}' where a term was expected");
            }
        }

        private Variable ParseVariable(bool register)
        {
            var name = Expect(TokenKind.Name, "a variable name");
            Variable v;
            if (Peek.Kind == TokenKind.LParen && name.Text is "I" or "poly")
            {
                var open = Next();
                if (++_depth > MaxDepth) throw Error(_text, open.Position, $"parentheses nested more than {MaxDepth} deep");
                v = name.Text == "I" ? ParseAsIs(open) : ParsePoly(name);
                Expect(TokenKind.RParen, $"')' to close the {name.Text}( at column {name.Position + 1}");
                _depth--;
            }
            else if (Peek.Kind == TokenKind.LParen)
            {
                Next();
                if (name.Text == "offset" && Peek.Kind == TokenKind.Name && _tokens[_pos + 1].Kind == TokenKind.LParen)
                {
                    // offset(log(exposure)): the usual way to give a count model its exposure.
                    var inner = Next();
                    Next();
                    var column = Expect(TokenKind.Name, $"a column name inside {inner.Text}(...)");
                    Expect(TokenKind.RParen, $"')' to close {inner.Text}(...)");
                    Expect(TokenKind.RParen, "')' to close offset(...)");
                    var function = inner.Text switch
                    {
                        "log" => VariableFunction.Log,
                        "sqrt" => VariableFunction.Sqrt,
                        "exp" => VariableFunction.Exp,
                        _ => throw Error(_text, inner.Position, $"offset({inner.Text}(...)): inside offset() the functions are log(x), sqrt(x) and exp(x)"),
                    };
                    v = new Variable(VariableFunction.Offset, column.Text) { Inner = function };
                    if (register && !_order.Contains(v)) _order.Add(v);
                    return v;
                }
                var args = new List<Token> { Expect(TokenKind.Name, $"a column name inside {name.Text}(...)") };
                while (Peek.Kind == TokenKind.Comma) { Next(); args.Add(Expect(TokenKind.Name, "a column name after ','")); }
                Expect(TokenKind.RParen, $"')' to close {name.Text}(...)");
                v = name.Text switch
                {
                    "center" when args.Count is 1 or 2 => new Variable(VariableFunction.Center, args[0].Text, args.Count == 2 ? args[1].Text : null),
                    "mean" when args.Count == 2 => new Variable(VariableFunction.Mean, args[0].Text, args[1].Text),
                    "factor" when args.Count == 1 => new Variable(VariableFunction.Factor, args[0].Text),
                    "log" when args.Count == 1 => new Variable(VariableFunction.Log, args[0].Text),
                    "sqrt" when args.Count == 1 => new Variable(VariableFunction.Sqrt, args[0].Text),
                    "exp" when args.Count == 1 => new Variable(VariableFunction.Exp, args[0].Text),
                    "scale" when args.Count == 1 => new Variable(VariableFunction.Scale, args[0].Text),
                    "offset" when args.Count == 1 => new Variable(VariableFunction.Offset, args[0].Text),
                    "center" or "mean" or "factor" or "log" or "sqrt" or "exp" or "scale" or "offset" => throw Error(_text, name.Position, $"wrong number of arguments to {name.Text}(): use center(x), center(x, g), mean(x, g), factor(x), log(x), sqrt(x), exp(x), scale(x), offset(x), I(expression) or poly(x, k)"),
                    _ => throw Error(_text, name.Position, $"unknown function '{name.Text}'; the functions are center(x), center(x, g), mean(x, g), factor(x), log(x), sqrt(x), exp(x), scale(x), offset(x), I(expression) and poly(x, k)"),
                };
            }
            else v = Variable.Of(name.Text);
            if (register && !_order.Contains(v)) _order.Add(v);
            return v;
        }

        /// <summary><c>I(expression)</c>, the cursor after its '('.</summary>
        private Variable ParseAsIs(Token open)
        {
            if (Peek.Kind == TokenKind.RParen) throw Error(_text, Peek.Position, "I() is empty; write the arithmetic inside it, as in I(x^2)");
            var (expression, next) = ArithmeticParser.Parse(_text, _tokens, _pos, _depth, MaxDepth);
            _pos = next;
            return Variable.AsIs(expression);
        }

        /// <summary>The highest degree of <c>poly(x, k)</c>: its columns grow ill-conditioned beyond.</summary>
        public const int MaxPolyDegree = 10;

        /// <summary><c>poly(x, k)</c>, <c>poly(x, degree = k)</c>, optionally <c>raw = TRUE</c>, the cursor after its '('.</summary>
        private Variable ParsePoly(Token name)
        {
            var column = Expect(TokenKind.Name, "a column name inside poly(...)");
            if (Peek.Kind == TokenKind.LParen) throw Error(_text, Peek.Position, "poly() takes a column, not a function of one: compute it in the data first");
            int? degree = null;
            bool raw = false;
            while (Peek.Kind == TokenKind.Comma)
            {
                Next();
                if (Peek.Kind == TokenKind.Name && _tokens[_pos + 1].Kind == TokenKind.Equals)
                {
                    var argument = Next();
                    Next();
                    if (argument.Text == "degree" && degree is null) degree = PolyDegree(column.Text);
                    else if (argument.Text == "raw") raw = RawFlag();
                    else throw Error(_text, argument.Position, argument.Text == "degree" ? "the degree of poly() is given twice" : $"poly() has no argument '{argument.Text}'; it takes the column, the degree and raw = TRUE or FALSE");
                }
                else if (degree is null) degree = PolyDegree(column.Text);
                else throw Error(_text, Peek.Position, "poly() takes one column and its degree, as in poly(x, 2); name any other argument (raw = TRUE)");
            }
            if (degree is null)
                throw Error(_text, Peek.Position, $"poly() needs its degree: write poly({column.Text}, 2) for a quadratic");
            return Variable.Poly(column.Text, degree.Value, raw);
        }

        private int PolyDegree(string column)
        {
            var t = Peek;
            if (t.Kind != TokenKind.Number)
                throw Error(_text, t.Position, $"the degree of poly() must be a whole number from 1 to {MaxPolyDegree}, written as a number, as in poly({column}, 2)");
            Next();
            if (!double.TryParse(t.Text, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out double k)
                || k != Math.Floor(k) || k < 1 || k > MaxPolyDegree)
                throw Error(_text, t.Position, $"the degree of poly() must be a whole number from 1 to {MaxPolyDegree}, not {t.Text}");
            return (int)k;
        }

        private bool RawFlag()
        {
            var t = Next();
            return t.Text switch
            {
                "TRUE" or "T" when t.Kind == TokenKind.Name => true,
                "FALSE" or "F" when t.Kind == TokenKind.Name => false,
                _ => throw Error(_text, t.Position, "raw = in poly() is TRUE or FALSE"),
            };
        }
    }
}
