using System.Globalization;
using System.Text;

namespace PersonaVectors.Engine.ChatTemplates;

/// <summary>
/// Splits template source into tokens the way Jinja2's lexer does with Hugging Face's settings
/// (trim_blocks and lstrip_blocks on, keep_trailing_newline off), including whitespace control with - and +.
/// </summary>
internal sealed class JinjaLexer
{
    const bool TrimBlocks = true;
    const bool LStripBlocks = true;

    readonly string src;
    readonly List<Token> tokens = [];
    int pos;
    int line = 1;
    // Whether the previous token ended a line: lstrip_blocks also applies to a tag at the very start of a line.
    bool lineStarting = true;

    JinjaLexer(string source) => src = Normalize(source);

    public static List<Token> Tokenize(string source)
    {
        var lexer = new JinjaLexer(source);
        lexer.Run();
        return lexer.tokens;
    }

    /// <summary>All line breaks become \n and one trailing newline is dropped, as Jinja does before lexing.</summary>
    static string Normalize(string source)
    {
        string s = source.Replace("\r\n", "\n").Replace('\r', '\n');
        return s.EndsWith('\n') ? s[..^1] : s;
    }

    ChatTemplateException Fail(string message) => new(message, line);

    void Run()
    {
        while (pos < src.Length)
        {
            int tag = FindTagStart(pos);
            if (tag < 0)
            {
                tokens.Add(new Token(TokenKind.Data, src[pos..], src[pos..], line));
                pos = src.Length;
                break;
            }
            char kind = src[tag + 1];
            int after = tag + 2;
            char sign = after < src.Length && src[after] is '-' or '+' ? src[after] : '\0';
            int rawEnd = kind == '%' ? MatchRawBegin(tag) : -1;

            string original = src[pos..tag];
            string text = original;
            if (sign == '-') text = PyString.RStripSpace(text);
            else if (sign != '+' && LStripBlocks && kind != '{')
            {
                int lineStart = text.LastIndexOf('\n') + 1;
                if ((lineStart > 0 || lineStarting) && lineStart < text.Length && text[lineStart..].All(c => PyString.IsSpace(c)))
                    text = text[..lineStart];
            }
            if (text.Length > 0) tokens.Add(new Token(TokenKind.Data, text, text, line));
            line += Count(original, '\n');

            if (rawEnd >= 0) { LexRaw(tag, rawEnd); continue; }
            pos = after + (sign != '\0' ? 1 : 0);
            if (kind == '#') LexComment();
            else LexTag(kind == '%');
        }
        tokens.Add(new Token(TokenKind.Eof, "", null, line));
    }

    int FindTagStart(int from)
    {
        for (int i = src.IndexOf('{', from); i >= 0 && i + 1 < src.Length; i = src.IndexOf('{', i + 1))
            if (src[i + 1] is '{' or '%' or '#') return i;
        return -1;
    }

    static int Count(string s, char c) => s.Count(x => x == c);

    int SkipSpace(int at)
    {
        while (at < src.Length && PyString.IsSpace(src[at])) at++;
        return at;
    }

    bool At(int at, string s) => string.CompareOrdinal(src, at, s, 0, s.Length) == 0;

    /// <summary>Matches <c>{%[-+]? raw [-]%}</c> at <paramref name="tag"/>; returns the end position or -1.</summary>
    int MatchRawBegin(int tag)
    {
        int i = tag + 2;
        if (i < src.Length && src[i] is '-' or '+') i++;
        i = SkipSpace(i);
        if (!At(i, "raw")) return -1;
        i = SkipSpace(i + 3);
        if (At(i, "-%}")) return SkipSpace(i + 3);
        return At(i, "%}") ? i + 2 : -1;
    }

    void LexRaw(int tag, int bodyStart)
    {
        line += Count(src[tag..bodyStart], '\n');
        lineStarting = src[bodyStart - 1] == '\n';
        for (int j = src.IndexOf("{%", bodyStart, StringComparison.Ordinal); j >= 0; j = src.IndexOf("{%", j + 1, StringComparison.Ordinal))
        {
            int i = j + 2;
            char sign = i < src.Length && src[i] is '-' or '+' ? src[i] : '\0';
            if (sign != '\0') i++;
            i = SkipSpace(i);
            if (!At(i, "endraw")) continue;
            i = SkipSpace(i + 6);
            int end;
            if (At(i, "+%}")) end = i + 3;
            else if (At(i, "-%}")) end = SkipSpace(i + 3);
            else if (At(i, "%}")) end = i + 2 < src.Length && src[i + 2] == '\n' ? i + 3 : i + 2;
            else continue;

            string original = src[bodyStart..j];
            string text = original;
            if (sign == '-') text = PyString.RStripSpace(text);
            else if (sign != '+')
            {
                int lineStart = text.LastIndexOf('\n') + 1;
                if ((lineStart > 0 || lineStarting) && lineStart < text.Length && text[lineStart..].All(c => PyString.IsSpace(c)))
                    text = text[..lineStart];
            }
            if (text.Length > 0) tokens.Add(new Token(TokenKind.Data, text, text, line));
            line += Count(src[bodyStart..end], '\n');
            pos = end;
            lineStarting = src[end - 1] == '\n';
            return;
        }
        throw Fail("missing end of raw directive ({% endraw %})");
    }

