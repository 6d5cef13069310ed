using System.Text;

namespace PersonaVectors.Engine.Tokenizers;

/// <summary>
/// GPT-2's reversible byte-to-character alphabet: every byte maps to a printable, non-whitespace character,
/// so byte-level BPE vocabularies can be stored as ordinary JSON strings. Printable Latin-1 bytes map to
/// themselves; the remaining 68 bytes map to U+0100 upward in byte order.
/// </summary>
internal static class ByteLevel
{
    static readonly char[] ByteToCharTable = BuildTable();
    static readonly short[] CharToByteTable = BuildReverse();

    static char[] BuildTable()
    {
        var table = new char[256];
        var direct = new bool[256];
        for (int b = '!'; b <= '~'; b++) direct[b] = true;
        for (int b = 0xA1; b <= 0xAC; b++) direct[b] = true;
        for (int b = 0xAE; b <= 0xFF; b++) direct[b] = true;
        int n = 0;
        for (int b = 0; b < 256; b++)
            table[b] = direct[b] ? (char)b : (char)(256 + n++);
        return table;
    }

    static short[] BuildReverse()
    {
        // All mapped characters are below U+0144, so a flat array is the fastest reverse lookup.
        var rev = new short[0x144];
        Array.Fill(rev, (short)-1);
        for (int b = 0; b < 256; b++) rev[ByteToCharTable[b]] = (short)b;
        return rev;
    }

    /// <summary>The character standing for byte <paramref name="b"/>.</summary>
    public static char ByteToChar(byte b) => ByteToCharTable[b];

    /// <summary>The byte a byte-level character stands for, or -1 when the character is not in the alphabet.</summary>
    public static int CharToByte(char c) => c < CharToByteTable.Length ? CharToByteTable[c] : -1;

    /// <summary>All 256 alphabet characters, in byte order.</summary>
    public static IReadOnlyList<char> Alphabet => ByteToCharTable;

    /// <summary>Maps the UTF-8 bytes of <paramref name="text"/> to byte-level characters.</summary>
    public static string Encode(ReadOnlySpan<char> text)
    {
        int max = Encoding.UTF8.GetMaxByteCount(text.Length);
        char[]? rented = max > 512 ? System.Buffers.ArrayPool<char>.Shared.Rent(max) : null;
        Span<char> buffer = rented ?? stackalloc char[max];
        try
        {
            int n = Encode(text, buffer);
            return new string(buffer[..n]);
        }
        finally
        {
            if (rented != null) System.Buffers.ArrayPool<char>.Shared.Return(rented);
        }
    }

    /// <summary>
    /// Writes the byte-level form of <paramref name="text"/> into <paramref name="destination"/> and returns the
    /// number of characters written; the destination must hold at least 3 characters per UTF-16 unit.
    /// </summary>
    public static int Encode(ReadOnlySpan<char> text, Span<char> destination)
    {
        int max = Encoding.UTF8.GetMaxByteCount(text.Length);
        byte[]? rented = max > 1024 ? System.Buffers.ArrayPool<byte>.Shared.Rent(max) : null;
        Span<byte> bytes = rented ?? stackalloc byte[max];
        try
        {
            int n = Encoding.UTF8.GetBytes(text, bytes);
            for (int i = 0; i < n; i++) destination[i] = ByteToCharTable[bytes[i]];
            return n;
        }
        finally
        {
            if (rented != null) System.Buffers.ArrayPool<byte>.Shared.Return(rented);
        }
    }
}
