using System.CommandLine;
using PersonaVectors.Method;
using static TorchSharp.torch;

namespace PersonaVectors.Cli.Commands;

/// <summary>persona vectors cosine: how similar persona vectors are, layer by layer or at one layer.</summary>
public static class VectorsCommand
{
    public static Command Create() => new("vectors", "Inspect persona vector files") { Cosine() };

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
                            Console.WriteLine($"layer {l,3}  {vectors[i].Trait} · {vectors[j].Trait}  {c.item<float>(),7:F3}");
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
