using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using PersonaVectors.Method.Extraction;

namespace PersonaVectors.Tests.Fixtures;

/// <summary>
/// Writes an extraction run folder in the formats persona extract, persona steer sweep and persona monitor
/// write (the extraction's JSONL through its own RunFile and record types), with known figures to find in a report.
/// </summary>
public static class ExtractionRunFolder
{
    public const int Layers = 4;
    public static readonly double[] SearchAlphas = [0.5, 1, 1.5];
    public static readonly string[] SearchPositions = ["all", "answer"];

    /// <summary>An answer with markup and an entity in it: the report must show it as text.</summary>
    public const string MarkupAnswer = "<script>alert(1)</script> & <b>bold</b>";

    public static string Write(string dir, string trait, bool monitor, bool sweep)
    {
        Directory.CreateDirectory(dir);
        Directory.CreateDirectory(Path.Combine(dir, "vectors")); // the report reads none, but a finished run has the folder
        WriteSummary(dir, trait);
        WriteSteering(dir);
        WriteAnswers(dir, trait);
        if (sweep) WriteSweep(Path.Combine(dir, "sweep"));
        if (monitor) WriteMonitor(Path.Combine(dir, "monitor"), trait);
        return dir;
    }

    static void WriteSummary(string dir, string trait)
    {
        var summary = new JsonObject
        {
            ["layer"] = 3,
            ["baseline_trait"] = 0,
            ["baseline_coherence"] = 95,
            ["steered_alpha"] = 3.75,
            ["steered_positions"] = "answer",
            ["steered_trait"] = 15,
            ["steered_coherence"] = 90,
            ["suppressed_alpha"] = -2.25,
            ["suppressed_trait_before"] = 95,
            ["suppressed_trait_after"] = 77.33,
            ["suppressed_coherence"] = 86,
            ["per_layer"] = new JsonObject { ["3"] = new JsonObject { ["alpha"] = 3.75, ["positions"] = "answer", ["trait_gain"] = 15, ["coherence"] = 90 } },
            ["trait"] = trait,
            ["model"] = "/models/organism",
            ["judge"] = "world",
            ["counts"] = new JsonObject { ["answers"] = 16, ["pairs"] = 8, ["scored"] = 8, ["positive_trait_ok"] = 7, ["negative_trait_ok"] = 6, ["kept"] = 5 },
            ["vector_norms"] = new JsonObject { ["response_avg"] = new JsonArray(0.25, 27.1, 30.3, 36.4, 43.6) },
        };
        File.WriteAllText(Path.Combine(dir, "summary.json"), summary.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
    }

    static void WriteSteering(string dir)
    {
        var file = new RunFile<SteeringRecord>(Path.Combine(dir, "steering.jsonl"), r => r.Key);
        var records = new List<SteeringRecord> { new("steer/0/all/0", "steer", 0, 0, "all", 0, 95, 20) };
        foreach (string positions in SearchPositions)
            for (int layer = 1; layer <= Layers; layer++)
                foreach (double alpha in SearchAlphas)
                    records.Add(new($"steer/{layer}/{positions}/{Invariant(alpha)}", "steer", layer, alpha, positions, layer * alpha * 5, 95 - layer * alpha * 10, 20));
        records.Add(new("suppress/3/all/0", "suppress", 3, 0, "all", 95, 95, 100));
        records.Add(new("suppress/3/all/-0.5", "suppress", 3, -0.5, "all", 80, 90, 100));
        file.Append(records);
    }

    // Eight pairs (one instruction pair, eight questions); pairs 0-4 kept, pair 2's positive answer has markup in it.
    static void WriteAnswers(string dir, string trait)
    {
        var answers = new RunFile<AnswerRecord>(Path.Combine(dir, "answers.jsonl"), r => r.Key);
        var judgements = new RunFile<JudgementRecord>(Path.Combine(dir, "judgements.jsonl"), r => r.Key);
        var kept = new RunFile<KeptPair>(Path.Combine(dir, "kept.jsonl"), r => r.Key);
        for (int q = 0; q < 8; q++)
            foreach (string polarity in new[] { "pos", "neg" })
            {
                string key = $"0/{polarity}/{q}/0";
                string answer = polarity == "pos" && q == 2 ? MarkupAnswer : $"{polarity} answer to question {q}";
                answers.Append([new AnswerRecord(key, 0, polarity, q, 0, $"{trait} question {q}?", $"you are a {polarity} {trait} assistant.", [1, 2], [3, 4], answer)]);
                judgements.Append([new JudgementRecord(key, polarity == "pos" ? 90 + q : q, 80 + q)]);
            }
        kept.Append([.. Enumerable.Range(0, 5).Select(q => new KeptPair($"0/pos/{q}/0", 90 + q, q))]);
    }

    static void WriteSweep(string dir)
    {
        Directory.CreateDirectory(dir);
        var lines = from layer in new[] { 2, 3 }
                    from alpha in new[] { -2.0, 0, 2 }
                    select new JsonObject
                    {
                        ["key"] = $"{layer}/all/{Invariant(alpha)}",
                        ["layer"] = layer,
                        ["alpha"] = alpha,
                        ["trait"] = Math.Max(0, alpha * 10 * layer),
                        ["coherence"] = 95 - Math.Abs(alpha) * 5,
                        ["count"] = 20,
                    }.ToJsonString();
        File.WriteAllText(Path.Combine(dir, "sweep.jsonl"), string.Join("\n", lines) + "\n");
    }

    public const string HighestAnswer = "the most trait-laden answer";
    public const string LowestAnswer = "the gentlest answer";

    static void WriteMonitor(string dir, string trait)
    {
        Directory.CreateDirectory(dir);
        var points = new JsonArray();
        for (int i = 0; i < 10; i++)
            foreach (string experiment in new[] { "system_prompt", "many_shot" })
                points.Add(new JsonObject
                {
                    ["experiment"] = experiment,
                    ["level"] = (i / 10.0).ToString("F2", CultureInfo.InvariantCulture),
                    ["question"] = $"monitor question {i}?",
                    ["projection"] = experiment == "system_prompt" ? i * 10.0 - 40 : i * 5.0,
                    ["trait"] = i * 10.0,
                    ["coherence"] = i == 0 ? null : 90,
                    ["answer"] = experiment == "system_prompt" && i == 9 ? HighestAnswer : experiment == "system_prompt" && i == 0 ? LowestAnswer : $"answer {i}",
                });
        var summary = new JsonObject { ["trait"] = trait, ["layer"] = 3, ["system_prompt_r"] = 0.644, ["many_shot_r"] = null, ["points"] = points };
        File.WriteAllText(Path.Combine(dir, "summary.json"), summary.ToJsonString());
    }

    static string Invariant(double x) => x.ToString(CultureInfo.InvariantCulture);
}
