namespace PersonaVectors.Cli.Commands;

/// <summary>Comma-separated option values (--layers 2,3,4, --alphas -4,0,4), each parsed or named in a clear error.</summary>
public static class CsvList
{
    public static List<T> Parse<T>(string csv, string option, Func<string, T> parse)
    {
        var items = csv.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Select(s =>
        {
            try { return parse(s); }
            catch (FormatException) { throw new PersonaVectorsException($"{option}: '{s}' is not a number"); }
            catch (OverflowException) { throw new PersonaVectorsException($"{option}: '{s}' is out of range"); }
        }).ToList();
        return items.Count > 0 ? items : throw new PersonaVectorsException($"{option}: give at least one value, e.g. 1,2,3");
    }
}
