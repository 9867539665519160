using System.Globalization;

namespace BayesHlm.Formula;

/// <summary>
/// The arithmetic inside <c>I(...)</c>, as R parses it: numbers, columns, <c>+ - * / ^</c>, unary minus, parentheses
/// and <c>log</c>, <c>sqrt</c>, <c>exp</c>. Nodes compare by value, so <c>I(x^2)</c> and <c>I(x ^ 2)</c> are one variable;
/// parentheses are kept as written (R keeps them too: <c>I((x))</c> is another term than <c>I(x)</c>).
/// </summary>
public abstract record ArithmeticExpression
{
    /// <summary>Nodes on the longest path from here to a leaf (a leaf is 1). The parser bounds it, so that printing
    /// and evaluating, which recurse, stay shallow.</summary>
    public abstract int Depth { get; }

    /// <summary>The expression as R deparses it: spaces around <c>+</c>, binary <c>-</c> and <c>*</c>, none around
    /// <c>/</c> and <c>^</c>, numbers as R prints them (<c>0.001</c>, <c>1e+05</c>), names backquoted when not plain.</summary>
    public abstract string Text { get; }

    /// <summary>The data columns read, in order of first appearance.</summary>
    public IReadOnlyList<string> Columns
    {
        get
        {
            var result = new List<string>();
            AddColumns(result);
            return result;
        }
    }

    // Internal: only this assembly's node types derive from the expression.
    internal abstract void AddColumns(List<string> into);

    /// <summary>The <see cref="Text"/>.</summary>
    public sealed override string ToString() => Text;
}

/// <summary>A number written in the expression (<c>2</c>, <c>.5</c>, <c>1e-3</c>).</summary>
/// <param name="Value">Its value, finite.</param>
public sealed record NumberLiteral(double Value) : ArithmeticExpression
{
    /// <inheritdoc/>
    public override int Depth => 1;

    /// <inheritdoc/>
    public override string Text => RNumberFormat.Deparse(Value);

    internal override void AddColumns(List<string> into) { }
}

/// <summary>A data column's value in the row.</summary>
/// <param name="Column">The column's name.</param>
public sealed record ColumnReference(string Column) : ArithmeticExpression
{
    /// <inheritdoc/>
    public override int Depth => 1;

    /// <inheritdoc/>
    public override string Text => Variable.Quote(Column);

    internal override void AddColumns(List<string> into)
    {
        if (!into.Contains(Column)) into.Add(Column);
    }
}

/// <summary>Unary minus or plus: <c>-x</c>.</summary>
/// <param name="Operator"><c>-</c> or <c>+</c>.</param>
/// <param name="Operand">What it applies to.</param>
public sealed record UnaryExpression(char Operator, ArithmeticExpression Operand) : ArithmeticExpression
{
    /// <inheritdoc/>
    public override int Depth { get; } = 1 + Operand.Depth;

    /// <inheritdoc/>
    public override string Text => Operator + Operand.Text;

    internal override void AddColumns(List<string> into) => Operand.AddColumns(into);
}

/// <summary>A binary operation: <c>+</c>, <c>-</c>, <c>*</c>, <c>/</c> or <c>^</c>.</summary>
/// <param name="Operator">The operator.</param>
/// <param name="Left">The left operand.</param>
/// <param name="Right">The right operand.</param>
public sealed record BinaryExpression(char Operator, ArithmeticExpression Left, ArithmeticExpression Right) : ArithmeticExpression
{
    /// <inheritdoc/>
    public override int Depth { get; } = 1 + Math.Max(Left.Depth, Right.Depth);

    /// <inheritdoc/>
    public override string Text => Operator is '/' or '^' ? $"{Left.Text}{Operator}{Right.Text}" : $"{Left.Text} {Operator} {Right.Text}";

    internal override void AddColumns(List<string> into)
    {
        Left.AddColumns(into);
        Right.AddColumns(into);
    }
}

/// <summary>Parentheses as written: <c>(x + 1)</c>.</summary>
/// <param name="Inner">What they enclose.</param>
public sealed record ParenthesizedExpression(ArithmeticExpression Inner) : ArithmeticExpression
{
    /// <inheritdoc/>
    public override int Depth { get; } = 1 + Inner.Depth;

    /// <inheritdoc/>
    public override string Text => $"({Inner.Text})";

    internal override void AddColumns(List<string> into) => Inner.AddColumns(into);
}

/// <summary>One of the functions allowed inside <c>I()</c>: <c>log</c>, <c>sqrt</c> or <c>exp</c>.</summary>
/// <param name="Function">The function's name.</param>
/// <param name="Argument">Its argument.</param>
public sealed record FunctionCall(string Function, ArithmeticExpression Argument) : ArithmeticExpression
{
    /// <summary>The functions that may be called inside <c>I()</c>.</summary>
    public static IReadOnlyList<string> Known { get; } = ["log", "sqrt", "exp"];

    /// <inheritdoc/>
    public override int Depth { get; } = 1 + Argument.Depth;

    /// <inheritdoc/>
    public override string Text => $"{Function}({Argument.Text})";

    internal override void AddColumns(List<string> into) => Argument.AddColumns(into);
}

/// <summary>Numbers as R's deparse writes them: up to 15 significant digits, fixed notation unless scientific is
/// shorter (R's <c>scipen = 0</c>): <c>0.001</c>, <c>1e-04</c>, <c>1e+05</c>, <c>123456</c>.</summary>
internal static class RNumberFormat
{
    public static string Deparse(double value)
    {
        if (value == 0) return "0";
        string sign = value < 0 ? "-" : "";
        // "E14" gives 15 significant digits; R drops the trailing zeros.
        string e = Math.Abs(value).ToString("E14", CultureInfo.InvariantCulture);
        int mark = e.IndexOf('E');
        string digits = (e[0] + e[2..mark]).TrimEnd('0');
        int exponent = int.Parse(e[(mark + 1)..], CultureInfo.InvariantCulture);
        int d = digits.Length;
        int fixedWidth = exponent >= 0
            ? exponent + 1 + (d > exponent + 1 ? 1 + d - exponent - 1 : 0)
            : 2 + (-exponent - 1) + d;
        int sciWidth = d + (d > 1 ? 1 : 0) + 2 + Math.Max(2, Math.Abs(exponent).ToString(CultureInfo.InvariantCulture).Length);
        if (fixedWidth <= sciWidth)
        {
            string fixedText = exponent >= 0
                ? (d > exponent + 1 ? digits[..(exponent + 1)] + "." + digits[(exponent + 1)..] : digits + new string('0', exponent + 1 - d))
                : "0." + new string('0', -exponent - 1) + digits;
            return sign + fixedText;
        }
        string mantissa = d > 1 ? digits[0] + "." + digits[1..] : digits;
        return $"{sign}{mantissa}e{(exponent < 0 ? '-' : '+')}{Math.Abs(exponent):00}";
    }
}
