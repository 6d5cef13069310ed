using PersonaVectors.Engine;
using PersonaVectors.Engine.Training;

namespace PersonaVectors.Method.Finetuning;

/// <summary>What to do with a conversation longer than the context.</summary>
public enum TooLongPolicy { Truncate, Skip }

/// <summary>What loading a dataset did: how many conversations it kept, and how many it skipped or cut, and why.</summary>
public sealed record DataReport(int Used, int SkippedBadLines, int Truncated, int SkippedTooLong, IReadOnlyList<string> Notes);

/// <summary>A chat JSONL file turned into training examples for the model, with the losses on assistant tokens.</summary>
public static class FinetuneData
{
    public static (List<TrainingExample> Examples, DataReport Report) Load(LanguageModel lm, string path, BadLinePolicy badLines = BadLinePolicy.Stop,
        TooLongPolicy tooLong = TooLongPolicy.Truncate, int? maxLength = null)
    {
        int limit = Math.Min(maxLength ?? int.MaxValue, lm.Config.MaxPositionEmbeddings);
        var encoder = new ChatTrainingEncoder(lm);
        var examples = new List<TrainingExample>();
        var notes = new List<string>();
        int bad = 0, truncated = 0, tooLongSkipped = 0;
        void Note(string s) { if (notes.Count < 20) notes.Add(s); }
        foreach (var record in ChatJsonl.Read(path, badLines, (line, why) => { bad++; Note($"line {line} skipped: {why}"); }))
        {
            var e = encoder.Encode(record.Messages);
            if (e.Ids.Length > limit)
            {
                var cut = new TrainingExample(e.Ids[..limit], e.LossMask[..limit]);
                if (tooLong == TooLongPolicy.Skip || cut.MaskedCount == 0)
                {
                    tooLongSkipped++;
                    Note($"line {record.Line} skipped: {e.Ids.Length} tokens, more than {limit}{(cut.MaskedCount == 0 ? ", and no assistant token is left when cut" : "")}");
                    continue;
                }
                truncated++;
                Note($"line {record.Line} cut from {e.Ids.Length} to {limit} tokens");
                e = cut;
            }
            examples.Add(e);
        }
        if (examples.Count == 0) throw new PersonaVectorsException($"{path}: no usable conversation ({bad} bad lines, {tooLongSkipped} too long)");
        return (examples, new DataReport(examples.Count, bad, truncated, tooLongSkipped, notes));
    }
}
