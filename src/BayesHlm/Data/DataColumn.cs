namespace BayesHlm.Data;

/// <summary>One column of a <see cref="DataTable"/>: numeric or text, with missing values marked.</summary>
public abstract class DataColumn
{
    private protected DataColumn(string name) => Name = name;

    /// <summary>The column name as written in the file's header.</summary>
    public string Name { get; }

    /// <summary>Number of rows.</summary>
    public abstract int Length { get; }

    /// <summary>True when row <paramref name="row"/> holds a missing value (empty, NA or '.').</summary>
    public abstract bool IsMissing(int row);

    /// <summary>Number of missing values in the column.</summary>
    public int MissingCount
    {
        get
        {
            int count = 0;
            for (int i = 0; i < Length; i++) if (IsMissing(i)) count++;
            return count;
        }
    }

    /// <summary>The value of row <paramref name="row"/> as text (level name for a factor).</summary>
    public abstract string TextAt(int row);
}

/// <summary>A column whose every present value parsed as a number. Missing values are NaN.</summary>
public sealed class NumericColumn : DataColumn
{
    private readonly double[] _values;

    /// <param name="name">The column name.</param>
    /// <param name="values">One value per row, NaN for missing; kept, not copied.</param>
    public NumericColumn(string name, double[] values) : base(name) => _values = values;

    /// <summary>One value per row, NaN where missing.</summary>
    public ReadOnlySpan<double> Values => _values;
    /// <inheritdoc/>
    public override int Length => _values.Length;
    /// <inheritdoc/>
    public override bool IsMissing(int row) => double.IsNaN(_values[row]);
    /// <summary>The value of row <paramref name="row"/>; NaN when missing.</summary>
    public double this[int row] => _values[row];
    /// <summary>The value of row <paramref name="row"/>, round-trippable (invariant culture); <c>NaN</c> when missing.</summary>
    public override string TextAt(int row) => _values[row].ToString("R", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Read from a file where some value was not written as a plain integer (a leading zero, decimals, more
    /// than 15 digits, an exponent): the numbers may not tell apart labels the file tells apart ("01" and "1"), so the
    /// column must not be used as labels. False for a column built from code: its numbers are its values.</summary>
    public bool SpellingLost { get; init; }
}

/// <summary>
/// A column with at least one value that is not a number, stored as codes into a list of
/// distinct values (code −1 = missing). Used as a factor, or reported as a bad numeric column
/// when the model needs numbers from it.
/// </summary>
public sealed class TextColumn : DataColumn
{
    private readonly int[] _codes;
    private readonly string[] _values;
    private readonly bool[] _isNumber;

    /// <param name="name">The column name.</param>
    /// <param name="codes">Per row, the index of its value in <paramref name="distinctValues"/>; −1 for missing.</param>
    /// <param name="distinctValues">The distinct present values, in order of first appearance.</param>
    public TextColumn(string name, int[] codes, string[] distinctValues) : base(name)
    {
        _codes = codes;
        _values = distinctValues;
        _isNumber = distinctValues.Select(v => CsvTableReader.TryParseNumber(v, out double x) && double.IsFinite(x)).ToArray();
    }

    /// <summary>Code of each row into <see cref="DistinctValues"/>; −1 for missing.</summary>
    public ReadOnlySpan<int> Codes => _codes;

    /// <summary>Distinct values in order of first appearance.</summary>
    public IReadOnlyList<string> DistinctValues => _values;

    /// <summary>How many present values are finite numbers (a mostly numeric column with a typo).</summary>
    public int NumericCount
    {
        get
        {
            int count = 0;
            foreach (int c in _codes) if (c >= 0 && _isNumber[c]) count++;
            return count;
        }
    }

    /// <summary>Row index of the first present value that is not a finite number, or −1.</summary>
    public int FirstNonNumericRow
    {
        get
        {
            for (int i = 0; i < _codes.Length; i++) if (_codes[i] >= 0 && !_isNumber[_codes[i]]) return i;
            return -1;
        }
    }

    /// <summary>The rows (up to <paramref name="limit"/>) whose present value is not a number, in order, and how many there are in all.</summary>
    public (IReadOnlyList<int> Rows, int Count) NonNumericRows(int limit)
    {
        var rows = new List<int>();
        int count = 0;
        for (int i = 0; i < _codes.Length; i++)
            if (_codes[i] >= 0 && !_isNumber[_codes[i]] && ++count <= limit) rows.Add(i);
        return (rows, count);
    }

    /// <inheritdoc/>
    public override int Length => _codes.Length;
    /// <inheritdoc/>
    public override bool IsMissing(int row) => _codes[row] < 0;
    /// <summary>The value of row <paramref name="row"/> as read; empty when missing.</summary>
    public override string TextAt(int row) => _codes[row] < 0 ? "" : _values[_codes[row]];
}