    void LexComment()
    {
        int k = src.IndexOf("#}", pos, StringComparison.Ordinal);
        if (k < 0) throw Fail("missing end of comment tag (#})");
        char sign = k - 1 >= pos && src[k - 1] is '-' or '+' ? src[k - 1] : '\0';
        int end = k + 2;
        if (sign == '-') end = SkipSpace(end);
        else if (sign == '\0' && TrimBlocks && end < src.Length && src[end] == '\n') end++;
        line += Count(src[pos..end], '\n');
        pos = end;
        lineStarting = src[end - 1] == '\n';
    }

    void LexTag(bool block)
    {
        tokens.Add(new Token(block ? TokenKind.BlockBegin : TokenKind.VariableBegin, block ? "{%" : "{{", null, line));
        var brackets = new Stack<char>();
        while (true)
        {
            if (pos >= src.Length) throw Fail(block ? "unexpected end of template inside a {% ... %} tag" : "unexpected end of template inside a {{ ... }} tag");
            if (brackets.Count == 0 && TryLexTagEnd(block)) return;

            char c = src[pos];
            if (PyString.IsSpace(c))
            {
                int end = SkipSpace(pos);
                line += Count(src[pos..end], '\n');
                pos = end;
            }
            else if (char.IsAsciiDigit(c) && TryLexNumber()) { }
            else if (c == '\'' || c == '"') LexString(c);
            else if (IsNameChar(c)) LexName();
            else LexOperator(brackets);
        }
    }

    bool TryLexTagEnd(bool block)
    {
        int end;
        if (block)
        {
            if (At(pos, "+%}")) end = pos + 3;
            else if (At(pos, "-%}")) end = SkipSpace(pos + 3);
            else if (At(pos, "%}")) end = TrimBlocks && pos + 2 < src.Length && src[pos + 2] == '\n' ? pos + 3 : pos + 2;
            else return false;
        }
        else
        {
            if (At(pos, "-}}")) end = SkipSpace(pos + 3);
            else if (At(pos, "}}")) end = pos + 2;
            else return false;
        }
        tokens.Add(new Token(block ? TokenKind.BlockEnd : TokenKind.VariableEnd, block ? "%}" : "}}", null, line));
        line += Count(src[pos..end], '\n');
        pos = end;
        lineStarting = src[end - 1] == '\n';
        return true;
    }

    static bool IsNameChar(char c) =>
        c == '_' || char.IsLetterOrDigit(c) || CharUnicodeInfo.GetUnicodeCategory(c) is UnicodeCategory.NonSpacingMark
            or UnicodeCategory.SpacingCombiningMark or UnicodeCategory.ConnectorPunctuation or UnicodeCategory.LetterNumber;

    void LexName()
    {
        int start = pos;
        while (pos < src.Length && IsNameChar(src[pos])) pos++;
        string name = src[start..pos];
        if (!(char.IsLetter(name[0]) || name[0] == '_' || CharUnicodeInfo.GetUnicodeCategory(name[0]) == UnicodeCategory.LetterNumber))
            throw Fail($"invalid character in identifier '{name}'");
        tokens.Add(new Token(TokenKind.Name, name, name, line));
    }

    /// <summary>Digits with single underscores between them, as Jinja's (\d+_)*\d+.</summary>
    int MatchDigits(int at)
    {
        if (at >= src.Length || !char.IsAsciiDigit(src[at])) return -1;
        while (true)
        {
            while (at < src.Length && char.IsAsciiDigit(src[at])) at++;
            if (at + 1 < src.Length && src[at] == '_' && char.IsAsciiDigit(src[at + 1])) { at++; continue; }
            return at;
        }
    }

    bool TryLexNumber()
    {
        int start = pos;
        // A float may not directly follow a dot, so that foo.0.1 is two subscripts.
        if (start == 0 || src[start - 1] != '.')
        {
            int intEnd = MatchDigits(start);
            int fracEnd = intEnd < src.Length && src[intEnd] == '.' ? MatchDigits(intEnd + 1) : -1;
            int mantissaEnd = fracEnd >= 0 ? fracEnd : intEnd;
            int expEnd = -1;
            if (mantissaEnd < src.Length && src[mantissaEnd] is 'e' or 'E')
            {
                int e = mantissaEnd + 1;
                if (e < src.Length && src[e] is '+' or '-') e++;
                expEnd = MatchDigits(e);
            }
            int end = expEnd >= 0 ? expEnd : fracEnd;
            if (end >= 0)
            {
                string text = src[start..end];
                double value = double.Parse(text.Replace("_", ""), NumberStyles.Float, CultureInfo.InvariantCulture);
                tokens.Add(new Token(TokenKind.Float, text, value, line));
                pos = end;
                return true;
            }
        }
        int radix = 10, i = start;
        if (src[start] == '0' && start + 1 < src.Length && char.ToLowerInvariant(src[start + 1]) is 'b' or 'o' or 'x')
        {
            radix = char.ToLowerInvariant(src[start + 1]) switch { 'b' => 2, 'o' => 8, _ => 16 };
            i = start + 2;
            int digitsStart = i;
            while (i < src.Length)
            {
                int skip = src[i] == '_' && i + 1 < src.Length ? 1 : 0;
                if (!IsRadixDigit(src[i + skip], radix)) break;
                i += 1 + skip;
            }
            if (i == digitsStart) { i = start + 1; radix = 10; }
        }
        else if (src[start] == '0')
        {
            i = start + 1;
            while (i < src.Length && (src[i] == '0' || (src[i] == '_' && i + 1 < src.Length && src[i + 1] == '0'))) i++;
        }
        else i = MatchDigits(start);

        string literal = src[start..i];
        string digits = (radix == 10 ? literal : literal[2..]).Replace("_", "");
        long parsed;
        try { parsed = digits.Length == 0 ? 0 : Convert.ToInt64(digits, radix); }
        catch (Exception e) when (e is OverflowException or FormatException)
        {
            throw Fail($"integer literal {literal} does not fit in 64 bits");
        }
        tokens.Add(new Token(TokenKind.Integer, literal, parsed, line));
        pos = i;
        return true;
    }

