using System.Text.Json;
using System.Text.Json.Nodes;

namespace PersonaVectors;

/// <summary>Writes a file so that a reader, or a run killed half way, sees the old content or the new, never a mix.</summary>
public static class AtomicFile
{
    public static void WriteAllText(string path, string text)
    {
        string tmp = path + ".tmp";
        File.WriteAllText(tmp, text);
        File.Move(tmp, path, overwrite: true);
    }

    static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    /// <summary>A JSON document indented for people to read, as every summary.json and config the toolkit writes is.</summary>
    public static void WriteJson(string path, JsonNode json) => WriteAllText(path, json.ToJsonString(Indented));
}
