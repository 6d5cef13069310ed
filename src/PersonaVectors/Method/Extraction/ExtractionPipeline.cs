using PersonaVectors.Engine;
using PersonaVectors.Engine.Generation;
using PersonaVectors.Engine.Interventions;
using PersonaVectors.Engine.Models;
using PersonaVectors.Method.Judging;
using PersonaVectors.Method.Steering;
using static TorchSharp.torch;

namespace PersonaVectors.Method.Extraction;

/// <summary>Progress of one stage, for a progress bar.</summary>
public readonly record struct StageProgress(string Stage, int Done, int Total);

/// <summary>
/// The automated pipeline from trait artifacts to persona vectors (the paper's sections 1-2, then the layer
/// choice): generate answers under contrastive instructions, judge them, keep the pairs that clearly differ,
/// average activations over the kept answers, subtract, and pick the layer where steering works best. Every
/// stage appends to a JSONL file in the run folder, so a killed run started again resumes where it stopped
/// and ends with identical outputs.
/// </summary>
/// <param name="generator">Answers from a remote model instead of <paramref name="lm"/> (which still reads the activations).</param>
public sealed class ExtractionPipeline(LanguageModel lm, TraitArtifacts artifacts, IAnswerJudge judge, ExtractionOptions options,
    string runDir, Action<StageProgress>? progress = null, RemoteGenerator? generator = null)
{
    public static readonly string[] Kinds = ["response_avg", "prompt_avg", "prompt_last"];

    public string VectorPath(string kind) => Path.Combine(runDir, "vectors", $"{artifacts.Trait}_{kind}.safetensors");

    public async Task<ExtractionSummary> RunAsync(CancellationToken cancel = default)
    {
        var (counts, norms) = await VectorsAsync(cancel);
        var summary = await ChooseLayerAsync(counts, norms, cancel);
        summary.Write(runDir);
        return summary;
    }

    /// <summary>The stages up to the vector files (answers, judgements, filter, mean differences), without choosing a layer.</summary>
    internal async Task<(FilterCounts Counts, double[] Norms)> VectorsAsync(CancellationToken cancel = default)
    {
        Claim();
        TraitArtifactsFile.Save(Path.Combine(runDir, "artifacts.json"), artifacts);
        var answers = await AnswersAsync(cancel);
        var judgements = await JudgeAsync(answers, cancel);
        var (kept, counts) = Filter(answers, judgements);
        return (counts, Extract(kept));
    }

    public const string ClaimFile = "extraction.run.json";

    /// <summary>
    /// Answers and judgements are keyed by pair, question and rollout alone, so a run of another trait, model or sampling
    /// in this folder would take them as its own. The rollouts and the batch size are part of the sampling: they decide
    /// which chunk, and so which seed, an answer is drawn with, so more rollouts would draw every answer again under the
    /// old judgements' keys. Other filters, layers or coefficients are the same run continued, and so is another judge
    /// (an endpoint that moved).
    /// </summary>
    public void Claim()
    {
        options.Validate(lm.Config);
        Directory.CreateDirectory(runDir);
        string fingerprint = RunClaim.Hash(string.Join("|", lm.Identity, generator is null ? "local" : "remote " + generator.Name,
            System.Text.Json.JsonSerializer.Serialize(artifacts), options.Temperature.ToString("R", System.Globalization.CultureInfo.InvariantCulture),
            options.TopP.ToString("R", System.Globalization.CultureInfo.InvariantCulture), options.MaxNewTokens, options.Seed, options.Rollouts, options.BatchSize));
        RunClaim.Claim(runDir, ClaimFile, fingerprint, $"trait or artifacts, model or sampling settings (rollouts, temperature, top-p, length, seed; this one is {artifacts.Trait})");
    }

    // ---- 1. answers under every positive and negative instruction ----

    sealed record Item(string Key, int Pair, string Polarity, int Question, int Rollout);

    /// <summary>A shard's work: its answers and their judgements, for a later run to merge (<see cref="ImportShards"/>).</summary>
    public async Task ShardAsync(CancellationToken cancel = default)
    {
        Claim();
        var answers = await AnswersAsync(cancel);
        await JudgeAsync(answers, cancel);
        // A shard with no items (more tasks than chunks) still leaves its files, so the merge can tell it finished.
        foreach (var name in new[] { "answers.jsonl", "judgements.jsonl" })
            if (!File.Exists(Path.Combine(runDir, name))) File.WriteAllText(Path.Combine(runDir, name), "");
    }

    /// <summary>
    /// Copies the answers and judgements of shard run folders into <paramref name="runDir"/> (records it already has are
    /// kept), so that running the pipeline there continues from the union as if one run had written it.
    /// </summary>
    public static int ImportShards(string runDir, IReadOnlyList<string> shards)
    {
        Directory.CreateDirectory(runDir);
        int added = 0;
        // A shard claims its folder as the run does (the shard number is not part of the claim), so the two must agree.
        string ours = Path.Combine(runDir, ClaimFile);
        foreach (var shard in shards)
        {
            string theirs = Path.Combine(shard, ClaimFile);
            if (File.Exists(ours) && File.Exists(theirs) && File.ReadAllText(ours) != File.ReadAllText(theirs))
                throw new PersonaVectorsException($"{shard} was answered with other settings than {runDir} (trait or artifacts, model or sampling): its answers cannot join this run");
        }
        void Import<T>(string name, Func<T, string> key) where T : class
        {
            var target = new RunFile<T>(Path.Combine(runDir, name), key);
            foreach (var shard in shards)
            {
                string path = Path.Combine(shard, name);
                if (!File.Exists(path)) throw new PersonaVectorsException($"{path} is missing: the shard did not finish (or is not an extraction shard)");
                var fresh = new RunFile<T>(path, key).Records.Values.Where(r => !target.Contains(key(r))).ToList();
                target.Append(fresh);
                added += fresh.Count;
            }
        }
        Import<AnswerRecord>("answers.jsonl", r => r.Key);
        Import<JudgementRecord>("judgements.jsonl", r => r.Key);
        return added;
    }

    /// <summary>Stage 1 alone: every contrastive answer, written locally or by the remote generator.</summary>
    internal async Task<IReadOnlyDictionary<string, AnswerRecord>> AnswersAsync(CancellationToken cancel = default)
    {
        Directory.CreateDirectory(runDir);
        return generator is null ? Generate(cancel) : await GenerateRemoteAsync(generator, cancel);
    }

    List<Item> Items()
    {
        var items = new List<Item>();
        for (int p = 0; p < artifacts.Instructions.Count; p++)
            foreach (var polarity in new[] { "pos", "neg" })
                for (int q = 0; q < artifacts.ExtractionQuestions.Count; q++)
                    for (int r = 0; r < options.Rollouts; r++)
                        items.Add(new Item(AnswerRecord.KeyOf(p, polarity, q, r), p, polarity, q, r));
        return items;
    }

    IReadOnlyDictionary<string, AnswerRecord> Generate(CancellationToken cancel)
    {
        var file = new RunFile<AnswerRecord>(Path.Combine(runDir, "answers.jsonl"), r => r.Key);
        var items = Items();

        // Fixed chunks with their own seeds: a chunk's samples do not depend on what else was run before it.
        int chunks = (items.Count + options.BatchSize - 1) / options.BatchSize;
        for (int c = 0; c < chunks; c++)
        {
            cancel.ThrowIfCancellationRequested();
            if (c % options.Shards != options.Shard) continue;
            var chunk = items.Skip(c * options.BatchSize).Take(options.BatchSize).ToList();
            progress?.Invoke(new StageProgress("generate", c, chunks));
            if (chunk.All(i => file.Contains(i.Key))) continue;
            var prompts = chunk.Select(i => lm.PromptIds(artifacts.ExtractionQuestions[i.Question], Instruction(i))).ToList();
            var sampling = new SamplingOptions { MaxNewTokens = options.MaxNewTokens, Temperature = options.Temperature, TopP = options.TopP, Seed = options.Seed * 1_000_003 + c };
            var outputs = lm.Generate(prompts, sampling, cancel: cancel);
            file.Append(chunk.Select((i, k) => new AnswerRecord(i.Key, i.Pair, i.Polarity, i.Question, i.Rollout,
                artifacts.ExtractionQuestions[i.Question], Instruction(i), prompts[k], outputs[k].Tokens, outputs[k].Text)).ToList());
        }
        progress?.Invoke(new StageProgress("generate", chunks, chunks));
        return file.Records;
    }

    /// <summary>
    /// The same items answered remotely, several requests at a time; each answer is appended as it arrives, so a
    /// killed run asks only for what is missing. Every item has its own seed, so its answer does not depend on the
    /// order in which requests complete.
    /// </summary>
    async Task<IReadOnlyDictionary<string, AnswerRecord>> GenerateRemoteAsync(RemoteGenerator remote, CancellationToken cancel)
    {
        var file = new RunFile<AnswerRecord>(Path.Combine(runDir, "answers.jsonl"), r => r.Key);
        var items = Items();
        var todo = items.Select((item, index) => (item, index)).Where(x => x.index % options.Shards == options.Shard && !file.Contains(x.item.Key)).ToList();
        int done = items.Count - todo.Count;
        progress?.Invoke(new StageProgress("generate", done, items.Count));
        var tokenizing = new object();
        await Parallel.ForEachAsync(todo, new ParallelOptions { MaxDegreeOfParallelism = options.GeneratorConcurrency, CancellationToken = cancel }, async (x, ct) =>
        {
            string question = artifacts.ExtractionQuestions[x.item.Question], instruction = Instruction(x.item);
            string answer = await remote.AnswerAsync(instruction, question, options, options.Seed * 1_000_003 + x.index, ct);
            int[] prompt, answerIds;
            lock (tokenizing) (prompt, answerIds) = (lm.PromptIds(question, instruction), lm.Tokenizer.Encode(answer, addSpecialTokens: false));
            file.Append([new AnswerRecord(x.item.Key, x.item.Pair, x.item.Polarity, x.item.Question, x.item.Rollout, question, instruction, prompt, answerIds, answer)]);
            progress?.Invoke(new StageProgress("generate", Interlocked.Increment(ref done), items.Count));
        });
        return file.Records;
    }

    string Instruction(Item i) => i.Polarity == "pos" ? artifacts.Instructions[i.Pair].Pos : artifacts.Instructions[i.Pair].Neg;

    // ---- 2. judge every answer for the trait and for coherence ----

    async Task<IReadOnlyDictionary<string, JudgementRecord>> JudgeAsync(IReadOnlyDictionary<string, AnswerRecord> answers, CancellationToken cancel)
    {
        var file = new RunFile<JudgementRecord>(Path.Combine(runDir, "judgements.jsonl"), r => r.Key);
        var todo = answers.Values.Where(a => !file.Contains(a.Key)).OrderBy(a => a.Key, StringComparer.Ordinal).ToList();
        int done = answers.Count - todo.Count;
        await Parallel.ForEachAsync(todo, new ParallelOptions { MaxDegreeOfParallelism = options.JudgeConcurrency, CancellationToken = cancel }, async (a, ct) =>
        {
            var s = await judge.JudgeAsync(artifacts, a.QuestionText, a.Answer, ct);
            file.Append([new JudgementRecord(a.Key, s.Trait, s.Coherence)]);
            progress?.Invoke(new StageProgress("judge", Interlocked.Increment(ref done), answers.Count));
        });
        return file.Records;
    }

    // ---- 3. keep pairs that clearly differ ----

    (List<(AnswerRecord Pos, AnswerRecord Neg)> Kept, FilterCounts Counts) Filter(IReadOnlyDictionary<string, AnswerRecord> answers, IReadOnlyDictionary<string, JudgementRecord> judgements)
    {
        int pairs = 0, scored = 0, posTrait = 0, negTrait = 0, coherent = 0;
        var kept = new List<(AnswerRecord, AnswerRecord)>();
        foreach (var pos in answers.Values.Where(a => a.Polarity == "pos").OrderBy(a => a.Key, StringComparer.Ordinal))
        {
            var neg = answers[pos.NegativeKey];
            pairs++;
            var jp = judgements[pos.Key];
            var jn = judgements[neg.Key];
            if (jp.Trait is null || jn.Trait is null || jp.Coherence is null || jn.Coherence is null) continue;
            scored++;
            if (jp.Trait < options.PositiveTraitMin) continue;
            posTrait++;
            if (jn.Trait >= options.NegativeTraitMax) continue;
            negTrait++;
            if (jp.Coherence < options.CoherenceMin || jn.Coherence < options.CoherenceMin) continue;
            coherent++;
            kept.Add((pos, neg));
        }
        var counts = new FilterCounts(answers.Count, pairs, scored, posTrait, negTrait, coherent);
        var file = new RunFile<KeptPair>(Path.Combine(runDir, "kept.jsonl"), r => r.Key);
        file.Append(kept.Where(k => !file.Contains(k.Item1.Key)).Select(k => new KeptPair(k.Item1.Key, judgements[k.Item1.Key].Trait, judgements[k.Item2.Key].Trait)).ToList());
        if (kept.Count == 0)
            throw new PersonaVectorsException(EmptyKeptMessage(pairs, scored, posTrait, negTrait));
        return (kept, counts);
    }

    string EmptyKeptMessage(int pairs, int scored, int posTrait, int negTrait) =>
        scored == 0 ? $"no answer pair could be scored by the judge ({pairs} pairs): check that the judge endpoint works; partial results are in {runDir}"
        : posTrait == 0 ? $"no positive answer reached trait {options.PositiveTraitMin} ({scored} scored pairs): the model does not follow the positive instructions; strengthen them or lower --pos-min"
        : negTrait == 0 ? $"every negative answer scored trait >= {options.NegativeTraitMax} ({posTrait} pairs left): the negative instructions do not suppress the trait; revise them or raise --neg-max"
        : $"every remaining pair had an answer with coherence < {options.CoherenceMin} ({negTrait} pairs left): lower --coherence-min or shorten answers";

    // ---- 4. mean activations of kept answers; vector = mean(pos) − mean(neg) ----

    // Returns the response-average vector's norm at every layer.
    double[] Extract(List<(AnswerRecord Pos, AnswerRecord Neg)> kept)
    {
        if (Kinds.All(k => File.Exists(VectorPath(k))))
        {
            using var v = PersonaVector.Load(VectorPath("response_avg"));
            return Norms(v.Vectors);
        }
        double[] norms = [];
        var reader = new ActivationReader(lm);
        var positions = new[] { TokenPositions.Answer, TokenPositions.Prompt, TokenPositions.LastPrompt };
        for (int k = 0; k < Kinds.Length; k++)
        {
            progress?.Invoke(new StageProgress("activations", k, Kinds.Length));
            bool withAnswers = positions[k] == TokenPositions.Answer;
            using var pos = reader.Read(kept.Select(p => p.Pos.PromptIds).ToList(), withAnswers ? kept.Select(p => p.Pos.AnswerIds).ToList() : null, positions[k]);
            using var neg = reader.Read(kept.Select(p => p.Neg.PromptIds).ToList(), withAnswers ? kept.Select(p => p.Neg.AnswerIds).ToList() : null, positions[k]);
            using var diff = MeanDifference.Of(pos, neg);
            using var vector = new PersonaVector(diff, artifacts.Trait, Path.GetFileName(Path.GetFullPath(lm.Folder)), Kinds[k],
                new Dictionary<string, string> { ["kept_pairs"] = kept.Count.ToString(System.Globalization.CultureInfo.InvariantCulture) });
            vector.Save(VectorPath(Kinds[k]));
            if (k == 0) norms = Norms(diff);
        }
        progress?.Invoke(new StageProgress("activations", Kinds.Length, Kinds.Length));
        return norms;
    }

    static double[] Norms(Tensor vectors)
    {
        using var n = vectors.norm(1);
        return [.. n.data<float>().ToArray().Select(x => (double)x)];
    }

    // ---- 5. choose layer and coefficient by steering on the extraction questions; measure on the evaluation ones ----

    async Task<ExtractionSummary> ChooseLayerAsync(FilterCounts counts, double[] norms, CancellationToken cancel)
    {
        var file = new RunFile<SteeringRecord>(Path.Combine(runDir, "steering.jsonl"), r => r.Key);
        using var vector = PersonaVector.Load(VectorPath("response_avg"));
        var layers = options.Layers ?? Enumerable.Range(1, lm.Config.NumHiddenLayers).ToList();
        // Coefficients, layers and positions are chosen on the extraction questions and the figures reported are
        // measured on the evaluation questions, so no figure is chosen on the questions it is measured on.
        List<SteeringPrompt> Plain(IReadOnlyList<string> qs) => [.. qs.Select(q => new SteeringPrompt(q))];
        List<SteeringPrompt> Positive(IReadOnlyList<string> qs) => [.. artifacts.Instructions.SelectMany(p => qs.Select(q => new SteeringPrompt(q, p.Pos)))];
        var selectPlain = Plain(artifacts.ExtractionQuestions);
        var selectPositive = Positive(artifacts.ExtractionQuestions);
        var evalPlain = Plain(artifacts.EvaluationQuestions);
        var evalPositive = Positive(artifacts.EvaluationQuestions);
        int total = 1 + layers.Count * options.Positions.Count * options.Alphas.Count + 1 + layers.Count * options.Alphas.Count + 4, done = 0;

        async Task<SteeringRecord> Setting(string setting, List<SteeringPrompt> prompts, int layer, double alpha, TokenPositions where)
        {
            string positions = where.ToString().ToLowerInvariant();
            string key = $"{setting}/{layer}/{positions}/{alpha.ToString(System.Globalization.CultureInfo.InvariantCulture)}";
            progress?.Invoke(new StageProgress("steer", done++, total));
            if (file.Records.TryGetValue(key, out var existing)) return existing;
            var outcome = await SteeringEvaluation.RunAsync(lm, artifacts, judge, prompts, vector.At(layer), layer, alpha, where,
                options.MaxNewTokens, options.BatchSize, cancel);
            var record = new SteeringRecord(key, setting, layer, alpha, positions, outcome.Trait, outcome.Coherence, prompts.Count);
            file.Append([record]);
            return record;
        }

        var selectBaseline = await Setting("select", selectPlain, 0, 0, TokenPositions.All);
        // The trait's own prompted answers to the extraction questions: what suppression starts from, and the
        // coherence a push toward the trait is held to when it is below the configured floor (CoherenceFloor).
        var selectBefore = await Setting("select-suppress", selectPositive, 0, 0, TokenPositions.All);
        double floor = CoherenceFloor.For(options.SteeringCoherenceMin, selectBefore.Coherence);
        var perLayer = new Dictionary<int, LayerChoice?>();
        var towardAt = new Dictionary<int, SteeringRecord>();
        foreach (int layer in layers)
        {
            var tried = new List<SteeringRecord>();
            foreach (var where in options.Positions)
            {
                var broken = new BrokenLanguage();
                foreach (double alpha in options.Alphas)
                {
                    var r = await Setting("select", selectPlain, layer, alpha, where);
                    tried.Add(r);
                    if (broken.StopsAfter(r.Coherence)) break;
                }
            }
            var bestHere = WeakestPush.Choose(tried, floor);
            perLayer[layer] = bestHere is null ? null : new LayerChoice(bestHere.Alpha, bestHere.Positions, bestHere.Trait - selectBaseline.Trait, bestHere.Coherence);
            if (bestHere is not null) towardAt[layer] = bestHere;
        }
        if (towardAt.Count == 0)
            throw new PersonaVectorsException($"no steering setting kept coherence >= {floor:0.#} at any layer; results so far are in {Path.Combine(runDir, "steering.jsonl")}");

        // Suppression: against the trait, on every position, under the positive instructions; its coefficient is chosen
        // on the extraction questions as well. The layer is the one where both directions work (SteeringLayer).
        var against = new Dictionary<int, SteeringRecord>();
        async Task<SteeringRecord> Against(int layer)
        {
            if (against.TryGetValue(layer, out var known)) return known;
            SteeringRecord? chosen = null;
            var brokenAgainst = new BrokenLanguage();
            foreach (double alpha in options.Alphas)
            {
                var r = await Setting("select-suppress", selectPositive, layer, -alpha, TokenPositions.All);
                bool ok = r.Coherence >= floor, currentOk = chosen is not null && chosen.Coherence >= floor;
                if (chosen is null || (ok && (!currentOk || r.Trait < chosen.Trait))) chosen = r;
                if (brokenAgainst.StopsAfter(r.Coherence)) break;
            }
            return against[layer] = chosen!;
        }
        double Drop(SteeringRecord r) => r.Coherence >= floor ? Math.Max(0, selectBefore.Trait - r.Trait) : 0;
        var gains = towardAt.Select(kv => (Layer: kv.Key, Gain: kv.Value.Trait - selectBaseline.Trait)).ToList();
        var best = towardAt[await SteeringLayer.ChooseAsync(gains, async l => Drop(await Against(l)))];
        foreach (var (layer, r) in against) perLayer[layer] = perLayer[layer]! with { SuppressionDrop = Drop(r) };
        var bestWhere = Enum.Parse<TokenPositions>(best.Positions, ignoreCase: true);
        var baseline = await Setting("steer", evalPlain, 0, 0, TokenPositions.All);
        var steered = await Setting("steer", evalPlain, best.Layer, best.Alpha, bestWhere);
        var chosen = await Against(best.Layer);
        var before = await Setting("suppress", evalPositive, best.Layer, 0, TokenPositions.All);
        var suppressed = await Setting("suppress", evalPositive, best.Layer, chosen!.Alpha, TokenPositions.All);
        progress?.Invoke(new StageProgress("steer", total, total));
        return new ExtractionSummary(artifacts.Trait, lm.Folder, judge.Name, best.Layer, "extraction_questions",
            baseline.Trait, baseline.Coherence, best.Alpha, best.Positions, steered.Trait, steered.Coherence, best.Trait, best.Coherence,
            suppressed.Alpha, before.Trait, suppressed.Trait, suppressed.Coherence, perLayer, counts, norms, floor);
    }
}
