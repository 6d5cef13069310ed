using System.Text.Json;
using System.Text.Json.Nodes;

namespace PersonaVectors;

/// <summary>Writes a file so that a reader, or a run killed half way, sees the old content or the new, never a mix.</summary>
public static class AtomicFile
{
    public static void WriteAllText(string path, string text)
    {
        string tmp = AtomicFile.TempFor(path);
        File.WriteAllText(tmp, text);
        File.Move(tmp, path, overwrite: true);
    }

    /// <summary>
    /// The temporary file a write of <paramref name="path"/> goes through. Its folder is checked first, so a missing one
    /// is reported by the path the user gave rather than by the temporary file's name.
    /// </summary>
    public static string TempFor(string path)
    {
        string? folder = Path.GetDirectoryName(Path.GetFullPath(path));
        if (folder is not null && !Directory.Exists(folder))
            throw new PersonaVectorsException(File.Exists(folder) ? $"{path}: {folder} is a file, not a folder" : $"{path}: the folder {folder} does not exist");
        return path + ".tmp";
    }

    /// <summary>Creates the folder <paramref name="path"/> goes in, naming a file that stands where a folder should.</summary>
    public static void CreateFolderFor(string path)
    {
        string? folder = Path.GetDirectoryName(Path.GetFullPath(path));
        if (folder is null) return;
        for (string? up = folder; up is not null; up = Path.GetDirectoryName(up))
            if (File.Exists(up)) throw new PersonaVectorsException($"{path}: {up} is a file, not a folder");
        Directory.CreateDirectory(folder);
    }

    static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    /// <summary>A JSON document indented for people to read, as every summary.json and config the toolkit writes is.</summary>
    public static void WriteJson(string path, JsonNode json) => WriteAllText(path, json.ToJsonString(Indented));
}
