using System.Text.Json.Nodes;

namespace PersonaVectors.Engine;

/// <summary>The parts of generation_config.json that decide when and how a model stops and samples.</summary>
public sealed record GenerationConfig(IReadOnlyList<int> EosTokenIds, double? Temperature, double? TopP, int? TopK)
{
    public static GenerationConfig? Load(string path)
    {
        if (!File.Exists(path)) return null;
        JsonNode? node;
        try { node = JsonNode.Parse(File.ReadAllText(path)); }
        catch (System.Text.Json.JsonException e) { throw new ModelFormatException(path, $"not valid JSON: {e.Message}"); }
        if (node is not JsonObject o) throw new ModelFormatException(path, "must be a JSON object");
        try
        {
            var eos = o["eos_token_id"] switch
            {
                null => [],
                JsonArray a => a.Select(x => x!.GetValue<int>()).ToList(),
                var v => new List<int> { v.GetValue<int>() },
            };
            return new GenerationConfig(eos, o["temperature"]?.GetValue<double>(), o["top_p"]?.GetValue<double>(), o["top_k"]?.GetValue<int>());
        }
        catch (Exception e) when (e is InvalidOperationException or FormatException)
        {
            throw new ModelFormatException(path, $"eos_token_id must be an integer or a list of integers, temperature/top_p numbers, top_k an integer ({e.Message})");
        }
    }
}
