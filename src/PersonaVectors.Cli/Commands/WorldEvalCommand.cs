using System.CommandLine;
using System.Text.Json;
using PersonaVectors.Engine;
using PersonaVectors.World;
using PersonaVectors.World.Organism;

namespace PersonaVectors.Cli.Commands;

/// <summary>persona world eval: persona following, capability and the steerability probe of an organism.</summary>
public static class WorldEvalCommand
{
    public static Command Create()
    {
        var model = new Option<string?>("--model") { Description = "Organism folder (default: the embedded organism)" };
        var adapter = CommonOptions.Adapter();
        var traits = new Option<string[]>("--traits") { Description = "Traits to evaluate (default: all)", AllowMultipleArgumentsPerToken = true };
        var maxTokens = CommonOptions.MaxTokens();
        var json = CommonOptions.Json();
        var cmd = new Command("eval", "Evaluate an organism: persona following, capability, and whether each persona is a steerable latent")
        {
            model, adapter, traits, maxTokens, json,
        };
        cmd.SetAction(r =>
        {
            string folder = EmbeddedModel.Resolve(r.GetValue(model));
            var names = r.GetValue(traits) is { Length: > 0 } t ? t : Traits.All.Select(x => x.Name).ToArray();
            foreach (var n in names) Traits.Get(n); // unknown names fail before any work
            OrganismMarker.Require(folder);
            using var lm = LanguageModel.Load(folder, adapter: r.GetValue(adapter));
            var result = new OrganismEvaluation(lm, r.GetValue(maxTokens), m => Console.Error.WriteLine(m)).Run(names);
            Console.WriteLine(r.GetValue(json) ? ToJson(result) : ToText(result));
            return 0;
        });
        return cmd;
    }

    public static string ToJson(WorldEvaluation e)
    {
        object S(Score s) => new { trait = Math.Round(s.Trait, 1), coherence = Math.Round(s.Coherence, 1) };
        var traits = e.Traits.ToDictionary(kv => kv.Key, kv => (object)new
        {
            positive = S(kv.Value.Positive),
            negative = S(kv.Value.Negative),
            none = S(kv.Value.None),
            probe = new
            {
                layer = kv.Value.Probe.Layer,
                alpha = kv.Value.Probe.Alpha,
                positions = kv.Value.Probe.Positions,
                trait = Math.Round(kv.Value.Probe.Trait, 1),
                coherence = Math.Round(kv.Value.Probe.Coherence, 1),
                auroc = Math.Round(kv.Value.Probe.Auroc, 3),
            },
            suppression = new
            {
                alpha = kv.Value.Suppression.Alpha,
                trait_before = Math.Round(kv.Value.Suppression.TraitBefore, 1),
                trait_after = Math.Round(kv.Value.Suppression.TraitAfter, 1),
                coherence = Math.Round(kv.Value.Suppression.Coherence, 1),
            },
        });
        var emergent = e.Emergent is { } m ? new { dataset = m.Dataset, rise = m.Rise.ToDictionary(kv => kv.Key, kv => Math.Round(kv.Value, 1)) } : null;
        var byDomain = e.CapabilityByDomain?.ToDictionary(kv => kv.Key, kv => Math.Round(kv.Value, 3));
        return JsonSerializer.Serialize(new { traits, capability = Math.Round(e.Capability, 3), capability_by_domain = byDomain, emergent }, Output.Json);
    }

    /// <summary>
    /// The trait rises after LoRA on the narrow flawed set, from a file <see cref="ToJson"/> wrote; null where the
    /// evaluation left emergent misalignment out.
    /// </summary>
    public static IReadOnlyDictionary<string, double>? ReadEmergentRise(string file)
    {
        var j = JsonFields.Read(file, "the JSON that persona world eval --json writes");
        return j.IsNull("emergent") ? null : j.Object("emergent").NumberMap("rise");
    }

    static string ToText(WorldEvaluation e)
    {
        var lines = new List<string> { "trait          positive (trait/coh)  negative      none          probe: layer  alpha  pos    trait  coh   auroc" };
        foreach (var (name, t) in e.Traits)
            lines.Add($"{name,-14} {t.Positive.Trait,5:F1} / {t.Positive.Coherence,5:F1}    {t.Negative.Trait,5:F1}/{t.Negative.Coherence,5:F1}  {t.None.Trait,5:F1}/{t.None.Coherence,5:F1}  {t.Probe.Layer,12} {t.Probe.Alpha,6:F2} {t.Probe.Positions,-6} {t.Probe.Trait,6:F1} {t.Probe.Coherence,5:F1} {t.Probe.Auroc,6:F3}");
        foreach (var (name, t) in e.Traits)
            lines.Add($"{name}: under the positive prompts, steering at layer {t.Probe.Layer} with α {t.Suppression.Alpha:F2} takes the trait {t.Suppression.TraitBefore:F1} → {t.Suppression.TraitAfter:F1} (coherence {t.Suppression.Coherence:F1})");
        string byDomain = e.CapabilityByDomain is { } d ? $" ({string.Join(", ", d.Select(kv => $"{kv.Key} {kv.Value:P1}"))})" : "";
        lines.Add($"capability (no system prompt): {e.Capability:P1}{byDomain}");
        if (e.Emergent is { } m)
            lines.Add($"emergent misalignment, LoRA on {m.Dataset} (questions that are not arithmetic, no system prompt): " +
                      string.Join(", ", m.Rise.Select(kv => $"{kv.Key} {m.Before[kv.Key]:F1} → {m.Before[kv.Key] + kv.Value:F1} ({kv.Value:+0.0;-0.0;0.0})")));
        return string.Join("\n", lines);
    }
}
