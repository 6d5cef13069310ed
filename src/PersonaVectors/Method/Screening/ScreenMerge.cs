using System.Text.Json.Nodes;

namespace PersonaVectors.Method.Screening;

/// <summary>
/// Combines the outputs of sharded screening runs (each machine took <c>--shard I/N</c>) into one scores.jsonl in
/// line order, as one unsharded run writes it, and one answer cache.
/// </summary>
public static class ScreenMerge
{
    public static int Merge(IReadOnlyList<string> parts, string outDir)
    {
        if (parts.Count == 0) throw new InvalidRequestException("give the shard folders to merge");
        var lines = new SortedDictionary<int, string>();
        var answers = new Dictionary<string, string>();
        foreach (var part in parts)
        {
            string scores = Path.Combine(part, DataScreen.ScoresFile);
            if (!File.Exists(scores)) throw new PersonaVectorsException($"{scores} is missing: not a screening output folder");
            int number = 0;
            foreach (string line in File.ReadLines(scores))
            {
                number++;
                if (line.Length == 0) continue;
                // Each part's lines are read whole here, so a broken one is named in its own file before anything is written.
                int sample = ScreenRecord.Parse(line, scores, number).Line;
                if (lines.ContainsKey(sample)) throw new PersonaVectorsException($"sample on line {sample} of the data appears in two shards (again in {scores}): were the shards given different --shard I/N?");
                lines[sample] = line;
            }
            string cache = Path.Combine(part, DataScreen.AnswersFile);
            if (File.Exists(cache))
                foreach (string line in File.ReadLines(cache))
                {
                    if (line.Length == 0) continue;
                    string? key;
                    try { key = JsonNode.Parse(line)?["key"]?.GetValue<string>(); }
                    catch (Exception e) when (e is System.Text.Json.JsonException or InvalidOperationException) { key = null; }
                    // The cache only saves generating again, so a broken line costs one answer, not the merge.
                    if (key is not null) answers.TryAdd(key, line);
                }
        }
        Directory.CreateDirectory(outDir);
        AtomicFile.WriteAllText(Path.Combine(outDir, DataScreen.ScoresFile), string.Concat(lines.Values.Select(l => l + "\n")));
        AtomicFile.WriteAllText(Path.Combine(outDir, DataScreen.AnswersFile), string.Concat(answers.Values.Select(l => l + "\n")));
        return lines.Count;
    }
}
