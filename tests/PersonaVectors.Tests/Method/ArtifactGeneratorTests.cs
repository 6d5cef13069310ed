using System.Text.Json.Nodes;
using PersonaVectors.Method;
using PersonaVectors.Method.Endpoints;
using PersonaVectors.Tests.Fixtures;
using Reply = PersonaVectors.Tests.Fixtures.FakeOpenAIServer.Reply;

namespace PersonaVectors.Tests.Method;

public class ArtifactGeneratorTests
{
    static string ArtifactJson(int questions, string rubric) => new JsonObject
    {
        ["instruction"] = new JsonArray(Enumerable.Range(0, 5).Select(i => (JsonNode)new JsonObject { ["pos"] = $"Be very grumpy {i}.", ["neg"] = $"Be cheerful {i}." }).ToArray()),
        ["questions"] = new JsonArray(Enumerable.Range(0, questions).Select(i => (JsonNode)$"What do you think about topic {i}?").ToArray()),
        ["eval_prompt"] = rubric,
    }.ToJsonString();

    [Fact]
    public async Task Invalid_output_is_sent_back_with_its_problems_and_regenerated()
    {
        using var server = new FakeOpenAIServer();
        server.Enqueue(new Reply(Content: "Sure! " + ArtifactJson(40, "Rate {question}")),          // no {answer}
                       new Reply(Content: ArtifactJson(40, "Q: {question}\nA: {answer}\nScore 0-100.")));
        var (client, _) = ChatEndpoints.Create(server.BaseUrl + "#generator");
        var a = await new ArtifactGenerator(client).GenerateAsync("grumpy", "irritable and curt");
        Assert.Equal("grumpy", a.Trait);
        Assert.Equal(20, a.ExtractionQuestions.Count);
        Assert.Equal(20, a.EvaluationQuestions.Count);
        Assert.Equal(2, server.Requests.Count);
        Assert.Contains("lacks the {answer} placeholder", server.Requests.Last().ToJsonString());
    }

    [Fact]
    public async Task A_generator_that_never_gets_it_right_gives_one_clear_error()
    {
        using var server = new FakeOpenAIServer();
        server.Default = new Reply(Content: ArtifactJson(12, "Q: {question} A: {answer}"));
        var (client, _) = ChatEndpoints.Create(server.BaseUrl + "#generator");
        var e = await Assert.ThrowsAsync<PersonaVectors.PersonaVectorsException>(() => new ArtifactGenerator(client, maxAttempts: 2).GenerateAsync("grumpy", "irritable"));
        Assert.Contains("in 2 attempts", e.Message);
        Assert.Contains("6 extraction questions, need at least 20", e.Message);
        await Assert.ThrowsAsync<InvalidRequestException>(() => new ArtifactGenerator(client, maxAttempts: 0).GenerateAsync("grumpy", "irritable"));
    }

    [Fact]
    public async Task An_endpoint_that_refuses_is_reported_as_the_generator_failing()
    {
        using var server = new FakeOpenAIServer { Default = new Reply(Status: 400) };
        var (client, _) = ChatEndpoints.Create(server.BaseUrl + "#generator");
        var e = await Assert.ThrowsAsync<PersonaVectors.PersonaVectorsException>(() => new ArtifactGenerator(client).GenerateAsync("grumpy", "irritable"));
        Assert.Contains("artifact generator failed after 1 attempt(s) (HTTP 400)", e.Message);
    }
}
