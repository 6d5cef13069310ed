using System.CommandLine;
using System.Globalization;
using PersonaVectors.Engine;
using PersonaVectors.Method;
using PersonaVectors.Method.Extraction;
using PersonaVectors.Method.Judging;
using PersonaVectors.World;

namespace PersonaVectors.Cli.Commands;

/// <summary>persona extract: from trait artifacts to per-layer persona vectors and the layer to steer at.</summary>
public static class ExtractCommand
{
    public static Command Create() => Create(out _);

    /// <param name="checkInputs">
    /// Checks what a run needs before it generates, without loading the model's weights: the artifacts, the judge's and
    /// the generator's endpoint specs (not the endpoints themselves), the model's dtype and adapter, and the settings
    /// against the model's shape. <c>persona slurm extract</c> runs it before it writes or
    /// submits anything.
    /// </param>
    public static Command Create(out Action<ParseResult> checkInputs)
    {
        var trait = new Option<string>("--trait") { Description = "Trait name (the world's traits have built-in artifacts)", Required = true };
        var model = CommonOptions.Model();
        var adapter = CommonOptions.Adapter();
        var artifacts = new ArtifactsOptions();
        var judge = JudgeOption.Create();
        var outDir = new Option<string>("--out") { Description = "Run folder (stages append JSONL here; rerun the same command to resume)", Required = true };
        var rollouts = new Option<int>("--rollouts") { Description = "Answers per question and instruction", DefaultValueFactory = _ => 10 };
        var temperature = CommonOptions.Temperature(1.0);
        var maxTokens = CommonOptions.MaxTokens();
        var seed = CommonOptions.SamplingSeed();
        var posMin = new Option<double>("--pos-min") { DefaultValueFactory = _ => 50, Description = "Keep pairs whose positive answer scores at least this" };
        var negMax = new Option<double>("--neg-max") { DefaultValueFactory = _ => 50, Description = "...and whose negative answer scores below this" };
        var cohMin = new Option<double>("--coherence-min") { DefaultValueFactory = _ => 50, Description = "...and both answers at least this coherent" };
        var layers = new Option<string?>("--layers") { Description = "Layers to try steering at, toward and against the trait, e.g. 2,3,4 (default: all)" };
        var alphas = new Option<string?>("--alphas") { Description = "Steering coefficients to try, e.g. 0.5,1,2 (default: 0.5 to 2 in steps of 0.125, then to 8 in steps of 0.25; the suppression sweep uses their negatives)" };
        var dtype = CommonOptions.DType();
        var generator = new Option<string?>("--generator")
        {
            Description = "Write the contrastive answers with a remote model instead of --model: " + Method.Endpoints.ChatEndpoints.Help +
                " (vLLM, SGLang, llama.cpp's server, persona serve). --model still reads the activations, by one forward pass over each prompt and answer",
        };
        var concurrency = new Option<int>("--concurrency") { Description = "Requests in flight at once to a remote generator and to an LLM judge", DefaultValueFactory = _ => 8 };
        var topP = new Option<double>("--top-p") { Description = "Nucleus sampling of the answers (1 = off)", DefaultValueFactory = _ => 1.0 };
        var shard = new Option<string?>("--shard") { Description = "I/N: write only this share of the answers and their judgements into --out, then stop (a cluster task; see persona slurm extract)" };
        var fromShards = new Option<string?>("--from-shards") { Description = "Comma-separated shard run folders whose answers and judgements are merged into --out before the run continues" };
        var cmd = new Command("extract", "Extract a persona vector: generate contrastive answers, judge, filter, average activations, choose the layer")
        {
            trait, model, adapter, judge, outDir, rollouts, temperature, maxTokens, seed, posMin, negMax, cohMin, layers, alphas, dtype, generator, concurrency, topP, shard, fromShards,
        };
        foreach (var o in artifacts.All) cmd.Options.Add(o);
        ExtractionOptions Options(ParseResult r) => new()
        {
            Rollouts = r.GetValue(rollouts),
            Temperature = r.GetValue(temperature),
            TopP = r.GetValue(topP) is var p and > 0 and <= 1 ? p : throw new PersonaVectorsException($"--top-p must be in (0, 1], got {r.GetValue(topP)}"),
            JudgeConcurrency = r.GetValue(concurrency) >= 1 ? r.GetValue(concurrency) : throw new PersonaVectorsException("--concurrency must be at least 1"),
            GeneratorConcurrency = r.GetValue(concurrency),
            MaxNewTokens = r.GetValue(maxTokens),
            Seed = r.GetValue(seed),
            PositiveTraitMin = r.GetValue(posMin),
            NegativeTraitMax = r.GetValue(negMax),
            CoherenceMin = r.GetValue(cohMin),
            Layers = r.GetValue(layers) is { } l ? CsvList.Parse(l, "--layers", int.Parse) : null,
            Alphas = r.GetValue(alphas) is { } al ? CsvList.Parse(al, "--alphas", s => double.Parse(s, CultureInfo.InvariantCulture)) : new ExtractionOptions().Alphas,
        };
        void CheckInputs(ParseResult r)
        {
            artifacts.Resolve(r, r.GetValue(trait)!);
            JudgeOption.Make(r.GetValue(judge)!, cacheFolder: null);
            if (r.GetValue(generator) is { } spec) RemoteGenerator.Create(spec);
            Options(r).Validate(CommonOptions.Config(r.GetValue(model), r.GetValue(dtype)!, r.GetValue(adapter)));
        }
        checkInputs = CheckInputs;
        cmd.SetAction(async (r, cancel) =>
        {
            string name = r.GetValue(trait)!;
            var a = artifacts.Resolve(r, name);
            var j = JudgeOption.Make(r.GetValue(judge)!, r.GetValue(outDir)!);
            var options = Options(r);
            var (part, parts) = CommonOptions.ParseShard(r.GetValue(shard));
            options = options with { Shard = part, Shards = parts };
            if (r.GetValue(fromShards) is not null && r.GetValue(shard) is not null) throw new PersonaVectorsException("--shard and --from-shards do not go together");
            using var lm = CommonOptions.Load(r.GetValue(model), r.GetValue(dtype)!, r.GetValue(adapter));
            var bars = new Dictionary<string, ProgressLine>();
            var remote = r.GetValue(generator) is { } spec ? RemoteGenerator.Create(spec) : null;
            var pipeline = new ExtractionPipeline(lm, a, j, options, r.GetValue(outDir)!, p =>
            {
                // Remote answers and judgements report from several threads at once.
                lock (bars)
                {
                    if (!bars.TryGetValue(p.Stage, out var bar)) bars[p.Stage] = bar = new ProgressLine(p.Stage.PadRight(11));
                    bar.Report(p.Done, p.Total, "");
                    if (p.Done == p.Total) bar.Done();
                }
            }, remote);
            if (r.GetValue(fromShards) is { } shardList)
            {
                // Claimed first, so shards cannot be merged into another run's folder, nor shards of another run into this one.
                pipeline.Claim();
                int added = ExtractionPipeline.ImportShards(r.GetValue(outDir)!, CsvList.Parse(shardList, "--from-shards", s => s));
                Console.Error.WriteLine($"merged {added} records from {shardList.Split(',').Length} shards");
            }
            if (r.GetValue(shard) is { } s)
            {
                await pipeline.ShardAsync(cancel);
                Console.WriteLine($"shard {s}: answers and judgements in {r.GetValue(outDir)}");
                return 0;
            }
            var summary = await pipeline.RunAsync(cancel);
            Console.WriteLine(summary.ToJson().ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true }));
            return 0;
        });
        return cmd;
    }
}
