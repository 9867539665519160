namespace BayesHlm.Formula;

internal enum TokenKind { Name, Number, Tilde, Plus, Minus, Star, Colon, Slash, Bar, DoubleBar, LParen, RParen, Comma, Caret, Equals, End }

internal readonly record struct Token(TokenKind Kind, string Text, int Position);

/// <summary>Splits a formula into tokens, keeping each token's 0-based position for error messages.</summary>
internal static class FormulaLexer
{
    public static List<Token> Tokenize(string text)
    {
        var tokens = new List<Token>();
        int i = 0;
        while (i < text.Length)
        {
            char c = text[i];
            if (char.IsWhiteSpace(c)) { i++; continue; }
            int start = i;
            switch (c)
            {
                case '~': tokens.Add(new(TokenKind.Tilde, "~", i++)); continue;
                case '+': tokens.Add(new(TokenKind.Plus, "+", i++)); continue;
                case '-': tokens.Add(new(TokenKind.Minus, "-", i++)); continue;
                case '*': tokens.Add(new(TokenKind.Star, "*", i++)); continue;
                case ':': tokens.Add(new(TokenKind.Colon, ":", i++)); continue;
                case '/': tokens.Add(new(TokenKind.Slash, "/", i++)); continue;
                case '^': tokens.Add(new(TokenKind.Caret, "^", i++)); continue;
                case '(': tokens.Add(new(TokenKind.LParen, "(", i++)); continue;
                case ')': tokens.Add(new(TokenKind.RParen, ")", i++)); continue;
                case ',': tokens.Add(new(TokenKind.Comma, ",", i++)); continue;
                case '=': tokens.Add(new(TokenKind.Equals, "=", i++)); continue;
                case '|':
                    if (i + 1 < text.Length && text[i + 1] == '|') { tokens.Add(new(TokenKind.DoubleBar, "||", i)); i += 2; }
                    else tokens.Add(new(TokenKind.Bar, "|", i++));
                    continue;
                case '`':
                    int close = text.IndexOf('`', i + 1);
                    if (close < 0) throw FormulaParser.Error(text, i, "a backquoted name is not closed; add the closing `");
                    tokens.Add(new(TokenKind.Name, text.Substring(i + 1, close - i - 1), i));
                    i = close + 1;
                    continue;
            }
            if (char.IsDigit(c) || (c == '.' && i + 1 < text.Length && char.IsDigit(text[i + 1])))
            {
                while (i < text.Length && (char.IsDigit(text[i]) || text[i] == '.')) i++;
                i = AfterExponent(text, i);
                tokens.Add(new(TokenKind.Number, text[start..i], start));
                continue;
            }
            if (char.IsLetter(c) || c == '_' || c == '.')
            {
                while (i < text.Length && (char.IsLetterOrDigit(text[i]) || text[i] == '_' || text[i] == '.')) i++;
                tokens.Add(new(TokenKind.Name, text[start..i], start));
                continue;
            }
            throw FormulaParser.Error(text, i, $"unexpected character '{c}'");
        }
        tokens.Add(new(TokenKind.End, "", text.Length));
        return tokens;
    }

    /// <summary>The end of a number's exponent (<c>1e-3</c>, <c>2E+5</c>) starting at <paramref name="i"/>, or
    /// <paramref name="i"/> itself when no exponent follows (an 'e' without digits after it is left to be a name).</summary>
    private static int AfterExponent(string text, int i)
    {
        if (i >= text.Length || text[i] is not ('e' or 'E')) return i;
        int j = i + 1;
        if (j < text.Length && text[j] is '+' or '-') j++;
        if (j >= text.Length || !char.IsDigit(text[j])) return i;
        while (j < text.Length && char.IsDigit(text[j])) j++;
        return j;
    }
}
