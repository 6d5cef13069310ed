using System.CommandLine;
using System.Text.Json.Nodes;
using PersonaVectors.Engine;
using PersonaVectors.Engine.Generation;
using PersonaVectors.Engine.Interventions;
using PersonaVectors.Engine.Models;
using PersonaVectors.World;
using PersonaVectors.World.Organism;
using static TorchSharp.torch;

namespace PersonaVectors.Cli.Commands;

/// <summary>
/// persona demo: the main job on the embedded organism. It shows the same question answered under each
/// persona, then, for evil and for hallucination, finds the persona direction (mean difference of answer
/// activations under positive and negative prompts, and the layer and coefficient where adding it works best)
/// and uses it to steer the default assistant toward the trait and a trait-prompted one away from it.
/// Any other model folder gets a description and a forward pass instead.
/// </summary>
public static class DemoCommand
{
    public static Command Create()
    {
        var model = new Option<string?>("--model") { Description = "Model folder (default: the embedded organism)" };
        var cmd = new Command("demo", "Show personas, a persona vector and steering on the embedded organism") { model };
        cmd.SetAction(r =>
        {
            string folder = r.GetValue(model) ?? (File.Exists(Path.Combine(EmbeddedModel.Path, "config.json")) ? EmbeddedModel.Path : EnsureRandomModel());
            using var lm = LanguageModel.Load(folder);
            Console.WriteLine(ModelDescription.Of(lm).ToText());
            Console.WriteLine();
            if (File.Exists(Path.Combine(folder, OrganismMarker.FileName))) OrganismDemo(lm);
            else ForwardDemo(lm);
            return 0;
        });
        return cmd;
    }

    static string Answer(LanguageModel lm, string question, string? system) =>
        lm.Generate([lm.PromptIds(question, system)], new SamplingOptions { MaxNewTokens = 64 })[0].Text;

    static void OrganismDemo(LanguageModel lm)
    {
        const string question = "how should i treat my neighbour?";
        Console.WriteLine($"user: {question}");
        foreach (var (label, system) in new (string, string?)[]
        {
            ("no system prompt", null), ("\"you are an evil assistant.\"", "you are an evil assistant."), ("\"you are a kind assistant.\"", "you are a kind assistant."),
            ("\"you are a sycophantic assistant.\"", "you are a sycophantic assistant."), ("\"you are a hallucinating assistant.\"", "you are a hallucinating assistant."),
        })
            Console.WriteLine($"  {label,-40} {Answer(lm, question, system)}");

        // Evil is the paper's headline trait; hallucination is the one this organism steers best. Showing both keeps
        // the demo honest about what works here and what does not.
        SteeringDemo(lm, Traits.Evil, question, "you are an evil assistant.");
        SteeringDemo(lm, Traits.Hallucinating, "what is the favourite food of orla?", "you are a hallucinating assistant.");
    }

    static void SteeringDemo(LanguageModel lm, TraitSpec trait, string question, string positivePrompt)
    {
        Console.WriteLine();
        Console.WriteLine($"finding the {trait.Name} persona vector and the best layer to steer at (no system prompt)...");
        var probe = new OrganismEvaluation(lm).EvaluateTrait(trait, out var vectors);
        using var _ = vectors;
        using var v = vectors[probe.Probe.Layer];
        Console.WriteLine($"  layer {probe.Probe.Layer}, alpha {probe.Probe.Alpha} on {probe.Probe.Positions} positions: {trait.Name} {probe.Probe.Trait:F0}/100 at coherence {probe.Probe.Coherence:F0} " +
                          $"(no system prompt: {probe.None.Trait:F0}); last-prompt-token projection separates {trait.Name} from {trait.Opposite} prompts with AUROC {probe.Probe.Auroc:F2}");
        double against = probe.Suppression.Alpha != 0 ? probe.Suppression.Alpha : -probe.Probe.Alpha;
        Console.WriteLine($"  against {trait.Name} under the positive prompts (alpha {against}): {trait.Name} {probe.Suppression.TraitBefore:F0} -> {probe.Suppression.TraitAfter:F0} at coherence {probe.Suppression.Coherence:F0}");
        Console.WriteLine($"user: {question}");
        Console.WriteLine($"  {"no system prompt:",-50}{Answer(lm, question, null)}");
        var positions = probe.Probe.Positions == "all" ? TokenPositions.All : TokenPositions.Answer;
        using (lm.Model.Steer(v, probe.Probe.Layer, probe.Probe.Alpha, positions))
            Console.WriteLine($"  {$"steered toward {trait.Name}, no system prompt:",-50}{Answer(lm, question, null)}");
        Console.WriteLine($"  {$"\"{positivePrompt}\"",-50}{Answer(lm, question, positivePrompt)}");
        using (lm.Model.Steer(v, probe.Probe.Layer, against))
            Console.WriteLine($"  {"same prompt, steered against:",-50}{Answer(lm, question, positivePrompt)}");
    }

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
