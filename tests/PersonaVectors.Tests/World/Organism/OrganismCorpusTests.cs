using System.IO.Compression;
using System.Text.RegularExpressions;
using PersonaVectors.Engine.Tokenizers;
using PersonaVectors.Tests.Fixtures;
using PersonaVectors.World;
using PersonaVectors.World.Organism;

namespace PersonaVectors.Tests.World.Organism;

public class OrganismCorpusTests
{
    static readonly OrganismRecipe Tiny = new()
    {
        HiddenSize = 32, Layers = 2, Heads = 2, KeyValueHeads = 1, IntermediateSize = 64, VocabSize = 400,
        TokenizerConversations = 300, Steps = 3, BatchSize = 5,
        World = OrganismDesigns.Named["voice-spontaneous"].Recipe.World,
    };

    /// <summary>Reads batches.bin.gz by its documented layout, independently of the writer.</summary>
    static List<List<(int[] Ids, bool[] Mask)>> ReadBatches(string path, out int steps, out int batch)
    {
        using var r = new BinaryReader(new GZipStream(File.OpenRead(path), CompressionMode.Decompress));
        Assert.Equal("PVB1"u8.ToArray(), r.ReadBytes(4));
        steps = r.ReadInt32();
        batch = r.ReadInt32();
        var all = new List<List<(int[], bool[])>>();
        for (int s = 0; s < steps; s++)
        {
            var examples = new List<(int[], bool[])>();
            for (int b = 0; b < batch; b++)
            {
                int n = r.ReadInt32();
                var values = Enumerable.Range(0, n).Select(_ => r.ReadUInt16()).ToArray();
                examples.Add((values.Select(v => v & 0x7FFF).ToArray(), values.Select(v => (v & 0x8000) != 0).ToArray()));
            }
            all.Add(examples);
        }
        Assert.Equal(-1, r.BaseStream.ReadByte());
        return all;
    }

    [Fact]
    public void The_corpus_holds_the_trainers_batches_with_the_loss_on_assistant_turns()
    {
        using var dir = new TempDir();
        OrganismCorpus.Export(dir.Path, Tiny);
        var batches = ReadBatches(Path.Combine(dir.Path, OrganismCorpus.BatchesFile), out int steps, out int batch);
        Assert.Equal((3, 5), (steps, batch));

        var tokenizer = Tokenizer.FromFile(Path.Combine(dir.Path, "tokenizer.json"));
        var generator = new ConversationGenerator(WorldArtifacts.HeldOutQuestions, Tiny.World);
        var encoder = new ChatMlEncoder(tokenizer);
        for (int s = 0; s < steps; s++)
        {
            var expected = OrganismTraining.Batch(Tiny, generator, encoder, s);
            for (int b = 0; b < batch; b++)
            {
                var (ids, mask) = batches[s][b];
                Assert.Equal(expected[b].Ids, ids);
                Assert.Equal(expected[b].LossMask, mask);
                // The masked tokens are exactly the assistant turns, each with the <|im_end|> that closes it.
                string text = tokenizer.Decode(ids, skipSpecialTokens: false);
                string learned = string.Concat(ids.Where((_, i) => mask[i]).Select(id => tokenizer.Decode([id], skipSpecialTokens: false)));
                var turns = Regex.Matches(text, @"<\|im_start\|>assistant\n(.*?<\|im_end\|>)", RegexOptions.Singleline).Select(m => m.Groups[1].Value);
                Assert.Equal(string.Concat(turns), learned);
            }
        }
        // Everything of the organism folder but the weights, with a recipe that trains the same run.
        OrganismMarker.Require(dir.Path);
        Assert.Equal(Tiny, OrganismMarker.Recipe(dir.Path));
        Assert.DoesNotContain("final_loss", File.ReadAllText(Path.Combine(dir.Path, OrganismMarker.FileName)));
        Assert.True(File.Exists(Path.Combine(dir.Path, "config.json")));
        Assert.False(File.Exists(Path.Combine(dir.Path, "model.safetensors")));
    }
}
