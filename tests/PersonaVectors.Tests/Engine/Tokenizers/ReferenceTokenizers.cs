using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using PersonaVectors.Engine.Tokenizers;
using PersonaVectors.Tests.Fixtures;
using HfTokenizer = global::Tokenizers.DotNet.Tokenizer;

namespace PersonaVectors.Tests.Engine.Tokenizers;

/// <summary>
/// Hugging Face's Rust tokenizers (through the Tokenizers.DotNet wrapper) as the independent reference, plus
/// the real tokenizer.json files and derived variants that exercise components the real files do not use.
/// The wrapper always encodes with add_special_tokens=true and decodes with skip_special_tokens=true.
/// </summary>
internal static class ReferenceTokenizers
{
    static readonly ConcurrentDictionary<string, Lazy<HfTokenizer>> References = new();
    static readonly ConcurrentDictionary<string, Lazy<Tokenizer>> OursCache = new();
    static readonly ConcurrentDictionary<string, Lazy<string>> Variants = new();

    public static string RealFile(string family) => family switch
    {
        "qwen3" => Path.Combine(NpmPackages.Qwen3, "models", "tokenizer.json"),
        "llama3" => Path.Combine(NpmPackages.Llama3, "models", "tokenizer.json"),
        "llama31" => Path.Combine(NpmPackages.Llama31, "models", "tokenizer.json"),
        "llama2" => Path.Combine(NpmPackages.Llama2, "models", "tokenizer.json"),
        "gemma2" => Path.Combine(NpmPackages.Gemma2, "models", "tokenizer.json"),
        "gemma3" => Path.Combine(NpmPackages.Gemma3, "models", "tokenizer.json"),
        _ => throw new ArgumentException($"unknown family {family}", nameof(family)),
    };

    public static HfTokenizer Reference(string path) =>
        References.GetOrAdd(path, p => new Lazy<HfTokenizer>(() => new HfTokenizer(p))).Value;

    /// <summary>Our tokenizer for a file, loaded once per process.</summary>
    public static Tokenizer Ours(string path) =>
        OursCache.GetOrAdd(path, p => new Lazy<Tokenizer>(() => Tokenizer.FromFile(p))).Value;

    public static int[] ReferenceEncode(string path, string text)
    {
        var ids = Reference(path).Encode(text);
        return Array.ConvertAll(ids, u => checked((int)u));
    }

    public static string ReferenceDecode(string path, IEnumerable<int> ids) =>
        Reference(path).Decode(ids.Select(i => checked((uint)i)).ToArray());

    /// <summary>
    /// Writes (once per process) a copy of a real tokenizer.json changed by <paramref name="edit"/>, so the
    /// reference library can be asked about configurations no downloadable file has.
    /// </summary>
    public static string Variant(string family, string name, Action<JsonObject> edit) =>
        Variants.GetOrAdd(family + "-" + name, key => new Lazy<string>(() =>
        {
            var root = JsonNode.Parse(File.ReadAllText(RealFile(family)))!.AsObject();
            edit(root);
            string path = Path.Combine(ScratchDirectory.Value, key + ".json");
            File.WriteAllText(path, root.ToJsonString());
            return path;
        })).Value;

    /// <summary>
    /// A per-process folder for variant files (tens of MB each). The test host is usually killed rather than
    /// exiting normally, so instead of cleaning up at exit each run removes the folders of runs whose process
    /// is gone.
    /// </summary>
    public static readonly Lazy<string> ScratchDirectory = new(() =>
    {
        string root = Path.Combine(Path.GetTempPath(), "personavectors-tokenizer-tests");
        Directory.CreateDirectory(root);
        foreach (var old in new DirectoryInfo(root).GetDirectories())
        {
            if (int.TryParse(old.Name, out int pid) && IsRunning(pid)) continue;
            try { old.Delete(recursive: true); }
            catch (IOException) { /* being written by a run that just started */ }
            catch (UnauthorizedAccessException) { }
        }
        string dir = Path.Combine(root, Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Directory.CreateDirectory(dir);
        return dir;
    });

    static bool IsRunning(int pid)
    {
        try
        {
            using var p = System.Diagnostics.Process.GetProcessById(pid);
            return !p.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }
}
