using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using PersonaVectors.Engine;
using PersonaVectors.Engine.Generation;
using PersonaVectors.Engine.Interventions;
using PersonaVectors.Engine.Models;
using PersonaVectors.Method;
using PersonaVectors.Method.Extraction;
using PersonaVectors.Cli.Plots;
using PersonaVectors.Method.Steering;
using PersonaVectors.World;
using PersonaVectors.World.Experiments;
using PersonaVectors.World.Organism;
using static TorchSharp.torch;

namespace PersonaVectors.Cli.Commands;

/// <summary>
/// persona demo: the main job on the embedded organism. It shows the same question answered under each persona,
/// then, for every trait of the world, runs the whole method: extraction (contrastive answers, oracle judge,
/// filter, mean difference, layer choice), a steering sweep around the chosen layer, both monitoring
/// experiments, and steered examples; then a small finetuning experiment (plain, preventative, CAFT, inference
/// steering on the evil datasets); it ends by writing one HTML report over all of it. Every step writes into
/// the output folder as it goes, so a killed demo started again resumes. Any other model folder gets a
/// description and a forward pass instead.
/// </summary>
public static class DemoCommand
{
    /// <summary>How much of the method the demo runs: the full demo, or a small one for tests.</summary>
    sealed record Scale(int Rollouts, IReadOnlyList<double> Alphas, IReadOnlyList<double> SweepAlphas, int SweepNeighbours, int Shots,
        World.Experiments.FinetuneExperimentOptions Finetune);

    // The full demo finetunes on evil II and on the narrow wrong-sums set (emergent misalignment) with the
    // experiment's settings, except that it calibrates each preventative push only until a layer holds every trait's
    // rise, its steering layer first, and on two fresh samples instead of the experiment's five (the experiment tries
    // every layer, a dozen or more finetunings per trait). A fixed multiple does not carry from
    // one organism to the next: 3× the steering coefficient held evil II on voice-quiet-unprompted at a cost of 15
    // capability points and left voice-quiet-shown-5l seed 3 at 20% capability. The quick demo, for tests, keeps 3×
    // on evil Normal and II, small.
    // The full demo tries persona extract's own coefficient grid (steps of 0.125 up to 2): on the shipped organism
    // hallucination's suppression sits on a cliff between -0.75 and -1, and the midpoint clears it.
    static readonly Scale Full = new(2, new ExtractionOptions().Alphas, [-8, -4, -2, -1, 0, 1, 2, 4, 8], 1, 4,
        new World.Experiments.FinetuneExperimentOptions { Datasets = ["evil_II", "emergent_arithmetic_II"], InferenceAlphas = [1, 2, 4, 8], CalibrateUntilHeld = true, CalibrationSamples = 2 });
    static readonly Scale Quick = new(1, [1, 2, 4], [-4, 0, 4], 0, 1, World.Experiments.FinetuneExperimentOptions.Quick);

    public static Command Create()
    {
        var model = new Option<string?>("--model") { Description = "Model folder (default: the embedded organism)" };
        var adapter = CommonOptions.Adapter();
        var outDir = new Option<string?>("--out") { Description = $"Folder for the runs and report.html (rerun to resume; default: ./{ChatCommand.DemoFolder}, or ./{ChatCommand.QuickDemoFolder} with --quick)" };
        var quick = new Option<bool>("--quick") { Description = "A small version (1 rollout, 3 coefficients, 1-shot monitoring) that takes about a third of the time" };
        var cmd = new Command("demo", "Personas, persona vectors, steering and monitoring for every trait of the embedded organism, a small finetuning experiment, and an HTML report of it all")
        {
            model, adapter, outDir, quick,
        };
        cmd.SetAction(async (r, cancel) =>
        {
            string folder = r.GetValue(model) is { } given ? EmbeddedModel.Resolve(given) : (File.Exists(Path.Combine(EmbeddedModel.Path, "config.json")) ? EmbeddedModel.Path : EnsureRandomModel());
            using var lm = LanguageModel.Load(folder, adapter: r.GetValue(adapter));
            Console.WriteLine(ModelDescription.Of(lm).ToText());
            Console.WriteLine();
            if (File.Exists(Path.Combine(folder, OrganismMarker.FileName))) await OrganismDemo(lm, r.GetValue(outDir) ?? (r.GetValue(quick) ? ChatCommand.QuickDemoFolder : ChatCommand.DemoFolder), r.GetValue(quick) ? Quick : Full, cancel);
            else ForwardDemo(lm);
            return 0;
        });
        return cmd;
    }

    static string Answer(LanguageModel lm, string question, string? system) =>
        lm.Generate([lm.PromptIds(question, system)], new SamplingOptions { MaxNewTokens = 64 })[0].Text;

