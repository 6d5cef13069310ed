using System.Text.Json.Nodes;
using PersonaVectors.Engine;
using PersonaVectors.Engine.Models;
using static TorchSharp.torch;

namespace PersonaVectors.Tests.Fixtures;

/// <summary>A complete random model folder (weights, tokenizer, chat template) in a temporary directory.</summary>
public sealed class RandomModelFolder : IDisposable
{
    readonly TempDir _dir = new();

    public RandomModelFolder(JsonObject? config = null, ScalarType stored = ScalarType.Float32, int shards = 1, long seed = 5)
    {
        Config = ModelConfig.Parse(config ?? TinyConfigs.Qwen2Json(), "test config");
        RandomModel.Write(Config, Path, seed, stored, shards);
    }

    public ModelConfig Config { get; }
    public string Path => _dir.Path;
    public string this[string name] => _dir[name];

    public void Dispose() => _dir.Dispose();
}
