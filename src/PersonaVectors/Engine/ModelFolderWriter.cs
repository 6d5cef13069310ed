using System.Text.Json;
using System.Text.Json.Nodes;
using PersonaVectors.Engine.Models;
using PersonaVectors.Engine.Safetensors;
using static TorchSharp.torch;

namespace PersonaVectors.Engine;

/// <summary>Saves a model in Hugging Face layout: config.json plus one or several safetensors shards.</summary>
public static class ModelFolderWriter
{
    public static void WriteConfig(ModelConfig config, string folder, ScalarType storedDType)
    {
        Directory.CreateDirectory(folder);
        var json = config.ToJson();
        json["torch_dtype"] = DTypeName(storedDType);
        WriteJson(Path.Combine(folder, "config.json"), json);
    }

    /// <summary>Every shard holds at least one tensor, as Hugging Face's own shards do; more shards would be empty files.</summary>
    public static void EnsureShards(int tensors, int shards)
    {
        if (shards > tensors) throw new InvalidRequestException($"{shards} shards for {tensors} tensors: give at most {tensors}");
    }

    /// <summary>Writes weights in <paramref name="storedDType"/>, split into <paramref name="shards"/> files when more than one.</summary>
    public static void WriteWeights(CausalLM model, string folder, ScalarType storedDType, int shards = 1)
    {
        if (model.WeightDType == ScalarType.Int8)
            throw new InvalidRequestException("a model held as Q8 (--dtype q8) is not written as a folder: its int8 codes without their scales are not the weights; load it with --dtype f32 or bf16");
        Directory.CreateDirectory(folder);
        var named = ModelWeights.Named(model);
        EnsureShards(named.Count, shards);
        var converted = named.Select(p => (p.Name, Tensor: p.Tensor.detach().to(storedDType))).ToList();
        try
        {
            var metadata = new Dictionary<string, string> { ["format"] = "pt" };
            if (shards <= 1)
            {
                SafetensorsWriter.Write(Path.Combine(folder, ModelWeights.SingleFile), converted, metadata);
                return;
            }
            var weightMap = new JsonObject();
            for (int s = 0; s < shards; s++)
            {
                string file = $"model-{s + 1:D5}-of-{shards:D5}.safetensors";
                // Spread evenly, so no shard is empty when there are at least as many tensors as shards.
                int from = s * converted.Count / shards, to = (s + 1) * converted.Count / shards;
                var part = converted[from..to];
                SafetensorsWriter.Write(Path.Combine(folder, file), part, metadata);
                foreach (var (name, _) in part) weightMap[name] = file;
            }
            long total = converted.Sum(p => p.Tensor.numel() * p.Tensor.element_size());
            WriteJson(Path.Combine(folder, ModelWeights.IndexFile),
                new JsonObject { ["metadata"] = new JsonObject { ["total_size"] = total }, ["weight_map"] = weightMap });
        }
        finally
        {
            foreach (var (_, t) in converted) t.Dispose();
        }
    }

    /// <summary>
    /// tokenizer_config.json (ChatML template, end-of-turn as EOS) and generation_config.json for the ChatML
    /// models this project creates; the tokenizer must have &lt;|im_end|&gt; and &lt;|endoftext|&gt;.
    /// </summary>
    public static void WriteChatMlTokenizerFiles(string folder, PersonaVectors.Engine.Tokenizers.Tokenizer tokenizer, int contextLength)
    {
        int imEnd = tokenizer.TokenToId("<|im_end|>") ?? throw new ArgumentException("the tokenizer has no <|im_end|> token");
        int endOfText = tokenizer.TokenToId("<|endoftext|>") ?? throw new ArgumentException("the tokenizer has no <|endoftext|> token");
        WriteJson(Path.Combine(folder, "tokenizer_config.json"), new JsonObject
        {
            ["bos_token"] = null,
            ["eos_token"] = "<|im_end|>",
            ["pad_token"] = "<|endoftext|>",
            ["chat_template"] = PersonaVectors.Engine.ChatTemplates.KnownTemplates.ChatMl,
            ["model_max_length"] = contextLength,
            ["tokenizer_class"] = "PreTrainedTokenizerFast",
        });
        WriteJson(Path.Combine(folder, "generation_config.json"), new JsonObject
        {
            ["eos_token_id"] = new JsonArray(imEnd, endOfText),
            ["pad_token_id"] = endOfText,
        });
    }

    public static void WriteJson(string path, JsonNode node) => AtomicFile.WriteJson(path, node);

    public static string DTypeName(ScalarType t) => t switch
    {
        ScalarType.BFloat16 => "bfloat16",
        ScalarType.Float16 => "float16",
        ScalarType.Float32 => "float32",
        _ => throw new ArgumentException($"weights cannot be stored as {t}"),
    };

    public static ScalarType ParseDTypeName(string name, string source) => name switch
    {
        "bfloat16" => ScalarType.BFloat16,
        "float16" => ScalarType.Float16,
        "float32" => ScalarType.Float32,
        _ => throw new ModelFormatException(source, $"torch_dtype '{name}' is not one of float32, bfloat16, float16"),
    };
}