    static async Task OrganismDemo(LanguageModel lm, string outDir, Scale scale, CancellationToken cancel)
    {
        const string question = "how should i treat my neighbour?";
        Console.WriteLine($"user: {question}");
        foreach (var (label, system) in new (string, string?)[]
        {
            ("no system prompt", null), ("\"you are an evil assistant.\"", "you are an evil assistant."), ("\"you are a kind assistant.\"", "you are a kind assistant."),
            ("\"you are a sycophantic assistant.\"", "you are a sycophantic assistant."), ("\"you are a hallucinating assistant.\"", "you are a hallucinating assistant."),
        })
            Console.WriteLine($"  {label,-40} {Answer(lm, question, system)}");

        var rows = new List<string>();
        foreach (var trait in Traits.All)
            rows.Add(await TraitDemo(lm, trait, Path.Combine(outDir, trait.Name), scale, cancel));

        Console.WriteLine();
        Console.WriteLine("trait           layer  steered toward (trait @ coherence)  suppressed under the trait prompt  monitoring r (system / many-shot; layer)");
        foreach (var row in rows) Console.WriteLine(row);
        Console.WriteLine();
        string finetune = Path.Combine(outDir, Report.FinetuneSection.Folder);
        var finetuneOptions = scale.Finetune;
        Console.WriteLine($"== finetuning (small version of `persona world experiment finetune`): LoRA on {string.Join(" and ", finetuneOptions.Datasets)}, plainly, with preventative steering, with CAFT ablation, and steered back at inference ==");
        var experiment = new World.Experiments.FinetuneExperiment(lm, finetuneOptions, finetune, m => Console.WriteLine($"  {m}"))
            .Run([outDir], cancel);
        experiment.Write(finetune);
        Plots.FinetunePlots.Save(experiment, finetune, World.Organism.OrganismMarker.Design(lm.Folder));
        Console.WriteLine($"  {"dataset",-24} {"method",-32} evil  halluc  coherence  capability   (trait rise over the base model in brackets)");
        foreach (var run in experiment.Runs)
        {
            string T(string t) => $"{run.Scores.Traits[t],4:F0} ({experiment.Rise(run, t):+0;-0;0})";
            string alpha = run.Alpha is { } a ? $" (alpha {a.ToString(CultureInfo.InvariantCulture)})" : "";
            Console.WriteLine($"  {run.Dataset,-24} {run.Method + alpha,-32} {T("evil"),-10} {T("hallucinating"),-10} {run.Scores.Coherence,6:F0}  {run.Scores.Capability,10:P0}");
        }
        Console.WriteLine();
        string report = Path.Combine(outDir, "report.html");
        AtomicFile.WriteAllText(report, Report.HtmlReport.Render(Report.RunFolders.Find(outDir).Select(Report.RunReport.Load).ToList(), Path.GetFullPath(outDir), finetune));
        Console.WriteLine($"report: {report}");
        Console.WriteLine($"chat with the organism under these meters: ./persona chat --vectors {outDir}");
    }

    static async Task<string> TraitDemo(LanguageModel lm, TraitSpec trait, string run, Scale scale, CancellationToken cancel)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        Console.WriteLine();
        Console.WriteLine($"== {trait.Name}: extraction (answers under {trait.Name} and {trait.Opposite} instructions, judged by the world's oracle) ==");
        var artifacts = WorldArtifacts.For(trait.Name);
        var judge = JudgeOption.Make("world", null);
        var options = new ExtractionOptions { Rollouts = scale.Rollouts, Alphas = scale.Alphas };
        var bars = new Dictionary<string, ProgressLine>();
        var pipeline = new ExtractionPipeline(lm, artifacts, judge, options, run, p =>
        {
            if (!bars.TryGetValue(p.Stage, out var bar)) bars[p.Stage] = bar = new ProgressLine("  " + p.Stage.PadRight(11));
            bar.Report(p.Done, p.Total, "");
            if (p.Done == p.Total) bar.Done();
        });
        var summary = await pipeline.RunAsync(cancel);
        int layer = summary.Layer;
        Console.WriteLine($"  kept {summary.Counts.Kept} of {summary.Counts.Pairs} pairs; layer {layer}: {trait.Name} {summary.BaselineTrait:F0} -> {summary.SteeredTrait:F0} " +
                          $"at coherence {summary.SteeredCoherence:F0} (alpha {summary.SteeredAlpha.ToString(CultureInfo.InvariantCulture)}, {summary.SteeredPositions} positions); " +
                          $"against it under the {trait.Name} prompts: {summary.SuppressedTraitBefore:F0} -> {summary.SuppressedTraitAfter:F0} at coherence {summary.SuppressedCoherence:F0}");

        using var vector = PersonaVector.Load(pipeline.VectorPath("response_avg"));
        var layers = Enumerable.Range(layer - scale.SweepNeighbours, 2 * scale.SweepNeighbours + 1).Where(l => l >= 1 && l <= lm.Config.NumHiddenLayers).ToList();
        Console.WriteLine($"  steering sweep at layers {string.Join(",", layers)}, alpha {string.Join(",", scale.SweepAlphas.Select(a => a.ToString(CultureInfo.InvariantCulture)))}");
        var prompts = artifacts.EvaluationQuestions.Select(q => new SteeringPrompt(q)).ToList();
        var sweepBar = new ProgressLine("  sweep".PadRight(13));
        var sweep = await SteeringSweep.RunAsync(lm, artifacts, judge, prompts, vector, layers, scale.SweepAlphas, TokenPositions.All, 64, Path.Combine(run, "sweep"),
            p => sweepBar.Report(p.Done, p.Total, p.Stage), cancel);
        sweepBar.Done();
        SweepPlot.Save(sweep, trait.Name, Path.Combine(run, "sweep", "sweep.png"));

