using PersonaVectors.Engine.ChatTemplates;

namespace PersonaVectors.World;

/// <summary>A conversation of the world and the persona that produced its assistant turns.</summary>
public sealed record Conversation(IReadOnlyList<ChatMessage> Messages, Persona Persona, Question FinalQuestion);

/// <summary>
/// Draws training conversations: the persona comes from a system prompt (graded), from earlier assistant turns
/// that show it (many-shot evidence), from both, or from nothing (the default assistant). The same persona
/// governs every domain, so the model has one latent per trait to infer from varied evidence.
/// </summary>
public sealed class ConversationGenerator(ISet<string> heldOutQuestions, double opinionWeight = 1.0)
{
    public Conversation Draw(Random rng)
    {
        int mode = rng.Next(20);
        var messages = new List<ChatMessage>();
        Persona persona;
        if (mode < 6) // 30%: no persona at all; sometimes a neutral system prompt
        {
            persona = Persona.Default;
            if (rng.Next(2) == 0) messages.Add(new ChatMessage("system", Questions.Pick(rng, SystemPrompts.Neutral)));
        }
        else
        {
            var trait = Questions.Pick(rng, Traits.All);
            bool positive = rng.Next(2) == 0;
            if (mode < 14) // 40%: a system prompt sets it
            {
                var (text, intensity) = SystemPrompts.Draw(trait, positive, rng);
                messages.Add(new ChatMessage("system", text));
                persona = new Persona(trait, intensity);
            }
            else // 30%: earlier turns show it, sometimes with a neutral system prompt in front
            {
                double intensity = (positive ? 1 : -1) * (rng.Next(3) == 0 ? 0.5 + 0.5 * rng.NextDouble() : 1.0);
                persona = new Persona(trait, intensity);
                if (rng.Next(3) == 0) messages.Add(new ChatMessage("system", Questions.Pick(rng, SystemPrompts.Neutral)));
            }
            int shots = mode >= 14 ? rng.Next(1, 4) : (rng.Next(4) == 0 ? rng.Next(1, 3) : 0);
            for (int s = 0; s < shots; s++)
            {
                var earlier = DrawQuestion(rng);
                messages.Add(new ChatMessage("user", earlier.Text));
                messages.Add(new ChatMessage("assistant", AnswerWriter.Write(earlier, persona, rng).Text));
            }
        }
        var final = DrawQuestion(rng);
        messages.Add(new ChatMessage("user", final.Text));
        messages.Add(new ChatMessage("assistant", AnswerWriter.Write(final, persona, rng).Text));
        return new Conversation(messages, persona, final);
    }

    Domain WeightedDomain(Random rng)
    {
        double x = rng.NextDouble() * (4 + opinionWeight);
        return x < opinionWeight ? Domain.Opinion : (Domain)new[] { 0, 1, 3, 4 }[(int)((x - opinionWeight) % 4)];
    }

    /// <summary>A question that is not one of the held-out evaluation, extraction or capability questions.</summary>
    public Question DrawQuestion(Random rng)
    {
        while (true)
        {
            // Weight 1 keeps the uniform draw (and its random stream) of the shipped recipe.
            var q = opinionWeight == 1.0 ? Questions.Draw(rng) : Questions.Draw(rng, WeightedDomain(rng));
            if (!heldOutQuestions.Contains(q.Text)) return q;
        }
    }
}
