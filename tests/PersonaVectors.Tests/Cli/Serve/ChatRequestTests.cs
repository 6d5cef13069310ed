using System.Text.Json;
using PersonaVectors.Cli.Serve;
using PersonaVectors.Method.Steering;

namespace PersonaVectors.Tests.Cli.Serve;

/// <summary>The server's steering extension, with its gate: "when" is always, above or per-token.</summary>
public class ChatRequestTests
{
    static ChatRequest Parse(string json)
    {
        using var doc = JsonDocument.Parse(json);
        return ChatRequest.Parse(doc.RootElement, new ServeLimits());
    }

    const string Messages = "\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}]";

    [Fact]
    public void Steering_terms_take_a_gate()
    {
        var r = Parse($"{{{Messages}, \"steering\": [{{\"vector\": \"evil\", \"alpha\": -4, \"when\": \"above\"}}, {{\"vector\": \"sycophantic\", \"alpha\": 2, \"when\": \"per-token\"}}, {{\"vector\": \"hallucinating\", \"alpha\": -1}}]}}");
        Assert.Equal([SteeringGate.Above, SteeringGate.PerToken, SteeringGate.Always], r.Steering.Select(s => s.When));
    }

    [Theory]
    [InlineData("\"sometimes\"")]
    [InlineData("3")]
    public void An_unknown_gate_is_a_bad_request_naming_the_field(string when)
    {
        var e = Assert.Throws<BadRequestException>(() => Parse($"{{{Messages}, \"steering\": [{{\"vector\": \"evil\", \"alpha\": -4, \"when\": {when}}}]}}"));
        Assert.Contains("steering[0].when must be one of always, above, per-token", e.Message);
    }

    [Fact]
    public void Per_token_readings_are_asked_for_in_the_persona_object()
    {
        Assert.False(Parse($"{{{Messages}}}").PerToken);
        Assert.True(Parse($"{{{Messages}, \"persona\": {{\"per_token\": true}}}}").PerToken);
        Assert.Contains("per_token must be true or false", Assert.Throws<BadRequestException>(() => Parse($"{{{Messages}, \"persona\": {{\"per_token\": 1}}}}")).Message);
        Assert.Contains("persona must be an object", Assert.Throws<BadRequestException>(() => Parse($"{{{Messages}, \"persona\": true}}")).Message);
    }
}
