using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Security.Cryptography;
using PersonaVectors.Engine;
using PersonaVectors.Engine.ChatTemplates;
using PersonaVectors.Engine.Generation;
using PersonaVectors.Engine.Models;
using PersonaVectors.Method.Extraction;
using PersonaVectors.Method.Finetuning;
using static TorchSharp.torch;

namespace PersonaVectors.Method.Screening;

/// <summary>Settings of a screening run.</summary>
public sealed record ScreenOptions
{
    /// <summary>Samples per chunk: generated, read and written together.</summary>
    public int BatchSize { get; init; } = 64;
    public int MaxNewTokens { get; init; } = 64;
    /// <summary>This run takes the samples whose line number n has (n − 1) mod Shards == Shard.</summary>
    public int Shard { get; init; }
    public int Shards { get; init; } = 1;
    public BadLinePolicy BadLines { get; init; } = BadLinePolicy.Stop;
    /// <summary>Where a Parquet dataset keeps its conversations (ignored for JSONL).</summary>
    public ChatColumns? Columns { get; init; }
}

/// <summary>
/// Progress of a screening run: samples scored so far (this run and earlier ones), lines skipped, and the samples this
/// run scored, which alone the throughput counts.
/// </summary>
public readonly record struct ScreenProgress(int Scored, int Skipped, double SamplesPerSecond, int ScoredThisRun);

/// <summary>
/// Screens chat data (JSONL, or Parquet read a row group at a time) for trait-inducing samples (the paper's section 6): for each sample, the projection difference
/// between its own last assistant answer and the model's own greedy answer to the same prompt, along every
/// vector at once. The input is streamed in chunks (generation and activation reads are batched per chunk), scores
/// append to OUT/scores.jsonl as chunks finish, and the model's answers are cached in OUT/model_answers.jsonl by
/// prompt, so a killed run resumes where it stopped. A folder holds one run: a rerun with other data, vectors or
/// layers is refused, and one in a new folder that holds a copy of the cached answers (and their claim) generates nothing again.
/// </summary>
public sealed class DataScreen(LanguageModel lm, IReadOnlyList<TraitVector> vectors, ScreenOptions options, string outDir)
{
    public const string ScoresFile = "scores.jsonl", AnswersFile = "model_answers.jsonl";
    /// <summary>Claims on the folder (<see cref="RunClaim"/>): the cached answers' model, and everything the scores depend on.</summary>
    public const string AnswersClaimFile = "model_answers.run.json", ScoresClaimFile = "scores.run.json";

    sealed record ScoreKey(string Key);
    sealed record Sample(int Line, string Prompt, int[] PromptIds, int[] AnswerIds);

    public ScreenProgress Run(string dataPath, Action<ScreenProgress>? progress = null, Action<int, string>? skipped = null, CancellationToken cancel = default)
    {
        if (vectors.Count == 0) throw new InvalidRequestException("screening needs at least one vector");
        if (options.Shards < 1 || options.Shard < 0 || options.Shard >= options.Shards)
            throw new InvalidRequestException($"shard {options.Shard + 1}/{options.Shards} does not exist: give --shard I/N with 1 <= I <= N");
        foreach (var v in vectors)
            v.EnsureFits(lm.Config);
        Directory.CreateDirectory(outDir);
        string scoresPath = Path.Combine(outDir, ScoresFile);
        // Only the keys of finished samples are held, so memory does not grow with the output.
        var done = new RunFile<ScoreKey>(scoresPath, r => r.Key);
        var answers = new RunFile<CachedAnswer>(Path.Combine(outDir, AnswersFile), r => r.Key);

        int scored = done.Records.Count, bad = 0;
        var clock = Stopwatch.StartNew();
        int thisRun = 0;
        var chunk = new List<Sample>(options.BatchSize);
        void Flush()
        {
            if (chunk.Count == 0) return;
            cancel.ThrowIfCancellationRequested();
            RunFile<ScreenRecord>.AppendTo(scoresPath, Score(chunk, answers, cancel));
            scored += chunk.Count;
            thisRun += chunk.Count;
            chunk.Clear();
            progress?.Invoke(new ScreenProgress(scored, bad, thisRun / Math.Max(clock.Elapsed.TotalSeconds, 1e-9), thisRun));
        }
        using var records = ChatData.Read(dataPath, options.Columns, options.BadLines, (line, why) => { bad++; skipped?.Invoke(line, why); }).GetEnumerator();
        // Opening the data first names a missing or unreadable file before the folder is claimed for it.
        bool more = records.MoveNext();
        // Scores are keyed by line, so a rerun on other data, vectors or layers would otherwise report the old ones as its own.
        string model = ModelIdentity();
        RunClaim.Claim(outDir, AnswersClaimFile, RunClaim.Hash(model), "model, dtype, adapter or answer length (the cached answers are that model's)");
        RunClaim.Claim(outDir, ScoresClaimFile, ScoresFingerprint(model, dataPath), "data, vectors, layers, shard or columns");
        for (; more; more = records.MoveNext())
        {
            var record = records.Current;
            if ((record.Line - 1) % options.Shards != options.Shard || done.Contains(Key(record.Line))) continue;
            chunk.Add(Split(record));
            if (chunk.Count == options.BatchSize) Flush();
        }
        Flush();
        return new ScreenProgress(scored, bad, thisRun / Math.Max(clock.Elapsed.TotalSeconds, 1e-9), thisRun);
    }

