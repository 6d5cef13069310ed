namespace PersonaVectors.Engine.ChatTemplates;

/// <summary>One turn of a conversation, as chat templates and chat JSON files see it.</summary>
public sealed record ChatMessage(string Role, string Content);
