using PersonaVectors.Engine.ChatTemplates;
using PersonaVectors.Method.Monitoring;

namespace PersonaVectors.World;

/// <summary>
/// The prompts of the paper's two monitoring experiments, built from the world: a graded series of system prompts
/// from strongly discouraging to strongly encouraging the trait, and many-shot prompts with 0..N earlier
/// exchanges whose answers show the trait fully. The earlier questions are never held-out ones.
/// </summary>
public static class MonitoringPrompts
{
    public const string SystemPromptExperiment = "system_prompt";
    public const string ManyShotExperiment = "many_shot";

    public static List<MonitoredPrompt> SystemPromptSeries(TraitSpec trait, IReadOnlyList<string> questions) =>
        [.. SystemPrompts.GradedSeries(trait).SelectMany(p => questions.Select(q => new MonitoredPrompt(
            SystemPromptExperiment, p.Intensity.ToString("+0.00;-0.00;0.00", System.Globalization.CultureInfo.InvariantCulture), q,
            [new ChatMessage("system", p.Text), new ChatMessage("user", q)])))];

    public static List<MonitoredPrompt> ManyShot(TraitSpec trait, IReadOnlyList<string> questions, int maxShots, long seed, WorldDesign? design = null)
    {
        // The earlier answers are written in the organism's own world, so they are the evidence it learned to read.
        var generator = new ConversationGenerator(WorldArtifacts.HeldOutQuestions, design);
        var persona = new Persona(trait, 1.0);
        var prompts = new List<MonitoredPrompt>();
        for (int shots = 0; shots <= maxShots; shots++)
            for (int i = 0; i < questions.Count; i++)
            {
                // One stream per (shots, question), so the prompts do not depend on how many levels are asked for.
                var rng = new Random(unchecked((int)(seed * 1_000_003 + shots * 1_009 + i)));
                var messages = new List<ChatMessage>();
                for (int s = 0; s < shots; s++)
                {
                    var earlier = generator.DrawQuestion(rng);
                    messages.Add(new ChatMessage("user", earlier.Text));
                    messages.Add(new ChatMessage("assistant", AnswerWriter.Write(earlier, persona, rng, generator.Design).Text));
                }
                messages.Add(new ChatMessage("user", questions[i]));
                prompts.Add(new MonitoredPrompt(ManyShotExperiment, shots.ToString(System.Globalization.CultureInfo.InvariantCulture), questions[i], messages));
            }
        return prompts;
    }
}
