using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using PersonaVectors.Engine.Safetensors;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace PersonaVectors.Engine.Training;

/// <summary>What a successful load restored.</summary>
/// <param name="TrainingSeconds">What the steps up to <paramref name="Step"/> took; null for a checkpoint written before it was recorded.</param>
public sealed record LoadedCheckpoint(int Step, IReadOnlyList<double> Losses, double? TrainingSeconds);

/// <summary>
/// Saves and restores the trainable parameters and the AdamW moments in a folder. Each checkpoint's tensors go
/// to new files named by step (step-0000300.parameters.safetensors, step-0000300.optimizer.safetensors); the
/// manifest checkpoint.json is written after them and renamed into place, and only then are the previous
/// step's files removed. A crash at any moment therefore leaves either the old complete checkpoint or the new
/// one. Loading verifies sizes and SHA-256 before reading a byte, then names, shapes and dtypes, and changes the
/// model only once everything has passed.
/// </summary>
public sealed class CheckpointStore
{
    public const string ManifestName = "checkpoint.json";
    const string ParametersRole = "parameters", OptimizerRole = "optimizer";
    const string ExpAvgPrefix = "exp_avg.", ExpAvgSqPrefix = "exp_avg_sq.";

    readonly string[] _names;
    readonly Parameter[] _parameters;
    readonly AdamW _optimizer;
    readonly TrainingOptions _options;

    public string Directory { get; }
    public string ManifestPath => Path.Combine(Directory, ManifestName);

    public CheckpointStore(string directory, IReadOnlyList<string> names, IReadOnlyList<Parameter> parameters, AdamW optimizer, TrainingOptions options)
    {
        if (names.Count != parameters.Count) throw new ArgumentException($"{names.Count} names for {parameters.Count} parameters");
        Directory = directory;
        _names = [.. names];
        _parameters = [.. parameters];
        _optimizer = optimizer;
        _options = options;
    }

    /// <summary>SHA-256 of the trajectory options, so a manifest says at a glance which run it belongs to.</summary>
    public static string OptionsHash(TrainingOptions options) =>
        Hex(SHA256.HashData(Encoding.UTF8.GetBytes(string.Join("\n", options.TrajectoryFields().Select(kv => $"{kv.Key}={kv.Value}")))));

    public void Save(int step, IReadOnlyList<double> losses, double? trainingSeconds = null)
    {
        System.IO.Directory.CreateDirectory(Directory);
        string prefix = $"step-{step.ToString("D7", CultureInfo.InvariantCulture)}";
        var metadata = new Dictionary<string, string>
        {
            ["format"] = CheckpointManifest.Format,
            ["step"] = step.ToString(CultureInfo.InvariantCulture),
            ["optimizer_step"] = _optimizer.StepCount.ToString(CultureInfo.InvariantCulture),
        };

        var parameterTensors = _names.Select((n, i) => (n, (Tensor)_parameters[i])).ToList();
        var optimizerTensors = _names.Select((n, i) => (ExpAvgPrefix + n, _optimizer.ExpAvg[i]))
            .Concat(_names.Select((n, i) => (ExpAvgSqPrefix + n, _optimizer.ExpAvgSq[i]))).ToList();
        var files = new[]
        {
            WriteTensors(ParametersRole, $"{prefix}.parameters.safetensors", parameterTensors, metadata),
            WriteTensors(OptimizerRole, $"{prefix}.optimizer.safetensors", optimizerTensors, metadata),
        };

        var manifest = new CheckpointManifest(step, _optimizer.StepCount, _options.TrajectoryFields(), OptionsHash(_options), files, [.. losses], trainingSeconds);
        string tmp = ManifestPath + ".tmp";
        using (var fs = new FileStream(tmp, FileMode.Create, FileAccess.Write))
        {
            fs.Write(Encoding.UTF8.GetBytes(manifest.ToJson()));
            fs.Flush(flushToDisk: true);
        }
        File.Move(tmp, ManifestPath, overwrite: true);
        RemoveStaleFiles(files.Select(f => f.Name).ToHashSet());
    }

    CheckpointFile WriteTensors(string role, string name, IReadOnlyList<(string, Tensor)> tensors, IReadOnlyDictionary<string, string> metadata)
    {
        string path = Path.Combine(Directory, name);
        SafetensorsWriter.Write(path, tensors, metadata);
        // The writer renames its temporary file into place; make the bytes durable before the manifest names them.
        using (var fs = new FileStream(path, FileMode.Open, FileAccess.ReadWrite)) fs.Flush(flushToDisk: true);
        return new CheckpointFile(role, name, new FileInfo(path).Length, Sha256(path));
    }

    // Only files that follow our naming are touched, never anything else the user keeps in the folder.
    void RemoveStaleFiles(HashSet<string> keep)
    {
        foreach (var path in System.IO.Directory.EnumerateFiles(Directory))
        {
            string name = Path.GetFileName(path);
            bool ours = name.StartsWith("step-", StringComparison.Ordinal)
                && (name.EndsWith(".safetensors", StringComparison.Ordinal) || name.EndsWith(".safetensors.tmp", StringComparison.Ordinal));
            if ((ours && !keep.Contains(name)) || name == ManifestName + ".tmp") File.Delete(path);
        }
    }

