using System.Globalization;
using System.Text;

namespace PersonaVectors.Engine.ChatTemplates;

/// <summary>
/// Python's datetime.strftime in the C locale, as <c>strftime_now</c> uses it (Llama 3.x templates print today's date).
/// glibc's "-" flag (no padding, e.g. %-d) is supported; directives outside this set are rejected.
/// </summary>
internal static class PyStrftime
{
    static readonly string[] Days = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];
    static readonly string[] Months =
        ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];

    public static string Format(DateTime t, string format)
    {
        var sb = new StringBuilder();
        for (int i = 0; i < format.Length; i++)
        {
            if (format[i] != '%' || i + 1 >= format.Length) { sb.Append(format[i]); continue; }
            char c = format[++i];
            bool noPad = false;
            if (c == '-' && i + 1 < format.Length) { noPad = true; c = format[++i]; }
            string Num(int value, int width) =>
                noPad ? value.ToString(CultureInfo.InvariantCulture) : value.ToString(new string('0', width), CultureInfo.InvariantCulture);
            int hour12 = t.Hour % 12 == 0 ? 12 : t.Hour % 12;
            sb.Append(c switch
            {
                'a' => Days[(int)t.DayOfWeek][..3],
                'A' => Days[(int)t.DayOfWeek],
                'b' or 'h' => Months[t.Month - 1][..3],
                'B' => Months[t.Month - 1],
                'd' => Num(t.Day, 2),
                'e' => noPad ? Num(t.Day, 1) : t.Day.ToString(CultureInfo.InvariantCulture).PadLeft(2),
                'm' => Num(t.Month, 2),
                'y' => Num(t.Year % 100, 2),
                'Y' => t.Year.ToString(CultureInfo.InvariantCulture),
                'H' => Num(t.Hour, 2),
                'I' => Num(hour12, 2),
                'p' => t.Hour < 12 ? "AM" : "PM",
                'M' => Num(t.Minute, 2),
                'S' => Num(t.Second, 2),
                'f' => (t.Ticks % TimeSpan.TicksPerSecond / 10).ToString("000000", CultureInfo.InvariantCulture),
                'j' => Num(t.DayOfYear, 3),
                'w' => ((int)t.DayOfWeek).ToString(CultureInfo.InvariantCulture),
                'u' => (t.DayOfWeek == DayOfWeek.Sunday ? 7 : (int)t.DayOfWeek).ToString(CultureInfo.InvariantCulture),
                'D' => Format(t, "%m/%d/%y"),
                'F' => Format(t, "%Y-%m-%d"),
                'T' => Format(t, "%H:%M:%S"),
                'R' => Format(t, "%H:%M"),
                'c' => Format(t, "%a %b %e %H:%M:%S %Y"),
                'x' => Format(t, "%m/%d/%y"),
                'X' => Format(t, "%H:%M:%S"),
                'n' => "\n",
                't' => "\t",
                '%' => "%",
                _ => throw new JinjaError($"strftime directive '%{(noPad ? "-" : "")}{c}' is not supported by this chat template engine"),
            });
        }
        return sb.ToString();
    }
}
