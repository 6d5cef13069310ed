using System.CommandLine;
using System.Globalization;
using PersonaVectors.Engine.Models;
using PersonaVectors.Method;
using PersonaVectors.Method.Extraction;
using static TorchSharp.torch;

namespace PersonaVectors.Cli.Commands;

/// <summary>
/// persona vectors: compare vector files (cosine), and move them to and from llama.cpp's control-vector GGUF
/// (export-gguf, import-gguf).
/// </summary>
public static class VectorsCommand
{
    public static Command Create() => new("vectors", "Inspect persona vector files and convert them to and from llama.cpp control vectors") { Cosine(), Combine(), ExportGguf(), ImportGguf() };

    static Command Combine()
    {
        var expression = new Argument<string>("expression") { Description = "Linear combination, e.g. \"evil - 0.5*sycophantic\": names are runs in --runs or vector files" };
        var runs = new Option<string?>("--runs") { Description = "Folder of extraction runs (e.g. persona-demo) where names are looked up" };
        var projectOut = new Option<string?>("--project-out") { Description = "A name or file whose direction is removed from the result at every layer" };
        var trait = new Option<string>("--trait") { Description = "Name of the result (what the chat and the server call it)", DefaultValueFactory = _ => "combined" };
        var output = new Option<string>("--out") { Description = "Persona vector file to write (.safetensors)", Required = true };
        var cmd = new Command("combine", "Linear arithmetic on persona vectors, layer by layer, with an optional direction projected out") { expression, runs, projectOut, trait, output };
        cmd.SetAction(r =>
        {
            string expr = r.GetValue(expression)!;
            var terms = VectorArithmetic.Parse(expr);
            var loaded = new List<PersonaVector>();
            try
            {
                PersonaVector Find(string name)
                {
                    string? dir = r.GetValue(runs);
                    string path = File.Exists(name) ? name
                        : dir is not null && ExtractionRun.IsRun(Path.Combine(dir, name)) ? ExtractionRun.VectorPath(Path.Combine(dir, name))
                        : throw new PersonaVectorsException($"'{name}' is neither a vector file nor an extraction run in {dir ?? "(no --runs given)"}");
                    var v = PersonaVector.Load(path);
                    loaded.Add(v);
                    return v;
                }
                var parts = terms.Select(t => (t.Coefficient, Find(t.Name).Vectors)).ToList();
                using var combined = VectorArithmetic.Combine(parts);
                using var result = r.GetValue(projectOut) is { } other ? VectorArithmetic.ProjectOut(combined, Find(other).Vectors) : combined.alias();
                var first = loaded[0];
                using var v = new PersonaVector(result, r.GetValue(trait)!, first.Model, "combined",
                    new Dictionary<string, string> { ["expression"] = expr + (r.GetValue(projectOut) is { } p ? $", {p} projected out" : "") });
                v.Save(r.GetValue(output)!);
                Console.WriteLine($"wrote {r.GetValue(output)}: {r.GetValue(trait)} = {v.Metadata["expression"]}");
            }
            finally
            {
                foreach (var v in loaded) v.Dispose();
            }
            return 0;
        });
        return cmd;
    }

    static Command ExportGguf()
    {
        var vector = new Option<string>("--vector") { Description = "Persona vector file (.safetensors, or a control vector)", Required = true };
        var layers = new Option<string?>("--layers")
        {
            Description = $"Our layers to export, A-B or A (row l is the output of block l; llama.cpp can take rows {ControlVectorFile.FirstRow}..n). Default: the extraction run's chosen layer, else every row llama.cpp can take",
        };
        var scale = new Option<double>("--scale") { Description = "Multiply the vectors by this (α baked into the file; llama.cpp's own scale multiplies again)", DefaultValueFactory = _ => 1.0 };
        var hint = new Option<string?>("--model-hint") { Description = "controlvector.model_hint: the llama.cpp architecture (default: from the vector's model folder, else llama)" };
        var output = new Option<string>("--out") { Description = "Control-vector file to write (.gguf)", Required = true };
        var cmd = new Command("export-gguf", "Write a persona vector as a llama.cpp control vector (apply it with llama-cli --control-vector F.gguf)") { vector, layers, scale, hint, output };
        cmd.SetAction(r =>
        {
            string path = r.GetValue(vector)!, outPath = r.GetValue(output)!;
            using var v = PersonaVector.Load(path);
            var (first, last) = r.GetValue(layers) is { } given ? ParseRange(given, "--layers")
                : ExtractionRun.OfVector(path) is { } run ? (ExtractionRun.ChosenLayer(run), ExtractionRun.ChosenLayer(run))
                : v.ControlRows is { } rows ? (rows.Min(), rows.Max())
                : (ControlVectorFile.FirstRow, v.NumLayers);
            string modelHint = r.GetValue(hint) ?? HintOf(v);
            ControlVectorFile.Write(v, outPath, first, last, r.GetValue(scale), modelHint);
            string directions = first == last ? $"direction.{ControlVectorFile.DirectionOf(first)}" : $"direction.{ControlVectorFile.DirectionOf(first)}..{ControlVectorFile.DirectionOf(last)}";
            Console.WriteLine($"wrote {outPath}: {v.Trait}, layers {first}-{last} as {directions}, scale {r.GetValue(scale).ToString(CultureInfo.InvariantCulture)}, model_hint {modelHint}");
            return 0;
        });
        return cmd;
    }