    static bool IsRadixDigit(char c, int radix) => radix switch
    {
        2 => c is '0' or '1',
        8 => c is >= '0' and <= '7',
        _ => char.IsAsciiHexDigit(c),
    };

    void LexString(char quote)
    {
        int start = pos;
        int i = pos + 1;
        while (i < src.Length && src[i] != quote) i += src[i] == '\\' ? 2 : 1;
        if (i >= src.Length) throw Fail($"unterminated string literal starting with {quote}");
        string body = src[(start + 1)..i];
        tokens.Add(new Token(TokenKind.String, src[start..(i + 1)], Unescape(body), line));
        line += Count(body, '\n');
        pos = i + 1;
    }

    /// <summary>Python's unicode-escape decoding, which Jinja applies to string literals.</summary>
    string Unescape(string s)
    {
        if (!s.Contains('\\')) return s;
        var sb = new StringBuilder(s.Length);
        for (int i = 0; i < s.Length; i++)
        {
            if (s[i] != '\\') { sb.Append(s[i]); continue; }
            if (i + 1 >= s.Length) throw Fail("\\ at end of string literal");
            char c = s[++i];
            switch (c)
            {
                case '\n': break;
                case '\\': sb.Append('\\'); break;
                case '\'': sb.Append('\''); break;
                case '"': sb.Append('"'); break;
                case 'a': sb.Append('\a'); break;
                case 'b': sb.Append('\b'); break;
                case 'f': sb.Append('\f'); break;
                case 'n': sb.Append('\n'); break;
                case 'r': sb.Append('\r'); break;
                case 't': sb.Append('\t'); break;
                case 'v': sb.Append('\v'); break;
                case >= '0' and <= '7':
                    {
                        int n = 0, k = 0;
                        while (k < 3 && i < s.Length && s[i] is >= '0' and <= '7') { n = n * 8 + (s[i] - '0'); i++; k++; }
                        i--;
                        PyText.AppendCodePoint(sb, n);
                        break;
                    }
                case 'x': sb.Append((char)HexEscape(s, ref i, 2)); break;
                case 'u': sb.Append((char)HexEscape(s, ref i, 4)); break;
                case 'U':
                    {
                        int cp = HexEscape(s, ref i, 8);
                        if (cp > 0x10FFFF) throw Fail("illegal Unicode character in string literal");
                        PyText.AppendCodePoint(sb, cp);
                        break;
                    }
                case 'N': throw Fail("\\N{...} escapes in string literals are not supported");
                default: sb.Append('\\').Append(c); break;
            }
        }
        return sb.ToString();
    }

    int HexEscape(string s, ref int i, int digits)
    {
        if (i + digits >= s.Length || !s.AsSpan(i + 1, digits).ToString().All(char.IsAsciiHexDigit))
            throw Fail($"truncated \\{s[i]} escape in string literal");
        int value = int.Parse(s.AsSpan(i + 1, digits), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
        i += digits;
        return value;
    }

    static readonly string[] Operators =
        ["//", "**", "==", "!=", ">=", "<=", "+", "-", "/", "*", "%", "~", "[", "]", "(", ")", "{", "}", ">", "<", "=", ".", ":", "|", ",", ";"];

    void LexOperator(Stack<char> brackets)
    {
        string? op = Operators.FirstOrDefault(o => At(pos, o));
        if (op is null) throw Fail($"unexpected character '{src[pos]}'");
        switch (op)
        {
            case "(": brackets.Push(')'); break;
            case "[": brackets.Push(']'); break;
            case "{": brackets.Push('}'); break;
            case ")" or "]" or "}":
                if (brackets.Count == 0) throw Fail($"unexpected '{op}'");
                char expected = brackets.Pop();
                if (expected != op[0]) throw Fail($"unexpected '{op}', expected '{expected}'");
                break;
        }
        tokens.Add(new Token(TokenKind.Operator, op, op, line));
        pos += op.Length;
    }
}
