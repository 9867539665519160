using System.Globalization;
using BayesHlm.Data;
using BayesHlm.Formula;

namespace BayesHlm.Statistics;

/// <summary>
/// Computes <c>I(expression)</c> on the rows a model uses, node by node over all rows. The first node to give a value
/// that is not finite (a division by zero, log of 0, a square root of a negative value, an overflow) is refused, naming
/// the term, that node, the line of the data and the values of the columns it reads there.
/// </summary>
internal sealed class AsIsEvaluator
{
    private readonly Variable _variable;
    private readonly DataTable _data;
    private readonly int[] _rows;
    private readonly Func<string, double[]> _column;

    private AsIsEvaluator(Variable variable, DataTable data, int[] rows, Func<string, double[]> column)
    {
        _variable = variable; _data = data; _rows = rows; _column = column;
    }

    /// <summary>The values of <paramref name="variable"/> (an <c>I(...)</c>) on <paramref name="rows"/> of
    /// <paramref name="data"/>; <paramref name="column"/> gives a column's numbers on those rows.</summary>
    public static double[] Evaluate(Variable variable, DataTable data, int[] rows, Func<string, double[]> column) =>
        new AsIsEvaluator(variable, data, rows, column).Evaluate(variable.Expression!);

    // Recursion depth is the expression's depth, which the parser bounds.
    private double[] Evaluate(ArithmeticExpression e)
    {
        int n = _rows.Length;
        switch (e)
        {
            case NumberLiteral number:
            {
                var x = new double[n];
                Array.Fill(x, number.Value);
                return x;
            }
            case ColumnReference reference:
                return _column(reference.Column);
            case ParenthesizedExpression parenthesized:
                return Evaluate(parenthesized.Inner);
            case UnaryExpression unary:
            {
                var x = Evaluate(unary.Operand);
                return unary.Operator == '-' ? Map(x, v => -v) : x;
            }
            case FunctionCall call:
            {
                var x = Evaluate(call.Argument);
                var result = call.Function switch
                {
                    "log" => Map(x, Math.Log),
                    "sqrt" => Map(x, Math.Sqrt),
                    _ => Map(x, Math.Exp),
                };
                Check(call, result, i => call.Function switch
                {
                    "log" when x[i] <= 0 => $"log of {Number(x[i])} (log needs a positive value)",
                    "sqrt" when x[i] < 0 => $"the square root of {Number(x[i])} (a square root needs a value of at least 0)",
                    _ => $"{call.Text} overflows for {Number(x[i])}",
                });
                return result;
            }
            case BinaryExpression binary:
            {
                var a = Evaluate(binary.Left);
                var b = Evaluate(binary.Right);
                var result = new double[n];
                for (int i = 0; i < n; i++)
                    result[i] = binary.Operator switch
                    {
                        '+' => a[i] + b[i],
                        '-' => a[i] - b[i],
                        '*' => a[i] * b[i],
                        '/' => a[i] / b[i],
                        _ => Math.Pow(a[i], b[i]),
                    };
                Check(binary, result, i => (binary.Operator, a[i], b[i]) switch
                {
                    ('/', _, 0) => $"division by zero in {binary.Text}",
                    ('^', 0, < 0) => $"0 to the negative power {Number(b[i])} in {binary.Text}",
                    ('^', < 0, var power) when power != Math.Floor(power) => $"the negative number {Number(a[i])} to the fractional power {Number(b[i])} in {binary.Text}",
                    _ => $"{binary.Text} overflows ({Number(a[i])} {binary.Operator} {Number(b[i])})",
                });
                return result;
            }
            default:
                throw new InvalidOperationException($"Unknown expression node {e.GetType().Name}.");
        }
    }

    private static double[] Map(double[] x, Func<double, double> f)
    {
        var result = new double[x.Length];
        for (int i = 0; i < x.Length; i++) result[i] = f(x[i]);
        return result;
    }

    private void Check(ArithmeticExpression node, double[] values, Func<int, string> why)
    {
        for (int i = 0; i < values.Length; i++)
        {
            if (double.IsFinite(values[i])) continue;
            var columns = _variable.Expression!.Columns;
            string at = columns.Count == 0 ? "" : $" where {string.Join(", ", columns.Select(c => $"{c} = {Number(_column(c)[i])}"))}";
            throw new DataException($"{_data.Where(_rows[i])}: {_variable.Name} is not a finite number{at}: {why(i)}.");
        }
    }

    private static string Number(double x) => x.ToString("R", CultureInfo.InvariantCulture);
}
