using System.Globalization;
using System.Numerics;

namespace PersonaVectors.Engine.ChatTemplates;

/// <summary>
/// Python's built-in round(): half-to-even on the exact binary value of the float (so 2.675 rounds to 2.67),
/// which naive scaling in floating point does not reproduce.
/// </summary>
internal static class PyRound
{
    public static double RoundFloat(double x, long digits)
    {
        if (double.IsNaN(x) || double.IsInfinity(x) || x == 0) return x;
        if (digits > 350) return x;
        if (digits < -330) return x < 0 ? -0.0 : 0.0;

        long bits = BitConverter.DoubleToInt64Bits(x);
        bool negative = bits < 0;
        int exponentBits = (int)((bits >> 52) & 0x7FF);
        long fraction = bits & 0xFFFFFFFFFFFFFL;
        BigInteger mantissa = exponentBits == 0 ? fraction : fraction | (1L << 52);
        int exponent = (exponentBits == 0 ? 1 : exponentBits) - 1075;

        // x * 10^digits = numerator / denominator exactly.
        BigInteger numerator = mantissa, denominator = BigInteger.One;
        if (exponent >= 0) numerator <<= exponent; else denominator <<= -exponent;
        if (digits >= 0) numerator *= BigInteger.Pow(10, (int)digits);
        else denominator *= BigInteger.Pow(10, (int)-digits);

        BigInteger quotient = BigInteger.DivRem(numerator, denominator, out var remainder);
        int half = (remainder * 2).CompareTo(denominator);
        if (half > 0 || (half == 0 && !quotient.IsEven)) quotient += 1;

        string text = (negative ? "-" : "") + quotient.ToString(CultureInfo.InvariantCulture) + "E" + (-digits).ToString(CultureInfo.InvariantCulture);
        return double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture);
    }

    public static long RoundInt(long n, long digits)
    {
        if (digits >= 0) return n;
        if (digits < -18) return 0;
        long scale = (long)Math.Pow(10, -digits);
        long quotient = Math.DivRem(Math.Abs(n), scale, out long remainder);
        int half = (remainder * 2).CompareTo(scale);
        if (half > 0 || (half == 0 && quotient % 2 == 1)) quotient++;
        return checked(Math.Sign(n) * quotient * scale);
    }
}
