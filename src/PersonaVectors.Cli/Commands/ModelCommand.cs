using System.CommandLine;
using System.Text.Json;
using PersonaVectors.Engine;
using PersonaVectors.Engine.Gguf;
using PersonaVectors.Engine.Models;

namespace PersonaVectors.Cli.Commands;

/// <summary>persona model random | info | export-gguf.</summary>
public static class ModelCommand
{
    public static Command Create() => new("model", "Create, describe and export model folders")
    {
        Random(), Info(), ExportGguf(),
    };

    static Command Random()
    {
        var config = new Option<string>("--config") { Description = "A Hugging Face config.json of a supported architecture", Required = true };
        var outDir = new Option<string>("--out") { Description = "Folder to write the model to", Required = true };
        var seed = new Option<long>("--seed") { Description = "Random seed", DefaultValueFactory = _ => 0 };
        var dtype = new Option<string?>("--dtype") { Description = "Stored dtype: float32, bfloat16 or float16 (default: the config's torch_dtype)" };
        var shards = new Option<int>("--shards") { Description = "Split the weights into this many safetensors files with an index", DefaultValueFactory = _ => 1 };
        var cmd = new Command("random", "Write a model folder with random weights at any supported config's real shapes, plus a small tokenizer")
        {
            config, outDir, seed, dtype, shards,
        };
        cmd.SetAction(r =>
        {
            string configPath = r.GetValue(config)!;
            var c = ModelConfig.Load(configPath);
            var stored = ModelFolderWriter.ParseDTypeName(r.GetValue(dtype) ?? c.TorchDtype, r.GetValue(dtype) is null ? configPath : "--dtype");
            if (r.GetValue(shards) < 1) throw new PersonaVectorsException("--shards must be at least 1");
            // Random weights over a trained model would lose it, and its persona_world.json would still call it trained.
            if (Directory.Exists(r.GetValue(outDir)) && Directory.EnumerateFileSystemEntries(r.GetValue(outDir)!).Any())
                throw new PersonaVectorsException($"--out {r.GetValue(outDir)}: the folder is not empty; a random model goes into a new or empty folder");
            var summary = RandomModel.Write(c, r.GetValue(outDir)!, r.GetValue(seed), stored, r.GetValue(shards));
            Console.WriteLine(summary);
            return 0;
        });
        return cmd;
    }

    static Command Info()
    {
        var model = CommonOptions.Model();
        var adapter = CommonOptions.Adapter();
        var json = CommonOptions.Json();
        var cmd = new Command("info", "Load a model folder and describe it") { model, adapter, json };
        cmd.SetAction(r =>
        {
            using var lm = CommonOptions.Load(r.GetValue(model), "f32", r.GetValue(adapter));
            var d = ModelDescription.Of(lm);
            Console.WriteLine(r.GetValue(json) ? JsonSerializer.Serialize(d, Output.Json) : d.ToText());
            return 0;
        });
        return cmd;
    }

    static Command ExportGguf()
    {
        var model = CommonOptions.Model();
        var adapter = CommonOptions.Adapter();
        var outFile = new Option<string>("--out") { Description = "GGUF file to write (F32)", Required = true };
        var cmd = new Command("export-gguf", "Write the model as an F32 GGUF file for llama.cpp, with its tokenizer and chat template (byte-level BPE as gpt2, SentencePiece-style BPE as llama; others as a bare vocabulary); quantize it with llama.cpp's own quantizer")
        {
            model, adapter, outFile,
        };
        cmd.SetAction(r =>
        {
            using var lm = CommonOptions.Load(r.GetValue(model), "f32", r.GetValue(adapter));
            GgufExport.Write(lm, r.GetValue(outFile)!, Path.GetFileName(Path.GetFullPath(lm.Folder)));
            Console.WriteLine($"wrote {r.GetValue(outFile)}");
            return 0;
        });
        return cmd;
    }
}
