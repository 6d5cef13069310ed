namespace PersonaVectors.Cli.Report;

/// <summary>The extraction runs a report covers: the folder itself, or each of its immediate subfolders that is a run.</summary>
public static class RunFolders
{
    const string Expected = "expected an extraction run (the folder persona extract --out writes, with summary.json and vectors/) or a folder whose subfolders are runs";

    public static IReadOnlyList<string> Find(string path)
    {
        if (!Directory.Exists(path))
            throw new PersonaVectorsException(File.Exists(path) ? $"{path}: is a file; {Expected}" : $"{path}: no such folder; {Expected}");
        if (IsRun(path)) return [path];
        var runs = Directory.GetDirectories(path).Where(IsRun).OrderBy(d => d, StringComparer.Ordinal).ToList();
        return runs.Count > 0 ? runs
            : throw new PersonaVectorsException($"{path}: neither a run (no summary.json and vectors/) nor a folder of runs (no subfolder has them); {Expected}");
    }

    static bool IsRun(string folder) => Method.Extraction.ExtractionRun.IsRun(folder);
}
