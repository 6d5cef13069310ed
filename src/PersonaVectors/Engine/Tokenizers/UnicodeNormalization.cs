using System.Globalization;
using System.Text;

namespace PersonaVectors.Engine.Tokenizers;

/// <summary>
/// Canonical Unicode normalization (NFD and NFC) implemented on embedded tables, because
/// <see cref="string.Normalize()"/> silently returns its input unchanged under InvariantGlobalization.
/// </summary>
internal static class UnicodeNormalization
{
    const int SBase = 0xAC00, LBase = 0x1100, VBase = 0x1161, TBase = 0x11A7;
    const int LCount = 19, VCount = 21, TCount = 28, NCount = VCount * TCount, SCount = LCount * NCount;

    static readonly Dictionary<int, int[]> Decomp;
    static readonly Dictionary<long, int> Compose;
    static readonly Dictionary<int, byte> Ccc;

    static UnicodeNormalization()
    {
        Decomp = new Dictionary<int, int[]>(2100);
        Compose = new Dictionary<long, int>(1000);
        foreach (var entry in UnicodeNormalizationData.Decompositions.Split(';'))
        {
            bool excluded = entry[0] == '!';
            var e = excluded ? entry.AsSpan(1) : entry.AsSpan();
            int eq = e.IndexOf('=');
            int cp = int.Parse(e[..eq], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            var rhs = e[(eq + 1)..];
            int sp = rhs.IndexOf(' ');
            int[] parts = sp < 0
                ? [int.Parse(rhs, NumberStyles.HexNumber, CultureInfo.InvariantCulture)]
                : [int.Parse(rhs[..sp], NumberStyles.HexNumber, CultureInfo.InvariantCulture),
                   int.Parse(rhs[(sp + 1)..], NumberStyles.HexNumber, CultureInfo.InvariantCulture)];
            Decomp[cp] = parts;
            if (parts.Length == 2 && !excluded)
                Compose[((long)parts[0] << 21) | (uint)parts[1]] = cp;
        }
        Ccc = new Dictionary<int, byte>(1000);
        foreach (var entry in UnicodeNormalizationData.CombiningClasses.Split(';'))
        {
            int eq = entry.IndexOf('=');
            var range = entry.AsSpan(0, eq);
            byte cls = byte.Parse(entry.AsSpan(eq + 1), CultureInfo.InvariantCulture);
            int dash = range.IndexOf('-');
            int from = int.Parse(dash < 0 ? range : range[..dash], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            int to = dash < 0 ? from : int.Parse(range[(dash + 1)..], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            for (int c = from; c <= to; c++) Ccc[c] = cls;
        }
    }

    static int CombiningClass(int cp) => cp < 0x300 ? 0 : Ccc.TryGetValue(cp, out byte c) ? c : 0;

    /// <summary>
    /// Text made only of characters below <paramref name="limit"/> or CJK unified ideographs is already
    /// normalized: nothing below U+00C0 decomposes, nothing below U+0300 is changed by NFC (no combining
    /// marks can follow), and the ideographs neither decompose nor combine. This keeps the common case
    /// allocation-free.
    /// </summary>
    static bool IsTriviallyNormalized(string s, char limit)
    {
        foreach (char c in s)
            if (c >= limit && (c < 0x4E00 || c > 0x9FFF))
                return false;
        return true;
    }

    public static string Nfd(string s) => IsTriviallyNormalized(s, '\u00C0') ? s : ToString(DecomposeAll(s));

    public static string Nfc(string s)
    {
        if (IsTriviallyNormalized(s, '\u0300')) return s;
        var cps = DecomposeAll(s);
        ComposeInPlace(cps);
        return ToString(cps);
    }

    static List<int> DecomposeAll(string s)
    {
        var result = new List<int>(s.Length + 8);
        foreach (Rune r in s.EnumerateRunes())
            DecomposeInto(r.Value, result);
        // Canonical ordering: stable insertion sort of each run of non-starters by combining class.
        for (int i = 1; i < result.Count; i++)
        {
            int cc = CombiningClass(result[i]);
            if (cc == 0) continue;
            int j = i;
            int cp = result[i];
            while (j > 0)
            {
                int prev = CombiningClass(result[j - 1]);
                if (prev == 0 || prev <= cc) break;
                result[j] = result[j - 1];
                j--;
            }
            result[j] = cp;
        }
        return result;
    }

    static void DecomposeInto(int cp, List<int> output)
    {
        if (cp >= SBase && cp < SBase + SCount)
        {
            int sIndex = cp - SBase;
            output.Add(LBase + sIndex / NCount);
            output.Add(VBase + (sIndex % NCount) / TCount);
            int t = sIndex % TCount;
            if (t != 0) output.Add(TBase + t);
            return;
        }
        if (cp >= 0xC0 && Decomp.TryGetValue(cp, out var parts))
        {
            foreach (int p in parts) DecomposeInto(p, output);
            return;
        }
        output.Add(cp);
    }

    static void ComposeInPlace(List<int> cps)
    {
        if (cps.Count == 0) return;
        int starterPos = -1;
        int lastClass = -1;
        int write = 0;
        for (int read = 0; read < cps.Count; read++)
        {
            int cp = cps[read];
            int cc = CombiningClass(cp);
            if (starterPos >= 0)
            {
                int starter = cps[starterPos];
                // A character is blocked from the starter when an intervening character has class 0 or
                // a class at least as high as its own.
                bool blocked = lastClass != -1 && (lastClass == 0 || lastClass >= cc);
                if (!blocked && TryCompose(starter, cp, out int composed))
                {
                    cps[starterPos] = composed;
                    continue;
                }
            }
            if (cc == 0)
            {
                starterPos = write;
                lastClass = -1;
            }
            else
            {
                lastClass = cc;
            }
            cps[write++] = cp;
        }
        cps.RemoveRange(write, cps.Count - write);
    }

    static bool TryCompose(int a, int b, out int composed)
    {
        if (a >= LBase && a < LBase + LCount && b >= VBase && b < VBase + VCount)
        {
            composed = SBase + ((a - LBase) * VCount + (b - VBase)) * TCount;
            return true;
        }
        if (a >= SBase && a < SBase + SCount && (a - SBase) % TCount == 0 && b > TBase && b < TBase + TCount)
        {
            composed = a + (b - TBase);
            return true;
        }
        return Compose.TryGetValue(((long)a << 21) | (uint)b, out composed);
    }

    static string ToString(List<int> cps)
    {
        var sb = new StringBuilder(cps.Count + 4);
        foreach (int cp in cps) sb.Append(new Rune(cp).ToString());
        return sb.ToString();
    }
}
