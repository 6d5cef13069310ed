namespace PersonaVectors.Engine;

/// <summary>
/// A file's size through any symlinks: in the Hugging Face cache every snapshot file is a link to its blob, and
/// FileInfo.Length of a link is the length of the link itself.
/// </summary>
public static class FileLength
{
    public static long Of(string path) => Of(new FileInfo(path));

    public static long Of(FileInfo file) => file.LinkTarget is null ? file.Length
        : file.ResolveLinkTarget(returnFinalTarget: true) is FileInfo target && target.Exists ? target.Length
        : throw new FileNotFoundException($"{file.FullName} is a link to {file.LinkTarget}, which does not exist");
}
