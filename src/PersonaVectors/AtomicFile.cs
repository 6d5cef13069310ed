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
}
