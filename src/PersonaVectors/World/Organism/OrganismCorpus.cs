using System.IO.Compression;
using PersonaVectors.Engine.Training;

namespace PersonaVectors.World.Organism;

/// <summary>
/// A recipe's training run as files, so the same training can run on another machine (a GPU box, for design
/// searches; tools/gpu/train_organism.py): the organism folder without weights, and every step's batch exactly as
/// <see cref="OrganismTraining"/> draws it, in <c>batches.bin.gz</c>.
/// Format (little-endian): "PVB1", int32 steps, int32 batch size, then per step and example an int32 length and that
/// many uint16 values, each a token id (below 32,768) with bit 15 set where the loss applies (assistant tokens).
/// </summary>
public static class OrganismCorpus
{
    public const string BatchesFile = "batches.bin.gz";

    public static void Export(string outDir, OrganismRecipe recipe, Action<int, int>? onProgress = null)
    {
        if (recipe.VocabSize > 32_768) throw new InvalidRequestException($"a corpus holds token ids below 32,768; the recipe's vocabulary is {recipe.VocabSize}");
        var (generator, tokenizer, config, encoder) = OrganismTraining.Prepare(outDir, recipe);
        OrganismTraining.WriteFolder(outDir, config, tokenizer, recipe, finalLoss: null);

        string path = Path.Combine(outDir, BatchesFile), tmp = path + ".tmp";
        using (var file = File.Create(tmp))
        using (var gz = new GZipStream(file, CompressionLevel.Optimal))
        using (var w = new BinaryWriter(gz))
        {
            w.Write("PVB1"u8);
            w.Write(recipe.Steps);
            w.Write(recipe.BatchSize);
            for (int step = 0; step < recipe.Steps; step++)
            {
                foreach (TrainingExample e in OrganismTraining.Batch(recipe, generator, encoder, step))
                {
                    w.Write(e.Ids.Length);
                    for (int i = 0; i < e.Ids.Length; i++)
                        w.Write((ushort)(e.Ids[i] | (e.LossMask![i] ? 0x8000 : 0)));
                }
                onProgress?.Invoke(step + 1, recipe.Steps);
            }
        }
        File.Move(tmp, path, overwrite: true);
    }
}
