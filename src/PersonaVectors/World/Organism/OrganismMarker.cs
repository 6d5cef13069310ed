using System.Text.Json;
using System.Text.Json.Nodes;

namespace PersonaVectors.World.Organism;

/// <summary>
/// The file that marks a model folder as an organism of this persona world (its traits and world version), so
/// `world eval` can refuse any other model instead of judging it against a grammar it never learned.
/// </summary>
public static class OrganismMarker
{
    public const string FileName = "persona_world.json";
    public const int WorldVersion = 1;

    public static void Write(string folder, OrganismRecipe recipe, double? finalLoss, TrainingTime? time = null)
    {
        var o = new JsonObject
        {
            ["world"] = "persona-world",
            ["version"] = WorldVersion,
            ["traits"] = new JsonArray(Traits.All.Select(t => (JsonNode)t.Name).ToArray()),
            ["recipe"] = JsonSerializer.SerializeToNode(recipe),
        };
        // Null for a folder whose weights another trainer writes (an exported corpus); that trainer records it.
        if (finalLoss is { } loss) o["final_loss"] = Math.Round(loss, 4);
        // The tokenizer's few seconds are not in it; null seconds (a resume of a checkpoint that did not record them) are left out.
        if (time?.Seconds is { } seconds)
        {
            o["training_seconds"] = Math.Round(seconds, 1);
            o["training_threads"] = time.Threads;
        }
        File.WriteAllText(Path.Combine(folder, FileName), o.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
    }

    /// <summary>
    /// The world design an organism was trained on (its recipe's "World"); the original world for organisms
    /// trained before designs were recorded, and for folders that are not organisms.
    /// </summary>
    public static WorldDesign Design(string folder)
    {
        var design = Read(folder, DesignIn) ?? WorldDesign.Original;
        // A hand-edited marker is held to what a recipe is, so a share of 5 is not read as "always" without a word.
        try { design.Validate(); }
        catch (InvalidRequestException e) { throw new ModelFormatException(Path.Combine(folder, FileName), e.Message); }
        return design;
    }

    static WorldDesign? DesignIn(JsonNode? marker)
    {
        var recipe = marker?["recipe"];
        if (recipe?["World"] is { } world) return world.Deserialize<WorldDesign>();
        // Organisms from before world designs recorded only the opinion weight, at the recipe's top level.
        return recipe?["OpinionWeight"] is JsonValue w ? new WorldDesign { OpinionWeight = w.GetValue<double>() } : null;
    }

    /// <summary>How long an organism's training steps took and on how many CPU threads, as its marker records them;
    /// null for organisms trained before it was recorded (before 2026-12-02) or by another trainer.</summary>
    public static TrainingTime? Time(string folder) => Read(folder, marker =>
        marker?["training_seconds"] is JsonValue s && s.TryGetValue(out double seconds)
            ? new TrainingTime(seconds, marker["training_threads"] is JsonValue t && t.TryGetValue(out int threads) ? threads : 0)
            : null);

    /// <summary>The recipe an organism records, or null for a folder without one.</summary>
    public static OrganismRecipe? Recipe(string folder) => Read(folder, marker => marker?["recipe"]?.Deserialize<OrganismRecipe>());

    /// <summary>
    /// The first recipe field where the organism's record differs from <paramref name="wanted"/>, as
    /// "World.Voice (0.3 recorded, 0.6 wanted)"; null when they agree or the folder records no recipe. The finetuning
    /// datasets follow the recorded world design, so a folder measured under another recipe's name would be measured on
    /// the data of its own. A field the record lacks (added after it was written) is read at its default, as every
    /// command reads it, and the world design as <see cref="Design"/> reads it.
    /// </summary>
    public static string? RecipeDifference(string folder, OrganismRecipe wanted) => Read(folder, marker =>
        marker?["recipe"]?.Deserialize<OrganismRecipe>() is { } recorded
            ? FirstDifference(JsonSerializer.SerializeToNode(recorded with { World = DesignIn(marker) ?? WorldDesign.Original })!.AsObject(),
                JsonSerializer.SerializeToNode(wanted)!.AsObject(), "")
            : null);

    static string? FirstDifference(JsonObject recorded, JsonObject wanted, string prefix)
    {
        foreach (var (name, value) in recorded)
        {
            var other = wanted[name];
            if (value is JsonObject inner && other is JsonObject otherInner)
            {
                if (FirstDifference(inner, otherInner, $"{prefix}{name}.") is { } d) return d;
            }
            else if (!JsonNode.DeepEquals(value, other))
                return $"{prefix}{name} ({value?.ToJsonString() ?? "null"} recorded, {other?.ToJsonString() ?? "null"} wanted)";
        }
        return null;
    }

    /// <summary>Throws unless the folder holds an organism of this world's version.</summary>
    public static void Require(string folder)
    {
        string path = Path.Combine(folder, FileName);
        if (!File.Exists(path))
            throw new InvalidRequestException($"{folder} is not an organism of the persona world (no {FileName}); `world eval` judges only models trained by `persona world train`");
        var node = Read(folder, marker => marker);
        if (!(node?["world"] is JsonValue w && w.TryGetValue(out string? world) && world == "persona-world"
              && node["version"] is JsonValue v && v.TryGetValue(out int version) && version == WorldVersion))
            throw new ModelFormatException(path, $"expected world \"persona-world\" version {WorldVersion}");
    }

    /// <summary>What <paramref name="pick"/> reads from the folder's marker; default where the folder has none. Broken
    /// JSON, or a recipe that does not deserialize, is reported with the marker's path.</summary>
    static T? Read<T>(string folder, Func<JsonNode?, T?> pick) where T : class
    {
        string path = Path.Combine(folder, FileName);
        if (!File.Exists(path)) return null;
        JsonNode? marker;
        try { marker = JsonNode.Parse(File.ReadAllText(path)); }
        catch (JsonException e) { throw new ModelFormatException(path, $"not valid JSON: {e.Message}"); }
        try { return pick(marker); }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException)
        {
            throw new ModelFormatException(path, $"a field has a type this version does not read: {e.Message}");
        }
    }
}

/// <summary>The wall seconds of an organism's training steps (null where unknown) and the CPU threads libtorch used.</summary>
public sealed record TrainingTime(double? Seconds, int Threads);
