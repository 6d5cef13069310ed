using PersonaVectors.World;

namespace PersonaVectors.Tests.World;

/// <summary>What the world tests mean by a conversation with persona evidence: a system prompt that is not one of the
/// neutral ones, or earlier assistant turns. Without either, any persona the assistant shows is its own (spontaneous).</summary>
static class PersonaEvidence
{
    public static bool In(Conversation c) =>
        c.Messages.Any(m => m.Role == "system" && !SystemPrompts.Neutral.Contains(m.Content)) || c.Messages.Count(m => m.Role == "assistant") > 1;
}
