using System.CommandLine;
using PersonaVectors.Engine;
using static TorchSharp.torch;

namespace PersonaVectors.Cli.Commands;

/// <summary>Options shared by the commands that load a model.</summary>
public static class CommonOptions
{
    public static Option<string?> Model() => new("--model") { Description = "Model folder in Hugging Face layout (config.json, *.safetensors, tokenizer.json, tokenizer_config.json), a GGUF file, or ORG/NAME[@REV] from the Hugging Face cache (--pull downloads it); default: the embedded organism" };

    public static Option<string> DType() => new("--dtype")
    {
        Description = "Weights in memory: f32 (default, exact), bf16 (half the memory, faster) or q8 (int8 with a scale per 32 weights, like llama.cpp's Q8_0: a quarter of f32, CPU only); activations stay f32",
        DefaultValueFactory = _ => "f32",
    };

    /// <summary>Refuses a count below 1 while the command line is read, as an input error naming the option.</summary>
    public static Option<int> AtLeastOne(this Option<int> option)
    {
        option.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int>() is var n and < 1) r.AddError($"{option.Name} must be at least 1, got {n}");
        });
        return option;
    }

    /// <summary>--max-tokens: the most tokens per answer (what each command generates differs, so the default is its own).</summary>
    public static Option<int> MaxTokens(int defaultValue = 64, string what = "Most tokens per answer") =>
        new("--max-tokens") { Description = what, DefaultValueFactory = _ => defaultValue };

    /// <summary>--temperature: 0 is greedy decoding.</summary>
    public static Option<double> Temperature(double defaultValue = 0) =>
        new("--temperature") { Description = "Sampling temperature (0 = greedy)", DefaultValueFactory = _ => defaultValue };

    /// <summary>--seed of the sampled answers.</summary>
    public static Option<long> SamplingSeed(long defaultValue = 1, string what = "Sampling seed") =>
        new("--seed") { Description = what, DefaultValueFactory = _ => defaultValue };

    /// <summary>--when: gate steering on the trait's monitor (<see cref="Method.Steering.SteeringGate"/>).</summary>
    public static Option<string> When() => new("--when")
    {
        Description = "always; above: only if the trait's monitor flags the prompt (its before-answer reading is over the run's threshold), then for the whole answer; per-token: from the first position where the answer's running reading crosses its threshold (or from the prompt, as above) to the end of the answer. Gates need the vector's extraction run",
        DefaultValueFactory = _ => "always",
    };

    public static Method.Steering.SteeringGate ParseWhen(string? s) => Method.Steering.SteeringGates.TryParse(s)
        ?? throw new PersonaVectorsException($"--when '{s}' is not one of {Method.Steering.SteeringGates.Names}");

    public static Option<bool> Json() => new("--json") { Description = "Print JSON instead of text" };

    public static ScalarType ParseDType(string s) => s switch
    {
        "f32" or "float32" => ScalarType.Float32,
        "bf16" or "bfloat16" => ScalarType.BFloat16,
        "q8" or "q8_0" => ScalarType.Int8,
        _ => throw new PersonaVectorsException($"--dtype '{s}' is not one of f32, bf16, q8"),
    };

    public static Option<string?> Adapter() => new("--adapter") { Description = "LoRA adapter folder (PEFT layout: adapter_config.json, adapter_model.safetensors) applied on top of --model, e.g. from persona finetune" };

    /// <summary>--shard I/N (1-based) as a 0-based part and the number of parts; none means the whole.</summary>
    public static (int Part, int Parts) ParseShard(string? spec)
    {
        if (spec is null) return (0, 1);
        var bits = spec.Split('/');
        if (bits.Length != 2 || !int.TryParse(bits[0], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int i)
            || !int.TryParse(bits[1], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int n) || n < 1 || i < 1 || i > n)
            throw new PersonaVectorsException($"--shard '{spec}': expected I/N with 1 <= I <= N, e.g. 2/4");
        return (i - 1, n);
    }

    /// <summary>
    /// The shape of --model (<see cref="LanguageModel.ReadConfig"/>), with --dtype and --adapter checked as a load would
    /// take them, without loading anything.
    /// </summary>
    public static Engine.Models.ModelConfig Config(string? folder, string dtype, string? adapter)
    {
        ParseDType(dtype);
        if (adapter is not null) Engine.Lora.LoraAdapter.RequireSaved(adapter);
        return LanguageModel.ReadConfig(EmbeddedModel.Resolve(folder));
    }

    public static LanguageModel Load(string? folder, string dtype, string? adapter = null) =>
        LanguageModel.Load(EmbeddedModel.Resolve(folder), ParseDType(dtype), adapter: adapter);
}
