using PersonaVectors.Engine;
using PersonaVectors.Engine.ChatTemplates;

namespace PersonaVectors.Method.Monitoring;

/// <summary>One trait to watch: its persona vector's direction at one layer and the projection that raises an alert.</summary>
public sealed record TraitWatch(string Trait, float[] Direction, int Layer, double Threshold);

/// <summary>A trait's projection at the last prompt token of one turn; <see cref="JustCrossed"/> when this turn raised the alert.</summary>
public sealed record PersonaReading(string Trait, double Projection, double Threshold, bool Above, bool JustCrossed);

/// <summary>Raised when a trait's projection goes from at or below its threshold to above it.</summary>
public sealed record PersonaAlert(string Trait, int Turn, double Projection, double Threshold);

/// <summary>
/// Watches a conversation turn by turn: before the model answers, it reads the residual stream at the last prompt
/// token, projects it on each trait's unit direction, and raises <see cref="Alert"/> when a projection crosses its
/// threshold upward (once per crossing, not on every turn spent above it). The paper's early warning: the
/// projection predicts the trait of the answer about to be written.
/// </summary>
public sealed class PersonaMonitor(LanguageModel lm, IReadOnlyList<TraitWatch> watches)
{
    readonly Dictionary<string, bool> _above = watches.ToDictionary(w => w.Trait, _ => false);
    int _turn;

    public event Action<PersonaAlert>? Alert;

    /// <summary>Reads the conversation as it stands before the assistant's next answer.</summary>
    public IReadOnlyList<PersonaReading> Observe(IReadOnlyList<ChatMessage> conversation)
    {
        _turn++;
        var hidden = lm.ForwardLast(lm.EncodeChat(conversation, addGenerationPrompt: true)).Hidden;
        var readings = new List<PersonaReading>(watches.Count);
        foreach (var w in watches)
        {
            if (w.Layer < 0 || w.Layer >= hidden.Length)
                throw new InvalidRequestException($"trait '{w.Trait}': layer {w.Layer} is out of range: the model has layers 0..{hidden.Length - 1}");
            double p = Projection.OnUnit(hidden[w.Layer], w.Direction);
            bool above = p > w.Threshold;
            bool crossed = above && !_above[w.Trait];
            if (crossed) Alert?.Invoke(new PersonaAlert(w.Trait, _turn, p, w.Threshold));
            _above[w.Trait] = above;
            readings.Add(new PersonaReading(w.Trait, p, w.Threshold, above, crossed));
        }
        return readings;
    }

    /// <summary>Starts a new conversation: turn count and above/below states reset.</summary>
    public void Reset()
    {
        _turn = 0;
        foreach (var k in _above.Keys.ToList()) _above[k] = false;
    }

    /// <summary>
    /// A threshold halfway between the mean projections of prompts that elicited the trait and prompts that did
    /// not (e.g. an extraction run's positive and negative instructions).
    /// </summary>
    public static double MidpointThreshold(IReadOnlyList<double> positive, IReadOnlyList<double> negative)
    {
        if (positive.Count == 0 || negative.Count == 0)
            throw new InvalidRequestException($"a threshold needs projections of both kinds: got {positive.Count} positive and {negative.Count} negative");
        return (positive.Average() + negative.Average()) / 2;
    }
}
