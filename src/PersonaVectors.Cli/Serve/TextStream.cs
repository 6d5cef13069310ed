using PersonaVectors.Engine;

namespace PersonaVectors.Cli.Serve;

/// <summary>
/// Turns one answer's tokens into text deltas as they arrive, honouring stop strings: text that could still be the
/// start of a stop string is held back until it cannot, and the answer ends before the first stop string.
/// </summary>
public sealed class TextStream(LanguageModel lm, IReadOnlyList<string> stops)
{
    readonly List<int> _tokens = [];
    int _emitted;
    readonly int _hold = stops.Count == 0 ? 0 : stops.Max(s => s.Length) - 1;

    public bool Stopped { get; private set; }
    public string Text { get; private set; } = "";

    /// <summary>Adds a token; returns the text that is now safe to send.</summary>
    public string Add(int token)
    {
        if (Stopped) return "";
        _tokens.Add(token);
        string full = lm.Tokenizer.Decode(_tokens, skipSpecialTokens: true);
        // A token that ends inside a multi-byte character decodes to a replacement character; wait for the rest.
        if (full.EndsWith('\uFFFD')) return "";
        int cut = stops.Select(s => full.IndexOf(s, StringComparison.Ordinal)).Where(i => i >= 0).DefaultIfEmpty(-1).Min();
        if (cut >= 0) { Stopped = true; full = full[..cut]; }
        Text = full;
        int safe = Stopped ? full.Length : Math.Max(_emitted, full.Length - _hold);
        string delta = safe > _emitted ? full[_emitted..safe] : "";
        _emitted = Math.Max(_emitted, safe);
        return delta;
    }

    /// <summary>The held-back rest, once the answer has ended without a stop string.</summary>
    public string Finish()
    {
        string rest = Text.Length > _emitted ? Text[_emitted..] : "";
        _emitted = Text.Length;
        return rest;
    }
}