    public static string Key(int line) => $"line/{line}";

    string ModelIdentity() => string.Create(CultureInfo.InvariantCulture, $"{lm.Identity}|{options.MaxNewTokens}");

    string ScoresFingerprint(string model, string dataPath)
    {
        var text = new StringBuilder(model).Append('|');
        // The data by content, so a copied or touched file resumes and an edited one does not.
        bool folder = Directory.Exists(dataPath);
        string[] files = folder ? [.. Directory.GetFiles(dataPath, "*.parquet", SearchOption.AllDirectories).Order(StringComparer.Ordinal)] : [dataPath];
        foreach (string file in files)
        {
            using var stream = File.OpenRead(file);
            // A folder's files are read in name order, so their names are part of the data; a single file's is not.
            text.Append(folder ? Path.GetRelativePath(dataPath, file) : "").Append(':').Append(Convert.ToHexString(SHA256.HashData(stream))).Append('|');
        }
        text.Append(CultureInfo.InvariantCulture, $"{options.Shard}/{options.Shards}|{options.Columns}|");
        foreach (var v in vectors) text.Append(CultureInfo.InvariantCulture, $"{v.Trait}@{v.Layer}:{RunClaim.Exact(v.Values)}|");
        return RunClaim.Hash(text.ToString());
    }

    // The prompt is everything before the last assistant turn; the sample's answer is what the template adds for it.
    Sample Split(ChatRecord record)
    {
        int last = record.Messages.Select((m, i) => (m, i)).Last(x => x.m.Role == "assistant").i;
        if (last == 0) throw new PersonaVectorsException($"line {record.Line}: the assistant answers with no prompt before it; nothing to compare with");
        var before = record.Messages.Take(last).ToList();
        int[] prompt = lm.EncodeChat(before, addGenerationPrompt: true);
        int[] full = lm.EncodeChat([.. before, record.Messages[last]], addGenerationPrompt: false);
        if (full.Length <= prompt.Length || !full.AsSpan(0, prompt.Length).SequenceEqual(prompt))
            throw new PersonaVectorsException($"line {record.Line}: the chat template does not render the answer after its prompt; cannot tell the answer's tokens apart");
        int[] answer = full[prompt.Length..];
        int room = lm.Config.MaxPositionEmbeddings - prompt.Length;
        if (room < 1) throw new PersonaVectorsException($"line {record.Line}: the prompt has {prompt.Length} tokens, the model's context is {lm.Config.MaxPositionEmbeddings}");
        // Screening compares means over answers, so a long answer is read up to the context and no further.
        if (answer.Length > room) answer = answer[..room];
        return new Sample(record.Line, before[^1].Content, prompt, answer);
    }

    List<ScreenRecord> Score(List<Sample> samples, RunFile<CachedAnswer> cache, CancellationToken cancel)
    {
        string[] keys = [.. samples.Select(s => Convert.ToHexString(SHA256.HashData(System.Runtime.InteropServices.MemoryMarshal.AsBytes(s.PromptIds.AsSpan())))[..32])];
        var missing = Enumerable.Range(0, samples.Count).Where(i => !cache.Contains(keys[i])).GroupBy(i => keys[i]).Select(g => g.First()).ToList();
        if (missing.Count > 0)
        {
            int room = missing.Min(i => lm.Config.MaxPositionEmbeddings - samples[i].PromptIds.Length);
            var generated = lm.Generate(missing.Select(i => samples[i].PromptIds).ToList(), new SamplingOptions { MaxNewTokens = Math.Max(1, Math.Min(options.MaxNewTokens, room)) }, cancel: cancel);
            cache.Append([.. missing.Select((i, k) => new CachedAnswer(keys[i], generated[k].Tokens))]);
        }
        // An empty model answer (it stopped at once) is read as its end-of-turn token alone, so it still has a mean.
        var own = keys.Select(k => cache.Records[k].Tokens is { Length: > 0 } t ? t : [lm.StopTokens.Min()]).ToList();
        var reader = new ActivationReader(lm);
        var prompts = samples.Select(s => s.PromptIds).ToList();
        using var data = reader.Read(prompts, samples.Select(s => s.AnswerIds).ToList(), TokenPositions.Answer);
        using var model = reader.Read(prompts, own, TokenPositions.Answer);
        var records = new List<ScreenRecord>(samples.Count);
        for (int i = 0; i < samples.Count; i++)
        {
            var scores = new Dictionary<string, double>();
            var dataProjection = new Dictionary<string, double>();
            var modelProjection = new Dictionary<string, double>();
            foreach (var v in vectors)
            {
                using var d = data[i, v.Layer];
                using var m = model[i, v.Layer];
                var pair = ProjectionDifference.Of(d.data<float>().ToArray(), m.data<float>().ToArray(), v.Values);
                dataProjection[v.Trait] = pair.Data;
                modelProjection[v.Trait] = pair.Model;
                scores[v.Trait] = pair.Difference;
            }
            records.Add(new ScreenRecord(Key(samples[i].Line), samples[i].Line, samples[i].Prompt, scores, dataProjection, modelProjection));
        }
        return records;
    }
}
