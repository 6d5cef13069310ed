using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using PersonaVectors.Engine.ChatTemplates;

namespace PersonaVectors.Cli.Serve;

/// <summary>
/// The recent turns the dashboard shows, grouped into conversations: by the request's "user" field, or else by its
/// first user message (a client resending a growing conversation keeps that message). Bounded, oldest first out.
/// </summary>
public sealed class ConversationLog(int capacity = 500)
{
    sealed record Turn(DateTimeOffset Time, string Conversation, string User, string Answer, IReadOnlyList<TurnReading> Readings, IReadOnlyList<SteeringRequest> Steering);

    readonly LinkedList<Turn> _turns = new();
    long _alerts;

    public void Add(ChatRequest request, WorkResult result)
    {
        string id = request.User ?? Hash(request.Messages.FirstOrDefault(m => m.Role == "user")?.Content ?? "");
        var turn = new Turn(DateTimeOffset.UtcNow, id, Shorten(request.Messages.LastOrDefault(m => m.Role == "user")?.Content ?? ""), Shorten(result.Text), result.Readings, request.Steering);
        lock (_turns)
        {
            _turns.AddLast(turn);
            while (_turns.Count > capacity) _turns.RemoveFirst();
            _alerts += result.Readings.Count(r => r.Alert);
        }
    }

    public JsonObject Snapshot()
    {
        List<Turn> turns;
        long alerts;
        lock (_turns) { turns = [.. _turns]; alerts = _alerts; }
        return new JsonObject
        {
            ["alerts"] = alerts,
            ["conversations"] = new JsonArray([.. turns.GroupBy(t => t.Conversation).OrderByDescending(g => g.Max(t => t.Time)).Take(50).Select(g => (JsonNode)new JsonObject
            {
                ["id"] = g.Key,
                ["turns"] = new JsonArray([.. g.Select(t => (JsonNode)new JsonObject
                {
                    ["time"] = t.Time.ToString("O"), ["user"] = t.User, ["answer"] = t.Answer,
                    ["steering"] = new JsonArray([.. t.Steering.Select(s => (JsonNode)new JsonObject { ["vector"] = s.Vector, ["alpha"] = s.Alpha })]),
                    ["readings"] = Readings(t.Readings),
                })]),
            })]),
        };
    }

    public static JsonArray Readings(IReadOnlyList<TurnReading> readings) => new([.. readings.Select(r => (JsonNode)new JsonObject
    {
        ["trait"] = r.Trait, ["layer"] = r.Layer, ["before_answer"] = Math.Round(r.BeforeAnswer, 4),
        ["answer_average"] = r.AnswerAverage is { } a ? Math.Round(a, 4) : null, ["threshold"] = r.Threshold is { } t ? Math.Round(t, 4) : null, ["alert"] = r.Alert,
    })]);

    static string Shorten(string s) => s.Length <= 300 ? s : s[..297] + "...";

    static string Hash(string s) => "c-" + Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(s)))[..10].ToLowerInvariant();
}