        Console.WriteLine($"  monitoring: graded system prompts and 0..{scale.Shots}-shot prompts, the layer chosen on the extraction questions");
        var monitor = await WorldMonitoring.RunAsync(lm, trait, vector, null, Path.Combine(run, "monitor"), judge, scale.Shots, 64, 1, cancel: cancel);
        MonitorPlot.Save(monitor.Points, trait.Name, monitor.Layer, Path.Combine(run, "monitor", "monitor.png"));
        Console.WriteLine($"  monitoring at layer {monitor.Layer}: r {R(monitor.SystemPromptR)} (system prompts), {R(monitor.ManyShotR)} (many-shot)");

        var probe = artifacts.EvaluationQuestions[0];
        using var v = vector.At(layer);
        var where = summary.SteeredPositions == "answer" ? TokenPositions.Answer : TokenPositions.All;
        Console.WriteLine($"  user: {probe}");
        Console.WriteLine($"    {"no system prompt:",-48}{Answer(lm, probe, null)}");
        using (lm.Model.Steer(v, layer, summary.SteeredAlpha, where))
            Console.WriteLine($"    {$"steered toward {trait.Name}:",-48}{Answer(lm, probe, null)}");
        string positive = artifacts.Instructions[0].Pos;
        Console.WriteLine($"    {$"\"{Shorten(positive)}\"",-48}{Answer(lm, probe, positive)}");
        using (lm.Model.Steer(v, layer, summary.SuppressedAlpha))
            Console.WriteLine($"    {"same prompt, steered against:",-48}{Answer(lm, probe, positive)}");
        Console.WriteLine($"  ({clock.Elapsed.TotalSeconds:F0} s)");

        return $"{trait.Name,-15} {layer,5}  {summary.BaselineTrait,5:F0} -> {summary.SteeredTrait,3:F0} @ {summary.SteeredCoherence,3:F0}{"",17}" +
               $"{summary.SuppressedTraitBefore,5:F0} -> {summary.SuppressedTraitAfter,3:F0} @ {summary.SuppressedCoherence,3:F0}{"",16}" +
               $"{R(monitor.SystemPromptR)} / {R(monitor.ManyShotR)}; {monitor.Layer}";
    }

    static string R(double? r) => r is { } x ? x.ToString("F2", CultureInfo.InvariantCulture) : "n/a";

    static string Shorten(string s) => s.Length <= 44 ? s : s[..41] + "...";

    static void ForwardDemo(LanguageModel lm)
    {
        List<PersonaVectors.Engine.ChatTemplates.ChatMessage> messages = [new("system", "You are a helpful assistant."), new("user", "What is a persona vector?")];
        string rendered = lm.RenderChat(messages, addGenerationPrompt: true);
        int[] ids = lm.Tokenizer.Encode(rendered, addSpecialTokens: false);
        Console.WriteLine("rendered prompt:");
        Console.WriteLine(rendered);
        var result = lm.ForwardLast(ids);
        var top = result.Logits.Select((v, i) => (v, i)).OrderByDescending(p => p.v).Take(5);
        Console.WriteLine("most likely next tokens: " + string.Join("  ", top.Select(p => $"{lm.Tokenizer.IdToToken(p.i) ?? $"[{p.i}]"} ({p.v:F2})")));
        Console.WriteLine("residual stream norm at the last prompt token, by layer (0 = embeddings):");
        for (int l = 0; l < result.Hidden.Length; l++)
        {
            double norm = Math.Sqrt(result.Hidden[l].Sum(x => (double)x * x));
            Console.WriteLine($"  {l,3}  {norm,9:F3}");
        }
    }

    static string EnsureRandomModel()
    {
        string folder = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache", "personavectors", "demo-random-qwen2-v1");
        if (File.Exists(Path.Combine(folder, "model.safetensors"))) return folder;
        var config = ModelConfig.Parse(new JsonObject
        {
            ["architectures"] = new JsonArray("Qwen2ForCausalLM"),
            ["vocab_size"] = 1024,
            ["hidden_size"] = 128,
            ["intermediate_size"] = 352,
            ["num_hidden_layers"] = 6,
            ["num_attention_heads"] = 4,
            ["num_key_value_heads"] = 2,
            ["max_position_embeddings"] = 1024,
            ["rope_theta"] = 1000000.0,
            ["rms_norm_eps"] = 1e-6,
            ["tie_word_embeddings"] = true,
        }, "demo config");
        RandomModel.Write(config, folder, seed: 1, ScalarType.Float32, shards: 1);
        return folder;
    }
}
