using System.Text.Json;
using System.Text.Json.Nodes;
using PersonaVectors.Engine.Models;
using PersonaVectors.Engine.Safetensors;
using Parameter = TorchSharp.Modules.Parameter;
using Linear = PersonaVectors.Engine.Models.Linear;
using static TorchSharp.torch;

namespace PersonaVectors.Engine.Lora;

/// <summary>
/// A set of LoRA factors attached to a model's linear layers. While attached, every forward pass (plain,
/// generation, training) includes them; disposing detaches them and leaves the base model as it was. Saved and
/// loaded in PEFT's layout (adapter_config.json and adapter_model.safetensors with keys
/// <c>base_model.model.{module}.lora_A.weight</c>), so adapters move between this library and Python.
/// </summary>
public sealed class LoraAdapter : IDisposable
{
    public const string ConfigFile = "adapter_config.json";
    public const string WeightsFile = "adapter_model.safetensors";
    const string Prefix = "base_model.model.";

    readonly List<(string Module, Linear Linear, LoraLayer Layer)> _layers;

    public LoraConfig Config { get; }

    LoraAdapter(LoraConfig config, List<(string, Linear, LoraLayer)> layers) => (Config, _layers) = (config, layers);

    /// <summary>The trainable factors with their PEFT names.</summary>
    public IReadOnlyList<(string Name, Parameter Parameter)> Parameters =>
        [.. _layers.SelectMany(l => new[] { ($"{Prefix}{l.Module}.lora_A.weight", l.Layer.A), ($"{Prefix}{l.Module}.lora_B.weight", l.Layer.B) })];

    /// <summary>The modules that carry a factor pair, by their names in the model.</summary>
    public IEnumerable<string> Modules => _layers.Select(l => l.Module);

    /// <summary>Attaches fresh factors (B = 0, so outputs do not change) to every targeted linear layer.</summary>
    public static LoraAdapter Attach(CausalLM model, LoraConfig config, long seed)
    {
        config.Validate();
        using var generator = new Generator(unchecked((ulong)seed));
        return AttachWith(model, config, (name, linear) => LoraLayer.Fresh(linear.InFeatures, linear.OutFeatures, config.Rank, config.Scale, generator, model.Device));
    }

    /// <summary>Whether <paramref name="folder"/> holds both files of a saved adapter.</summary>
    public static bool IsSaved(string folder) => File.Exists(Path.Combine(folder, ConfigFile)) && File.Exists(Path.Combine(folder, WeightsFile));

    /// <summary>Refuses, naming the missing file, a folder that does not hold both files of a saved adapter.</summary>
    public static void RequireSaved(string folder)
    {
        foreach (string file in new[] { ConfigFile, WeightsFile })
            if (!File.Exists(Path.Combine(folder, file)))
                throw new PersonaVectorsException($"{Path.Combine(folder, file)} is missing: --adapter expects a PEFT LoRA folder (adapter_config.json, adapter_model.safetensors)");
    }

    /// <summary>Loads a PEFT LoRA adapter folder onto <paramref name="model"/>; refuses one made for another model.</summary>
    public static LoraAdapter Load(CausalLM model, string folder)
    {
        RequireSaved(folder);
        string configPath = Path.Combine(folder, ConfigFile), weightsPath = Path.Combine(folder, WeightsFile);
        var config = ReadConfig(configPath);
        using var file = SafetensorsFile.Open(weightsPath);
        var used = new HashSet<string>();
        var adapter = AttachWith(model, config, (module, linear) =>
        {
            string a = $"{Prefix}{module}.lora_A.weight", b = $"{Prefix}{module}.lora_B.weight";
            foreach (var key in new[] { a, b })
                if (!file.Contains(key)) throw new ModelFormatException(weightsPath, $"no tensor '{key}': the adapter does not cover this model's {module}; is it for another model?");
            using var ta = file.Read(a);
            using var tb = file.Read(b);
            if (ta.shape.Length != 2 || tb.shape.Length != 2 || ta.shape[0] != config.Rank || ta.shape[1] != linear.InFeatures || tb.shape[0] != linear.OutFeatures || tb.shape[1] != config.Rank)
                throw new ModelFormatException(weightsPath, $"{module}: lora_A is [{string.Join(", ", ta.shape)}] and lora_B [{string.Join(", ", tb.shape)}], " +
                    $"but this model needs [{config.Rank}, {linear.InFeatures}] and [{linear.OutFeatures}, {config.Rank}]: the adapter is for another model");
            used.Add(a);
            used.Add(b);
            return new LoraLayer(ta, tb, config.Scale, model.Device);
        });
        var extra = file.Entries.Keys.Where(k => !used.Contains(k)).ToList();
        if (extra.Count > 0)
        {
            adapter.Dispose();
            throw new ModelFormatException(weightsPath, $"{extra.Count} tensors match no module of this model (first: '{extra[0]}'): the adapter is for another model, or uses modules this library does not adapt");
        }
        return adapter;
    }

