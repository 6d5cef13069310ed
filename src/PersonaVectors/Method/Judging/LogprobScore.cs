using System.Globalization;

namespace PersonaVectors.Method.Judging;

/// <summary>
/// The paper's judge aggregation: from the judge's top log-probabilities for its single next token, keep the
/// tokens that are integers 0..100, and return their probability-weighted mean; if less than
/// <paramref name="minNumericMass"/> of the probability is on such tokens, the judge is taken to have refused
/// (no score).
/// </summary>
public static class LogprobScore
{
    public const double DefaultMinNumericMass = 0.25;

    public static double? Aggregate(IEnumerable<(string Token, double LogProbability)> top, double minNumericMass = DefaultMinNumericMass)
    {
        double mass = 0, weighted = 0;
        foreach (var (token, logp) in top)
        {
            if (!TryScore(token, out int value)) continue;
            double p = Math.Exp(logp);
            mass += p;
            weighted += p * value;
        }
        return mass < minNumericMass ? null : weighted / mass;
    }

    /// <summary>A token counts when, trimmed, it is an integer from 0 to 100 written in plain digits.</summary>
    public static bool TryScore(string token, out int value)
    {
        string t = token.Trim();
        value = 0;
        return t.Length is > 0 and <= 3 && t.All(char.IsAsciiDigit)
            && int.TryParse(t, NumberStyles.None, CultureInfo.InvariantCulture, out value) && value <= 100;
    }

    /// <summary>The text fallback for endpoints without log-probabilities: the first integer 0..100 in the reply, or null.</summary>
    public static double? FromText(string reply)
    {
        var m = System.Text.RegularExpressions.Regex.Match(reply, @"\b(\d{1,3})\b");
        return m.Success && TryScore(m.Groups[1].Value, out int v) ? v : null;
    }
}