    static Command ImportGguf()
    {
        var vector = new Option<string>("--vector") { Description = "llama.cpp control-vector file (.gguf), from this tool, llama.cpp's cvector-generator or repeng", Required = true };
        var model = new Option<string?>("--model") { Description = "Model folder the vector is for: sizes the vector to it and checks that it fits (default: the depth the file declares)" };
        var trait = new Option<string?>("--trait") { Description = "Trait name to record (default: the file's, else its file name)" };
        var output = new Option<string>("--out") { Description = "Persona vector file to write (.safetensors)", Required = true };
        var cmd = new Command("import-gguf", "Read a llama.cpp control vector into a persona vector file (direction.N becomes layer N + 1)") { vector, model, trait, output };
        cmd.SetAction(r =>
        {
            string path = r.GetValue(vector)!;
            ModelConfig? config = r.GetValue(model) is { } dir ? ModelConfig.Load(Path.Combine(EmbeddedModel.Resolve(dir), "config.json")) : null;
            using var read = ControlVectorFile.Read(path, config?.NumHiddenLayers, config?.HiddenSize);
            using var v = r.GetValue(trait) is { } name ? new PersonaVector(read.Vectors, name, read.Model, read.Kind, read.Metadata) : null;
            var written = v ?? read;
            written.Save(r.GetValue(output)!);
            Console.WriteLine($"wrote {r.GetValue(output)}: {written.Trait}, layers {string.Join(",", read.ControlRows!)} of 0..{read.NumLayers}, hidden {read.HiddenSize}");
            return 0;
        });
        return cmd;
    }

    /// <summary>"A-B" or "A", inclusive.</summary>
    static (int, int) ParseRange(string s, string option)
    {
        var parts = s.Split('-');
        bool ok = parts.Length is 1 or 2 && parts.All(p => int.TryParse(p, NumberStyles.None, CultureInfo.InvariantCulture, out _));
        if (!ok) throw new PersonaVectorsException($"{option} '{s}': expected A-B or A, with A and B layer numbers");
        int a = int.Parse(parts[0], CultureInfo.InvariantCulture);
        return (a, parts.Length == 2 ? int.Parse(parts[1], CultureInfo.InvariantCulture) : a);
    }

    /// <summary>The llama.cpp architecture of the model folder the vector was extracted from, when that folder is here.</summary>
    static string HintOf(PersonaVector v)
    {
        if (v.Metadata.TryGetValue("model_hint", out var h) && h.Length > 0) return h;
        string config = Path.Combine(v.Model, "config.json");
        if (Directory.Exists(v.Model) && File.Exists(config)) return Engine.Gguf.GgufExport.ArchitectureOf(ModelConfig.Load(config));
        return "llama";
    }

    static Command Cosine()
    {
        var files = new Argument<string[]>("files") { Description = "Two or more persona vector files of the same model", Arity = ArgumentArity.OneOrMore };
        var layer = new Option<int?>("--layer") { Description = "Only this layer (default: every layer)" };
        var cmd = new Command("cosine", "Cosine similarity between persona vectors") { files, layer };
        cmd.SetAction(r =>
        {
            var paths = r.GetValue(files)!;
            if (paths.Length < 2) throw new PersonaVectorsException("give at least two vector files");
            var vectors = paths.Select(PersonaVector.Load).ToList();
            try
            {
                var first = vectors[0];
                foreach (var (v, p) in vectors.Zip(paths).Skip(1))
                    if (v.NumLayers != first.NumLayers || v.HiddenSize != first.HiddenSize)
                        throw new PersonaVectorsException($"{p}: shape [{v.NumLayers + 1}, {v.HiddenSize}] differs from {paths[0]}'s [{first.NumLayers + 1}, {first.HiddenSize}]");
                var layers = r.GetValue(layer) is { } only ? [only] : Enumerable.Range(0, first.NumLayers + 1).ToArray();
                foreach (int l in layers)
                    for (int i = 0; i < vectors.Count; i++)
                        for (int j = i + 1; j < vectors.Count; j++)
                        {
                            using var a = vectors[i].At(l);
                            using var b = vectors[j].At(l);
                            using var c = nn.functional.cosine_similarity(a, b, 0);
                            Console.WriteLine($"layer {l,3}  {vectors[i].Trait} · {vectors[j].Trait}  {c.item<float>(),8:F5}");
                        }
            }
            finally
            {
                foreach (var v in vectors) v.Dispose();
            }
            return 0;
        });
        return cmd;
    }
}