    static LoraAdapter AttachWith(CausalLM model, LoraConfig config, Func<string, Linear, LoraLayer> make)
    {
        var targets = new List<(string Module, Linear Linear)>();
        foreach (var (name, module) in model.named_modules())
            if (module is Linear linear && config.Targets.Contains(name[(name.LastIndexOf('.') + 1)..]))
            {
                if (linear.Adapter is not null) throw new InvalidRequestException($"{name} already carries an adapter; dispose it before attaching another");
                targets.Add((name, linear));
            }
        if (targets.Count == 0) throw new InvalidRequestException($"no linear layer of the model is named {string.Join(", ", config.Targets)}");
        var layers = new List<(string, Linear, LoraLayer)>();
        try
        {
            foreach (var (name, linear) in targets) layers.Add((name, linear, make(name, linear)));
        }
        catch
        {
            foreach (var (_, _, l) in layers) l.Dispose();
            throw;
        }
        foreach (var (_, linear, layer) in layers) linear.Adapter = layer;
        // Saved configs name only what was adapted, so Python's PEFT sees the same modules.
        var present = config.Targets.Where(t => targets.Any(x => x.Module.EndsWith("." + t, StringComparison.Ordinal))).ToList();
        return new LoraAdapter(config with { Targets = present }, layers);
    }

    public void Save(string folder, string baseModel)
    {
        Directory.CreateDirectory(folder);
        string tmp = Path.Combine(folder, WeightsFile + ".tmp");
        SafetensorsWriter.Write(tmp, Parameters.Select(p => (p.Name, (Tensor)p.Parameter)).ToList(), new Dictionary<string, string> { ["format"] = "pt" });
        File.Move(tmp, Path.Combine(folder, WeightsFile), overwrite: true);
        var json = new JsonObject
        {
            ["peft_type"] = "LORA", ["task_type"] = "CAUSAL_LM", ["base_model_name_or_path"] = baseModel,
            ["r"] = Config.Rank, ["lora_alpha"] = Config.Alpha, ["lora_dropout"] = 0.0,
            ["target_modules"] = new JsonArray(Config.Targets.Select(t => (JsonNode)t).ToArray()),
            ["bias"] = "none", ["fan_in_fan_out"] = false, ["use_rslora"] = false, ["inference_mode"] = true,
            ["modules_to_save"] = null,
        };
        AtomicFile.WriteJson(Path.Combine(folder, ConfigFile), json);
    }

    static LoraConfig ReadConfig(string path)
    {
        JsonNode root;
        try { root = JsonNode.Parse(File.ReadAllText(path)) ?? throw new JsonException("empty"); }
        catch (JsonException e) { throw new ModelFormatException(path, $"not valid JSON ({e.Message})"); }
        string? Str(string key) => root[key] is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;
        if (Str("peft_type") is { } type && type != "LORA") throw new ModelFormatException(path, $"peft_type is {type}; only LORA adapters are supported");
        if (root["fan_in_fan_out"] is JsonValue f && f.GetValue<bool>()) throw new ModelFormatException(path, "fan_in_fan_out adapters (GPT-2 style Conv1D) are not supported");
        if (root["use_rslora"] is JsonValue rs && rs.GetValue<bool>()) throw new ModelFormatException(path, "use_rslora is not supported");
        if (Str("bias") is { } bias && bias != "none") throw new ModelFormatException(path, $"bias '{bias}' is not supported (only \"none\")");
        foreach (var key in new[] { "rank_pattern", "alpha_pattern" })
            if (root[key] is JsonObject o && o.Count > 0) throw new ModelFormatException(path, $"{key} (per-module ranks) is not supported");
        if (root["modules_to_save"] is JsonArray { Count: > 0 }) throw new ModelFormatException(path, "modules_to_save (fully trained extra modules) is not supported");
        int rank = root["r"] is JsonValue r && r.TryGetValue<int>(out int ri) ? ri : throw new ModelFormatException(path, "\"r\" (the rank) is missing or not an integer");
        double alpha = root["lora_alpha"] is JsonValue a && a.TryGetValue<double>(out double ad) ? ad : throw new ModelFormatException(path, "\"lora_alpha\" is missing or not a number");
        var targets = root["target_modules"] switch
        {
            JsonArray arr => arr.Select(t => t?.GetValue<string>() ?? "").ToList(),
            JsonValue v when v.TryGetValue<string>(out var one) => one == "all-linear" ? [.. LoraConfig.AllTargets] : [one],
            _ => throw new ModelFormatException(path, "\"target_modules\" is missing (expected a list such as [\"q_proj\", \"v_proj\"])"),
        };
        var config = new LoraConfig { Rank = rank, Alpha = alpha, Targets = targets };
        try { config.Validate(); }
        catch (InvalidRequestException e) { throw new ModelFormatException(path, e.Message); }
        return config;
    }

    public void Dispose()
    {
        foreach (var (_, linear, layer) in _layers)
        {
            if (ReferenceEquals(linear.Adapter, layer)) linear.Adapter = null;
            layer.Dispose();
        }
        _layers.Clear();
    }
}
