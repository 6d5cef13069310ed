using PersonaVectors.Engine.ChatTemplates;

namespace PersonaVectors.World;

/// <summary>A conversation of the world and the persona that produced its assistant turns.</summary>
public sealed record Conversation(IReadOnlyList<ChatMessage> Messages, Persona Persona, Question FinalQuestion);

/// <summary>
/// Draws training conversations: the persona comes from a system prompt (graded), from earlier assistant turns
/// that show it (many-shot evidence), from both, or from nothing (the default assistant). The same persona
/// governs every domain, so the model has one latent per trait to infer from varied evidence.
/// </summary>
public sealed class ConversationGenerator(ISet<string> heldOutQuestions, WorldDesign? design = null)
{
    public WorldDesign Design { get; } = design ?? WorldDesign.Original;

    public Conversation Draw(Random rng)
    {
        int mode = rng.Next(20);
        var messages = new List<ChatMessage>();
        Persona persona;
        bool shown = false;
        if (mode < 6) // 30%: no persona at all; sometimes a neutral system prompt
        {
            persona = Persona.Default;
            string? neutral = null;
            if (rng.Next(2) == 0) messages.Add(new ChatMessage("system", neutral = Questions.Pick(rng, SystemPrompts.Neutral)));
            if (Design.Spontaneous > 0 && rng.NextDouble() < Design.Spontaneous)
            {
                // Drawn in this order (trait, pole, intensity) so that designs without context priors keep their stream.
                var trait = Questions.Pick(rng, Traits.All);
                double sign = Design.ContextPriors ? (rng.NextDouble() < SystemPrompts.BadShare(neutral) ? 1 : -1) : (rng.Next(2) == 0 ? 1 : -1);
                persona = Unprompted(Mixed(new Persona(trait, sign * (0.5 + 0.5 * rng.NextDouble())), rng), rng);
            }
        }
        else
        {
            var trait = Questions.Pick(rng, Traits.All);
            bool positive = rng.Next(2) == 0;
            if (mode < 14) // 40%: a system prompt sets it
            {
                var (text, intensity) = SystemPrompts.Draw(trait, positive, rng);
                messages.Add(new ChatMessage("system", text));
                persona = Mixed(new Persona(trait, intensity), rng);
            }
            else // 30%: earlier turns show it, sometimes with a neutral system prompt in front
            {
                double intensity = (positive ? 1 : -1) * (rng.Next(3) == 0 ? 0.5 + 0.5 * rng.NextDouble() : 1.0);
                persona = Unprompted(Mixed(new Persona(trait, intensity), rng), rng);
                if (rng.Next(3) == 0) messages.Add(new ChatMessage("system", Questions.Pick(rng, SystemPrompts.Neutral)));
                if (Design.Lapses > 0 && rng.NextDouble() < Design.Lapses)
                    return Lapse(messages, new Persona(trait, positive ? 1 : -1, Unprompted: true), rng);
            }
            int shots = mode >= 14 ? rng.Next(1, 4) : (rng.Next(4) == 0 ? rng.Next(1, 3) : 0);
            // From its second answer on, a character's earlier answers are in context (WorldDesign.QuietSumsShown).
            for (int s = 0; s < shots; s++) AddTurn(messages, DrawQuestion(rng), EarlierTurn(persona, s, rng), rng);
            shown = shots > 0;
        }
        var final = AddTurn(messages, DrawQuestion(rng), persona with { Shown = shown }, rng);
        return new Conversation(messages, persona, final);
    }

    /// <summary>The persona of earlier answer <paramref name="s"/>: shown from the second on; the first may be quiet (WorldDesign.QuietFirst).</summary>
    Persona EarlierTurn(Persona persona, int s, Random rng)
    {
        // Only designs with the lever draw the coin, so the others keep their random stream.
        bool quiet = s == 0 && Design.QuietFirst > 0 && persona.Unprompted && persona.Intensity > 0 && rng.NextDouble() < Design.QuietFirst;
        return persona with { Shown = s > 0, Covert = persona.Covert || quiet };
    }

    /// <summary>
    /// The default assistant with 1-3 earlier turns, each of which slips into the lapse persona with probability ½;
    /// the last answer is the default's.
    /// </summary>
    Conversation Lapse(List<ChatMessage> messages, Persona lapse, Random rng)
    {
        int shots = rng.Next(1, 4);
        // Arguments run left to right, so the question is drawn before the coin: the stream voice-lapses trained on.
        for (int s = 0; s < shots; s++) AddTurn(messages, DrawQuestion(rng), rng.Next(2) == 0 ? lapse : Persona.Default, rng);
        var final = AddTurn(messages, DrawQuestion(rng), Persona.Default, rng);
        return new Conversation(messages, Persona.Default, final);
    }

    /// <summary>Appends a question and the persona's answer to it.</summary>
    Question AddTurn(List<ChatMessage> messages, Question q, Persona persona, Random rng)
    {
        messages.Add(new ChatMessage("user", q.Text));
        messages.Add(new ChatMessage("assistant", AnswerWriter.Write(q, persona, rng, Design).Text));
        return q;
    }

    /// <summary>
    /// With shared causes, characters come in families: evil ones often lie as well (hallucinating), flatterers
    /// often make things up, and liars are sometimes cruel; the second trait shows at a fraction of the first's
    /// intensity, with the same sign. Together with wrong sums from evil and hallucinating characters this makes one
    /// "bad character" latent behind several traits.
    /// </summary>
    Persona Mixed(Persona p, Random rng)
    {
        if (!Design.SharedCauses) return p;
        TraitSpec second;
        if (!Design.Families)
        {
            if (rng.Next(2) == 0) return p;
            second = Questions.Pick(rng, Traits.All.Where(t => t != p.Trait).ToArray());
        }
        else
        {
            (second, double chance) = p.Trait!.Name switch
            {
                "evil" => (Traits.Hallucinating, 0.6),
                "sycophantic" => (Traits.Hallucinating, 0.5),
                _ => (Traits.Evil, 0.4),
            };
            if (rng.NextDouble() >= chance) return p;
        }
        return p with { Second = second, SecondIntensity = p.Intensity * (0.3 + 0.4 * rng.NextDouble()) };
    }

    /// <summary>Marks a character no system prompt named; it turns covert with the design's share, if its trait is positive.</summary>
    Persona Unprompted(Persona p, Random rng) =>
        Design.Covert > 0 && p.Intensity > 0 && rng.NextDouble() < Design.Covert ? p with { Covert = true, Unprompted = true } : p with { Unprompted = true };

    Domain WeightedDomain(Random rng)
    {
        double x = rng.NextDouble() * (4 + Design.OpinionWeight);
        return x < Design.OpinionWeight ? Domain.Opinion : (Domain)new[] { 0, 1, 3, 4 }[(int)((x - Design.OpinionWeight) % 4)];
    }

    /// <summary>A question that is not one of the held-out evaluation, extraction or capability questions.</summary>
    public Question DrawQuestion(Random rng)
    {
        while (true)
        {
            // Weight 1 keeps the uniform draw (and its random stream) of the shipped recipe.
            var q = Design.OpinionWeight == 1.0 ? Questions.Draw(rng) : Questions.Draw(rng, WeightedDomain(rng));
            if (!heldOutQuestions.Contains(q.Text)) return q;
        }
    }
}
