using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using PersonaVectors.Engine.ChatTemplates;
using PersonaVectors.Method.Monitoring;

namespace PersonaVectors.Cli.Serve;

/// <summary>
/// The recent turns the dashboard shows, grouped into conversations: by the request's "user" field, or else by its
/// first user message (a client resending a growing conversation keeps that message). It keeps at most
/// <paramref name="conversations"/> conversations (the least recently active go first) of at most
/// <see cref="TurnsPerConversation"/> turns each, every text shortened, so memory stays flat under any load.
/// </summary>
public sealed class ConversationLog(int conversations = 50)
{
    public const int TurnsPerConversation = 20;

    sealed record Turn(DateTimeOffset Time, string User, string Answer, IReadOnlyList<TraitReading> Readings, IReadOnlyList<SteeringTerm> Steering);

    // Most recently active last; each conversation's turns oldest first.
    readonly LinkedList<(string Id, Queue<Turn> Turns)> _conversations = new();
    long _alerts;

    public int Capacity => conversations;

    public void Add(ChatRequest request, WorkResult result)
    {
        string id = request.User ?? Hash(request.Messages.FirstOrDefault(m => m.Role == "user")?.Content ?? "");
        string user = Shorten(request.Messages.LastOrDefault(m => m.Role == "user")?.Content ?? "");
        lock (_conversations)
        {
            var node = _conversations.First;
            while (node is not null && node.Value.Id != id) node = node.Next;
            if (node is null) node = _conversations.AddLast((id, new Queue<Turn>()));
            else { _conversations.Remove(node); _conversations.AddLast(node); }
            foreach (var c in result.Choices)
            {
                node.Value.Turns.Enqueue(new Turn(DateTimeOffset.UtcNow, user, Shorten(c.Text), c.Readings, request.Steering));
                while (node.Value.Turns.Count > TurnsPerConversation) node.Value.Turns.Dequeue();
                _alerts += c.Readings.Count(r => r.Alert);
            }
            while (_conversations.Count > conversations) _conversations.RemoveFirst();
        }
    }

    public JsonObject Snapshot()
    {
        List<(string Id, Turn[] Turns)> shown;
        long alerts;
        lock (_conversations) { shown = [.. _conversations.Reverse().Select(c => (c.Id, c.Turns.ToArray()))]; alerts = _alerts; }
        return new JsonObject
        {
            ["alerts"] = alerts,
            ["conversations"] = new JsonArray([.. shown.Select(c => (JsonNode)new JsonObject
            {
                ["id"] = c.Id,
                ["turns"] = new JsonArray([.. c.Turns.Select(t => (JsonNode)new JsonObject
                {
                    ["time"] = t.Time.ToString("O"), ["user"] = t.User, ["answer"] = t.Answer,
                    ["steering"] = new JsonArray([.. t.Steering.Select(s => (JsonNode)new JsonObject { ["vector"] = s.Trait, ["alpha"] = s.Alpha })]),
                    ["readings"] = Readings(t.Readings),
                })]),
            })]),
        };
    }

    public static JsonArray Readings(IReadOnlyList<TraitReading> readings) => new([.. readings.Select(r => (JsonNode)new JsonObject
    {
        ["trait"] = r.Trait, ["layer"] = r.Layer, ["before_answer"] = Math.Round(r.BeforeAnswer, 4),
        ["answer_average"] = r.AnswerAverage is { } a ? Math.Round(a, 4) : null, ["threshold"] = r.Threshold is { } t ? Math.Round(t, 4) : null, ["alert"] = r.Alert,
        ["gate"] = r.Gate?.ToJson(),
    })]);

    static string Shorten(string s) => s.Length <= 300 ? s : s[..297] + "...";

    static string Hash(string s) => "c-" + Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(s)))[..10].ToLowerInvariant();
}
