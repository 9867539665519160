namespace BayesHlm.Formula;

/// <summary>
/// A variable as the formula names it: a column, or one of the functions
/// <c>center(x)</c>, <c>center(x, g)</c>, <c>mean(x, g)</c>, <c>factor(x)</c>, <c>log(x)</c>, <c>sqrt(x)</c>, <c>exp(x)</c>,
/// <c>scale(x)</c>, <c>offset(x)</c>, <c>I(expression)</c>, <c>poly(x, k)</c>.
/// Its <see cref="Name"/> is the canonical spelling used in all output (<c>center(ses, school)</c>).
/// </summary>
public sealed record Variable(VariableFunction Function, string Column, string? Group = null)
{
    /// <summary>A plain column.</summary>
    public static Variable Of(string column) => new(VariableFunction.None, column);

    /// <summary><c>I(expression)</c>; its <see cref="Column"/> is the expression's text.</summary>
    public static Variable AsIs(ArithmeticExpression expression)
    {
        ArgumentNullException.ThrowIfNull(expression);
        return new(VariableFunction.AsIs, expression.Text) { Expression = expression };
    }

    /// <summary><c>poly(x, degree)</c>: orthogonal polynomials of degrees 1 to <paramref name="degree"/>, or with
    /// <paramref name="raw"/> the powers x, x², … themselves.</summary>
    public static Variable Poly(string column, int degree, bool raw) =>
        new(VariableFunction.Poly, column) { Degree = degree, Raw = raw };

    /// <summary>For <c>offset(log(x))</c>, <c>offset(sqrt(x))</c>, <c>offset(exp(x))</c>: the function applied to the column
    /// inside the offset; <see cref="VariableFunction.None"/> for a plain <c>offset(x)</c> and for other functions.</summary>
    public VariableFunction Inner { get; init; }

    /// <summary>The arithmetic of <c>I(...)</c>; null for other functions.</summary>
    public ArithmeticExpression? Expression { get; init; }

    /// <summary>The degree of <c>poly(x, k)</c> (its number of columns); 0 for other functions.</summary>
    public int Degree { get; init; }

    /// <summary><c>poly(x, k, raw = TRUE)</c>: plain powers instead of orthogonal polynomials.</summary>
    public bool Raw { get; init; }

    /// <summary>The canonical spelling, never quoted: the column, or <c>center(ses, school)</c>. <c>I(...)</c> is
    /// spelled as R prints it (<c>I(x * z/2)</c>, with any non-plain column names backquoted, as R does), and
    /// <c>poly(x, 2)</c> so however its degree was written.</summary>
    public string Name => Function switch
    {
        VariableFunction.None => Column,
        VariableFunction.AsIs => $"I({Expression!.Text})",
        VariableFunction.Poly => PolyText(Column),
        VariableFunction.Offset when Inner != VariableFunction.None => $"offset({NameOf(Inner)}({Column}))",
        _ when Group is null => $"{FunctionName}({Column})",
        _ => $"{FunctionName}({Column}, {Group})",
    };

    private string FunctionName => NameOf(Function);

    private static string NameOf(VariableFunction function) => function switch
    {
        VariableFunction.Center => "center",
        VariableFunction.Mean => "mean",
        VariableFunction.Factor => "factor",
        VariableFunction.Log => "log",
        VariableFunction.Sqrt => "sqrt",
        VariableFunction.Exp => "exp",
        VariableFunction.Scale => "scale",
        VariableFunction.Offset => "offset",
        _ => "",
    };

    private string PolyText(string column) => $"poly({column}, {Degree}{(Raw ? ", raw = TRUE" : "")})";

    /// <summary>The variable as it must be written in a formula: columns whose names are not plain identifiers
    /// (a space, a dash) in backquotes.</summary>
    public string FormulaText => Function switch
    {
        VariableFunction.None => Quote(Column),
        VariableFunction.AsIs => Name,
        VariableFunction.Poly => PolyText(Quote(Column)),
        VariableFunction.Offset when Inner != VariableFunction.None => $"offset({NameOf(Inner)}({Quote(Column)}))",
        _ when Group is null => $"{FunctionName}({Quote(Column)})",
        _ => $"{FunctionName}({Quote(Column)}, {Quote(Group)})",
    };

    /// <summary>A column name, backquoted unless it is a plain identifier.</summary>
    public static string Quote(string column) =>
        column.Length > 0 && (char.IsLetter(column[0]) || column[0] is '_' or '.') && column.All(c => char.IsLetterOrDigit(c) || c is '_' or '.')
            ? column : $"`{column}`";

    /// <summary>The data columns this variable reads.</summary>
    public IEnumerable<string> Columns => Group is null ? ValueColumns : [.. ValueColumns, Group];

    /// <summary>The columns whose values it computes with (all but the group of <c>center(x, g)</c> and
    /// <c>mean(x, g)</c>): the expression's columns for <c>I(...)</c>, else <see cref="Column"/>.</summary>
    public IReadOnlyList<string> ValueColumns => Expression?.Columns ?? [Column];

    /// <summary>The <see cref="Name"/>.</summary>
    public override string ToString() => Name;
}

/// <summary>What a <see cref="Variable"/> does to its column; centring and means use the rows the model uses.</summary>
public enum VariableFunction
{
    /// <summary>The column as it is (a factor when its values are text).</summary>
    None,
    /// <summary><c>center(x)</c>: x minus its grand mean; <c>center(x, g)</c>: x minus the mean of its group of g.</summary>
    Center,
    /// <summary><c>mean(x, g)</c>: the mean of x over the row's group of g, a group-level predictor.</summary>
    Mean,
    /// <summary><c>factor(x)</c>: the column as categorical even when its values are numbers.</summary>
    Factor,
    /// <summary><c>log(x)</c>: natural logarithm; every value must be positive.</summary>
    Log,
    /// <summary><c>sqrt(x)</c>: square root; every value must be at least 0.</summary>
    Sqrt,
    /// <summary><c>exp(x)</c>: the exponential; every result must be finite.</summary>
    Exp,
    /// <summary><c>scale(x)</c>: (x − mean)/sd over the rows the model uses, as R's scale().</summary>
    Scale,
    /// <summary><c>offset(x)</c>: a term with its coefficient fixed at 1 (subtracted from y before fitting, or added to the
    /// linear predictor of a binomial or Poisson model), as lme4's offset(); <c>offset(log(x))</c> for an exposure.</summary>
    Offset,
    /// <summary><c>I(expression)</c>: arithmetic on columns computed row by row, as R's "as is".</summary>
    AsIs,
    /// <summary><c>poly(x, k)</c>: R's orthogonal polynomials of degrees 1 to k over the rows the model uses, k columns
    /// named <c>poly(x, k)1</c> … <c>poly(x, k)k</c>.</summary>
    Poly,
}

/// <summary>A model term: one variable, or an interaction of several (<c>a:b</c>), named with its
/// variables in the order they first appear in the formula, as lme4 names them.</summary>
public sealed record Term(IReadOnlyList<Variable> Variables)
{
    /// <summary>The variables' names joined by <c>:</c>, the term's name in all output.</summary>
    public string Name => string.Join(":", Variables.Select(v => v.Name));

    /// <summary>The term as written in a formula (names quoted where needed).</summary>
    public string FormulaText => string.Join(":", Variables.Select(v => v.FormulaText));

    /// <summary>The same term whatever the order its variables were written in.</summary>
    public bool SameAs(Term other) =>
        Variables.Count == other.Variables.Count && Variables.All(v => other.Variables.Contains(v));

    /// <summary>The <see cref="Name"/>.</summary>
    public override string ToString() => Name;
}
