using System.Globalization;

namespace BayesHlm.Formula;

/// <summary>
/// Parses the inside of <c>I(...)</c> with R's precedence, lowest first: binary <c>+ -</c>; <c>* /</c>; unary
/// <c>- +</c>; <c>^</c> (right-associative, and its exponent may itself be negated: <c>2^-1</c>). So <c>-x^2</c> is
/// −(x²) and <c>2^3^2</c> is 2⁹. Here <c>*</c> multiplies; it does not make an interaction.
/// </summary>
internal sealed class ArithmeticParser
{
    private readonly string _text;
    private readonly List<Token> _tokens;
    private readonly int _maxDepth;
    private readonly Token _asIs;
    private int _pos;
    private int _depth;

    private ArithmeticParser(string text, List<Token> tokens, int pos, int depth, int maxDepth)
    {
        _text = text; _tokens = tokens; _pos = pos; _depth = depth; _maxDepth = maxDepth;
        _asIs = tokens[pos - 2];
    }

    /// <summary>Parses the expression starting at token <paramref name="pos"/> (just after the tokens <c>I</c> and <c>(</c>) up to, not
    /// including, its closing parenthesis; returns it and the index of that parenthesis. <paramref name="depth"/> is
    /// the nesting already entered: the expression may nest up to <paramref name="maxDepth"/>, counting it.</summary>
    public static (ArithmeticExpression Expression, int Next) Parse(string text, List<Token> tokens, int pos, int depth, int maxDepth)
    {
        var p = new ArithmeticParser(text, tokens, pos, depth, maxDepth);
        var e = p.ParseSum();
        return (e, p._pos);
    }

    private Token Peek => _tokens[_pos];
    private Token Next() => _tokens[_pos++];

    private ArithmeticExpression ParseSum()
    {
        var left = ParseProduct();
        while (Peek.Kind is TokenKind.Plus or TokenKind.Minus)
        {
            var op = Next();
            left = Checked(new BinaryExpression(op.Text[0], left, ParseProduct()), op);
        }
        return left;
    }

    private ArithmeticExpression ParseProduct()
    {
        var left = ParseUnary();
        while (true)
        {
            if (Peek.Kind == TokenKind.Colon)
                throw FormulaParser.Error(_text, Peek.Position, "inside I(), ':' is R's sequence operator, not a product; write '*' to multiply");
            if (Peek.Kind is not (TokenKind.Star or TokenKind.Slash)) return left;
            var op = Next();
            left = Checked(new BinaryExpression(op.Text[0], left, ParseUnary()), op);
        }
    }

    private ArithmeticExpression ParseUnary()
    {
        if (Peek.Kind is not (TokenKind.Minus or TokenKind.Plus)) return ParsePower();
        var op = Next();
        Enter(op);
        var operand = ParseUnary();
        _depth--;
        return Checked(new UnaryExpression(op.Text[0], operand), op);
    }

    private ArithmeticExpression ParsePower()
    {
        var baseValue = ParsePrimary();
        if (Peek.Kind != TokenKind.Caret) return baseValue;
        var caret = Next();
        Enter(caret);
        var exponent = ParseUnary();
        _depth--;
        return Checked(new BinaryExpression('^', baseValue, exponent), caret);
    }

    private ArithmeticExpression ParsePrimary()
    {
        var t = Peek;
        switch (t.Kind)
        {
            case TokenKind.Number:
                Next();
                if (!double.TryParse(t.Text, NumberStyles.Float, CultureInfo.InvariantCulture, out double value) || !double.IsFinite(value))
                    throw FormulaParser.Error(_text, t.Position, $"'{t.Text}' is not a number");
                return new NumberLiteral(value);
            case TokenKind.Name when _tokens[_pos + 1].Kind == TokenKind.LParen:
            {
                Next();
                if (!FunctionCall.Known.Contains(t.Text))
                    throw FormulaParser.Error(_text, t.Position, $"unknown function '{t.Text}' inside I(); the functions there are log(), sqrt() and exp()");
                var open = Next();
                Enter(open);
                var argument = ParseSum();
                Close(open, $"{t.Text}(");
                return Checked(new FunctionCall(t.Text, argument), t);
            }
            case TokenKind.Name:
                Next();
                return new ColumnReference(t.Text);
            case TokenKind.LParen:
            {
                var open = Next();
                Enter(open);
                var inner = ParseSum();
                Close(open, "(");
                return Checked(new ParenthesizedExpression(inner), open);
            }
            case TokenKind.End:
                throw FormulaParser.Error(_text, t.Position, "the formula ends inside I(...) where a value was expected");
            default:
                throw FormulaParser.Error(_text, t.Position, $"unexpected '{t.Text}' inside I(...) where a value (a number, a column or a parenthesis) was expected");
        }
    }

    private void Close(Token open, string what)
    {
        if (Peek.Kind is TokenKind.Bar or TokenKind.DoubleBar)
            throw FormulaParser.Error(_text, Peek.Position, $"'{Peek.Text}' inside I(...): is the ')' closing the I( at column {_asIs.Position + 1} missing? A random-effects term ( … | g) stands outside I()");
        if (Peek.Kind != TokenKind.RParen)
            throw FormulaParser.Error(_text, Peek.Position,
                $"expected ')' to close the '{what}' at column {open.Position + 1}" + (Peek.Kind == TokenKind.End ? " but the formula ended" : $" but found '{Peek.Text}'"));
        Next();
        _depth--;
    }

    /// <summary>Counts one more level of nesting on the way down, refusing it past the limit before recursing.</summary>
    private void Enter(Token at)
    {
        if (++_depth > _maxDepth) throw TooDeep(at);
    }

    /// <summary>A long chain (<c>x + x + … + x</c>) nests without parentheses; its tree is bounded too.</summary>
    private ArithmeticExpression Checked(ArithmeticExpression e, Token at) =>
        e.Depth > _maxDepth ? throw TooDeep(at) : e;

    private Exception TooDeep(Token at) =>
        FormulaParser.Error(_text, at.Position, $"the expression inside I() nests more than {_maxDepth} deep; simplify it, or compute the column beforehand");
}
