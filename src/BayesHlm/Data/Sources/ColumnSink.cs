using System.Globalization;

namespace BayesHlm.Data.Sources;

/// <summary>
/// Builds one <see cref="DataColumn"/> from typed values (a database's or a Parquet file's), with the CSV reader's
/// rules: a numeric column is a <see cref="NumericColumn"/> (NaN = missing) unless it is a label column or holds an
/// infinite value, when it becomes a <see cref="TextColumn"/> of its values written out; text stays text; a null
/// (or NaN, or one of the user's missing-value codes) is missing.
/// </summary>
internal sealed class ColumnSink
{
    private readonly string _name;
    private readonly bool _asText;
    private readonly HashSet<string> _missingCodes;
    private double[] _numbers;
    private int[] _codes;
    private readonly Dictionary<string, int> _lookup = new(StringComparer.Ordinal);
    private readonly Dictionary<long, int> _integerLookup = new();
    private readonly List<string> _distinct = [];
    private int _count;
    private bool _nonFinite;

    /// <param name="name">The column's name.</param>
    /// <param name="numeric">The source's type is numeric.</param>
    /// <param name="label">The model reads it as labels (a grouping factor): kept as text whatever its type.</param>
    /// <param name="missingCodes">Values that mark a missing value (-99), compared with the value written out.</param>
    /// <param name="capacity">Expected rows.</param>
    public ColumnSink(string name, bool numeric, bool label, HashSet<string> missingCodes, int capacity = 1024)
    {
        _name = name;
        _asText = !numeric || label;
        _missingCodes = missingCodes;
        capacity = Math.Max(capacity, 16);
        _numbers = _asText ? [] : new double[capacity];
        _codes = _asText ? new int[capacity] : [];
    }

    /// <summary>True when the column is being kept as text.</summary>
    public bool IsText => _asText;

    private void Grow()
    {
        if (_asText) { if (_count == _codes.Length) Array.Resize(ref _codes, _codes.Length * 2); }
        else if (_count == _numbers.Length) Array.Resize(ref _numbers, _numbers.Length * 2);
    }

    /// <summary>A missing value.</summary>
    public void AddMissing()
    {
        Grow();
        if (_asText) _codes[_count++] = -1;
        else _numbers[_count++] = double.NaN;
    }

    /// <summary>A number (NaN = missing); written out as text for a label column.</summary>
    public void AddNumber(double value)
    {
        if (double.IsNaN(value)) { AddMissing(); return; }
        if (_asText) { AddText(value.ToString("R", CultureInfo.InvariantCulture)); return; }
        if (_missingCodes.Count > 0 && _missingCodes.Contains(value.ToString("R", CultureInfo.InvariantCulture))) { AddMissing(); return; }
        if (!double.IsFinite(value)) _nonFinite = true;
        Grow();
        _numbers[_count++] = value;
    }

    /// <summary>Many numbers at once (NaN, or <paramref name="nulls"/>[i], = missing): a copy when the column is numeric
    /// and no missing-value codes are set, value by value otherwise.</summary>
    public void AddNumbers(ReadOnlySpan<double> values, ReadOnlySpan<bool> nulls)
    {
        if (_asText || _missingCodes.Count > 0)
        {
            for (int i = 0; i < values.Length; i++)
                if (!nulls.IsEmpty && nulls[i]) AddMissing(); else AddNumber(values[i]);
            return;
        }
        if (_numbers.Length < _count + values.Length) Array.Resize(ref _numbers, Math.Max(_numbers.Length * 2, _count + values.Length));
        var target = _numbers.AsSpan(_count, values.Length);
        values.CopyTo(target);
        for (int i = 0; i < target.Length; i++)
        {
            if (!nulls.IsEmpty && nulls[i]) target[i] = double.NaN;
            else if (!double.IsFinite(target[i]) && !double.IsNaN(target[i])) _nonFinite = true;
        }
        _count += values.Length;
    }

    /// <summary>A whole number: exact as a label (a 17-digit id keeps its digits), a double otherwise.</summary>
    public void AddInteger(long value)
    {
        if (!_asText) { AddNumber(value); return; }
        if (!_integerLookup.TryGetValue(value, out int code))
        {
            string text = value.ToString(CultureInfo.InvariantCulture);
            if (_missingCodes.Count > 0 && _missingCodes.Contains(text)) { AddMissing(); return; }
            code = Code(text);
            _integerLookup[value] = code;
        }
        Grow();
        _codes[_count++] = code;
    }

    /// <summary>A text value (trimmed, as the CSV reader trims); empty, NA, '.', NaN and the missing codes are missing.</summary>
    public void AddText(string? value)
    {
        if (value is null) { AddMissing(); return; }
        var trimmed = value.AsSpan().Trim();
        if (CsvTableReader.IsMissingToken(trimmed) || (_missingCodes.Count > 0 && _missingCodes.Contains(trimmed.ToString()))) { AddMissing(); return; }
        if (!_asText)
        {
            // A text value in a numeric column cannot come from a typed source; kept as a number when it is one.
            if (CsvTableReader.TryParseNumber(trimmed, out double x)) { AddNumber(x); return; }
            throw new InvalidOperationException($"Column '{_name}': text '{value}' in a numeric column.");
        }
        Grow();
        _codes[_count++] = Code(trimmed.Length == value.Length ? value : trimmed.ToString());
    }

    private int Code(string text)
    {
        if (!_lookup.TryGetValue(text, out int code))
        {
            code = _distinct.Count;
            _distinct.Add(text);
            _lookup.Add(text, code);
        }
        return code;
    }

    /// <summary>The column. An infinite value makes a numeric column text (its values written out), so the model's
    /// check names the value and row as it does for a CSV file's "Inf".</summary>
    public DataColumn Build()
    {
        if (_asText)
        {
            Array.Resize(ref _codes, _count);
            return new TextColumn(_name, _codes, _distinct.ToArray());
        }
        Array.Resize(ref _numbers, _count);
        if (!_nonFinite) return new NumericColumn(_name, _numbers);
        var text = new ColumnSink(_name, numeric: false, label: true, _missingCodes, _count);
        foreach (double v in _numbers)
            if (double.IsNaN(v)) text.AddMissing();
            else text.AddText(double.IsPositiveInfinity(v) ? "Inf" : double.IsNegativeInfinity(v) ? "-Inf" : v.ToString("R", CultureInfo.InvariantCulture));
        return text.Build();
    }

    /// <summary>Text for a value of a type that is neither number nor string (bool, date, time, timestamp, uuid).</summary>
    public static string Text(object value) => value switch
    {
        string s => s,
        bool b => b ? "true" : "false",
        DateTime d => d.TimeOfDay == TimeSpan.Zero ? d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) : d.ToString("yyyy-MM-dd HH:mm:ss.FFFFFFF", CultureInfo.InvariantCulture),
        DateTimeOffset d => d.ToString("yyyy-MM-dd HH:mm:ss.FFFFFFFzzz", CultureInfo.InvariantCulture),
        DateOnly d => d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        TimeOnly t => t.ToString("HH:mm:ss.FFFFFFF", CultureInfo.InvariantCulture),
        TimeSpan t => t.ToString("c", CultureInfo.InvariantCulture),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };
}
