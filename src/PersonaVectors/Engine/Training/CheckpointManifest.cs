using System.Text.Json;
using System.Text.Json.Nodes;

namespace PersonaVectors.Engine.Training;

/// <summary>A file a checkpoint consists of, with the size and SHA-256 it had when written.</summary>
public sealed record CheckpointFile(string Role, string Name, long Bytes, string Sha256);

/// <summary>
/// checkpoint.json: the step, the options that shape the run, the files with their checksums, the loss history,
/// and the seconds the steps so far took (absent in checkpoints written before it was recorded). It is written last
/// and renamed into place, so it only ever names files that were complete.
/// </summary>
public sealed record CheckpointManifest(
    int Step,
    long OptimizerStep,
    IReadOnlyList<KeyValuePair<string, string>> Options,
    string OptionsSha256,
    IReadOnlyList<CheckpointFile> Files,
    IReadOnlyList<double> Losses,
    double? TrainingSeconds = null)
{
    public const string Format = "personavectors-training-checkpoint";
    public const int Version = 1;

    public string ToJson()
    {
        var options = new JsonObject();
        foreach (var (k, v) in Options) options[k] = v;
        var files = new JsonArray();
        foreach (var f in Files)
            files.Add(new JsonObject { ["role"] = f.Role, ["name"] = f.Name, ["bytes"] = f.Bytes, ["sha256"] = f.Sha256 });
        var losses = new JsonArray();
        foreach (var l in Losses) losses.Add(l);
        var root = new JsonObject
        {
            ["format"] = Format,
            ["version"] = Version,
            ["step"] = Step,
            ["optimizer_step"] = OptimizerStep,
            ["options"] = options,
            ["options_sha256"] = OptionsSha256,
            ["files"] = files,
            ["losses"] = losses,
        };
        if (TrainingSeconds is { } seconds) root["training_seconds"] = Math.Round(seconds, 1);
        return root.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
    }

    /// <summary>Parses a manifest; every problem is reported as a <see cref="CheckpointException"/> naming <paramref name="path"/>.</summary>
    public static CheckpointManifest Parse(string path, string json)
    {
        JsonNode? node;
        try { node = JsonNode.Parse(json); }
        catch (JsonException e) { throw new CheckpointException(path, $"not valid JSON ({e.Message}): the manifest is corrupted or truncated"); }
        if (node is not JsonObject root) throw new CheckpointException(path, "must be a JSON object");

        string format = String(path, root, "format");
        if (format != Format) throw new CheckpointException(path, $"format is '{format}', expected '{Format}'");
        long version = Integer(path, root, "version");
        if (version != Version) throw new CheckpointException(path, $"version {version} is not supported (this build reads version {Version})");
        long step = Integer(path, root, "step");
        if (step is < 0 or > int.MaxValue) throw new CheckpointException(path, $"step {step} is out of range");

        if (root["options"] is not JsonObject optionsNode) throw new CheckpointException(path, "missing object 'options'");
        var options = new List<KeyValuePair<string, string>>();
        foreach (var (k, v) in optionsNode)
        {
            if (v is not JsonValue value || !value.TryGetValue(out string? s))
                throw new CheckpointException(path, $"options.{k} must be a string");
            options.Add(new(k, s));
        }

        if (root["files"] is not JsonArray filesNode) throw new CheckpointException(path, "missing array 'files'");
        var files = new List<CheckpointFile>();
        foreach (var f in filesNode)
        {
            if (f is not JsonObject o) throw new CheckpointException(path, "every entry of 'files' must be an object");
            files.Add(new CheckpointFile(String(path, o, "role"), String(path, o, "name"), Integer(path, o, "bytes"), String(path, o, "sha256")));
        }

        if (root["losses"] is not JsonArray lossesNode) throw new CheckpointException(path, "missing array 'losses'");
        var losses = new List<double>();
        foreach (var l in lossesNode)
        {
            if (l is not JsonValue value || !value.TryGetValue(out double d))
                throw new CheckpointException(path, "'losses' must hold numbers");
            losses.Add(d);
        }

        double? seconds = null;
        if (root["training_seconds"] is { } secondsNode)
        {
            if (secondsNode is not JsonValue value || !value.TryGetValue(out double s) || !double.IsFinite(s) || s < 0)
                throw new CheckpointException(path, "'training_seconds' must be a non-negative number");
            seconds = s;
        }
        return new CheckpointManifest((int)step, Integer(path, root, "optimizer_step"), options, String(path, root, "options_sha256"), files, losses, seconds);
    }

    static string String(string path, JsonObject o, string name) =>
        o[name] is JsonValue v && v.TryGetValue(out string? s) ? s : throw new CheckpointException(path, $"missing string field '{name}'");

    static long Integer(string path, JsonObject o, string name) =>
        o[name] is JsonValue v && v.TryGetValue(out long n) ? n : throw new CheckpointException(path, $"missing integer field '{name}'");
}
