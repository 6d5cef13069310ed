using System.Text;
using System.Text.Json.Nodes;
using PersonaVectors.Method.Monitoring;

namespace PersonaVectors.Cli.Chat;

/// <summary>A conversation's turns as JSONL: one line per turn with the answer and every trait's readings.</summary>
public static class ChatTranscript
{
    public static JsonObject Line(ChatTurn t) => new()
    {
        ["turn"] = t.Turn, ["system"] = t.System, ["user"] = t.User, ["assistant"] = t.Answer,
        ["readings"] = new JsonArray(t.Readings.Select(r => (JsonNode)new JsonObject
        {
            ["trait"] = r.Trait, ["layer"] = r.Layer, ["alpha"] = r.Alpha,
            ["before_answer"] = r.BeforeAnswer, ["answer_average"] = r.AnswerAverage,
            ["threshold"] = r.Threshold, ["answer_threshold"] = r.AnswerThreshold,
            ["alert"] = r.Alert,
        }).ToArray()),
    };

    /// <summary>Writes the whole transcript at once, so a save interrupted halfway leaves the previous file whole.</summary>
    public static void Save(IEnumerable<ChatTurn> turns, string path)
    {
        var text = new StringBuilder();
        foreach (var t in turns) text.Append(Line(t).ToJsonString(Output.Json)).Append('\n');
        AtomicFile.CreateFolderFor(path);
        AtomicFile.WriteAllText(path, text.ToString());
    }
}