    /// <summary>
    /// Restores the checkpoint in the folder into the parameters and the optimizer. Returns null when the folder
    /// holds no manifest (nothing was ever completed there); throws <see cref="CheckpointException"/> for
    /// anything else that is not a valid checkpoint of these parameters under these options.
    /// </summary>
    public LoadedCheckpoint? TryLoad()
    {
        if (!File.Exists(ManifestPath)) return null;
        var manifest = CheckpointManifest.Parse(ManifestPath, File.ReadAllText(ManifestPath));
        CheckOptions(manifest);
        if (manifest.Losses.Count != manifest.Step)
            throw new CheckpointException(ManifestPath, $"holds {manifest.Losses.Count} losses for step {manifest.Step}");

        string parametersPath = VerifiedFile(manifest, ParametersRole);
        string optimizerPath = VerifiedFile(manifest, OptimizerRole);
        using var parametersFile = SafetensorsFile.Open(parametersPath);
        using var optimizerFile = SafetensorsFile.Open(optimizerPath);
        CheckStep(parametersFile, manifest);
        CheckStep(optimizerFile, manifest);
        CheckTensors(parametersFile, _names.Select((n, i) => (n, i)));
        CheckTensors(optimizerFile, _names.Select((n, i) => (ExpAvgPrefix + n, i)).Concat(_names.Select((n, i) => (ExpAvgSqPrefix + n, i))));

        using var scope = NewDisposeScope();
        using (no_grad())
            for (int i = 0; i < _parameters.Length; i++)
                _parameters[i].copy_(parametersFile.Read(_names[i]));
        _optimizer.LoadState(manifest.OptimizerStep,
            [.. _names.Select(n => optimizerFile.Read(ExpAvgPrefix + n))],
            [.. _names.Select(n => optimizerFile.Read(ExpAvgSqPrefix + n))]);
        return new LoadedCheckpoint(manifest.Step, manifest.Losses, manifest.TrainingSeconds);
    }

    void CheckOptions(CheckpointManifest manifest)
    {
        var saved = manifest.Options.ToDictionary(kv => kv.Key, kv => kv.Value);
        var now = _options.TrajectoryFields();
        var differences = now
            .Where(kv => !saved.TryGetValue(kv.Key, out var v) || v != kv.Value)
            .Select(kv => $"{kv.Key} {(saved.TryGetValue(kv.Key, out var v) ? v : "(absent)")} in the checkpoint, {kv.Value} now")
            // A field only some runs list (matmul precision) must also differ when the checkpoint has it and this run does not.
            .Concat(saved.Keys.Where(k => now.All(kv => kv.Key != k)).Select(k => $"{k} {saved[k]} in the checkpoint, (absent) now"))
            .ToList();
        if (differences.Count > 0)
            throw new CheckpointException(ManifestPath, $"was written with other training options ({string.Join("; ", differences)}). " +
                "Resume with the same options, or train into another folder.");
    }

    string VerifiedFile(CheckpointManifest manifest, string role)
    {
        var entries = manifest.Files.Where(f => f.Role == role).ToList();
        if (entries.Count != 1) throw new CheckpointException(ManifestPath, $"must list exactly one '{role}' file, lists {entries.Count}");
        var entry = entries[0];
        if (entry.Name != Path.GetFileName(entry.Name) || entry.Name is "" or "." or "..")
            throw new CheckpointException(ManifestPath, $"file name '{entry.Name}' must be a plain name inside the checkpoint folder");
        string path = Path.Combine(Directory, entry.Name);
        if (!File.Exists(path)) throw new CheckpointException(path, $"missing (the manifest {ManifestPath} lists it for step {manifest.Step})");
        long length = new FileInfo(path).Length;
        if (length != entry.Bytes)
            throw new CheckpointException(path, $"is {length} bytes, the manifest says {entry.Bytes}: the file is truncated or was overwritten");
        string actual = Sha256(path);
        if (!string.Equals(actual, entry.Sha256, StringComparison.OrdinalIgnoreCase))
            throw new CheckpointException(path, $"SHA-256 is {actual}, the manifest says {entry.Sha256}: the file is corrupted");
        return path;
    }

    static void CheckStep(SafetensorsFile file, CheckpointManifest manifest)
    {
        string expected = manifest.Step.ToString(CultureInfo.InvariantCulture);
        if (!file.Metadata.TryGetValue("step", out var step) || step != expected)
            throw new CheckpointException(file.Path, $"belongs to step {step ?? "(none)"}, the manifest is at step {expected}");
    }

    void CheckTensors(SafetensorsFile file, IEnumerable<(string Name, int Index)> expected)
    {
        var wanted = expected.ToList();
        foreach (var (name, i) in wanted)
        {
            if (!file.Entries.TryGetValue(name, out var entry))
                throw new CheckpointException(file.Path, $"has no tensor '{name}': the checkpoint was written for other trainable parameters");
            var p = _parameters[i];
            if (!entry.Shape.SequenceEqual(p.shape))
                throw new CheckpointException(file.Path, $"tensor '{name}' has shape [{string.Join(", ", entry.Shape)}], the parameter has [{string.Join(", ", p.shape)}]");
            if (entry.DType != SafetensorsDType.NameOf(p.dtype))
                throw new CheckpointException(file.Path, $"tensor '{name}' is {entry.DType}, the parameter is {SafetensorsDType.NameOf(p.dtype)}");
        }
        var names = wanted.Select(w => w.Name).ToHashSet();
        var extra = file.Entries.Keys.Where(k => !names.Contains(k)).Order(StringComparer.Ordinal).ToList();
        if (extra.Count > 0)
            throw new CheckpointException(file.Path, $"holds tensors that are not trainable parameters here ({string.Join(", ", extra.Take(5))}{(extra.Count > 5 ? ", ..." : "")}): the checkpoint was written for other trainable parameters");
    }

    static string Sha256(string path)
    {
        using var fs = File.OpenRead(path);
        return Hex(SHA256.HashData(fs));
    }

    static string Hex(byte[] bytes) => Convert.ToHexStringLower(bytes);
}
