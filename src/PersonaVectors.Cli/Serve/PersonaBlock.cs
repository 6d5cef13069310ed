using System.Text.Json.Nodes;
using PersonaVectors.Method.Steering;

namespace PersonaVectors.Cli.Serve;

/// <summary>The "persona" extension of every answer, the same in the OpenAI and the Ollama API.</summary>
public static class PersonaBlock
{
    /// <summary>The response's persona extension: the first choice's readings (the before-answer reading is the same for every choice), alerts and steering.</summary>
    public static JsonObject Of(ChatRequest request, WorkResult result)
    {
        var persona = Choice(result.Choices[0]);
        persona["steering"] = new JsonArray([.. request.Steering.Select(s => (JsonNode)new JsonObject { ["vector"] = s.Trait, ["layer"] = s.Layer, ["alpha"] = s.Alpha, ["when"] = SteeringGates.Name(s.When) })]);
        return persona;
    }

    public static JsonObject Choice(ChoiceResult c)
    {
        var o = new JsonObject
        {
            ["readings"] = ConversationLog.Readings(c.Readings),
            ["alerts"] = new JsonArray([.. c.Readings.Where(r => r.Alert).Select(r => (JsonNode)r.Trait)]),
        };
        // One projection per answer token, in the order of the choice's tokens.
        if (c.PerToken is { } perToken)
            o["per_token"] = new JsonArray([.. perToken.Select(t => (JsonNode)new JsonObject
            {
                ["trait"] = t.Trait, ["layer"] = t.Layer,
                ["projections"] = new JsonArray([.. t.Projections.Select(x => (JsonNode)Math.Round(x, 4))]),
            })]);
        return o;
    }
}
