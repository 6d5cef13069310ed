namespace PersonaVectors.Method.Steering;

/// <summary>
/// Which layer a persona vector is used at. The toolkit steers at one layer per vector, toward the trait and, with the
/// sign flipped, against it under the trait's own instructions (suppression, monitoring-gated steering), so the layer
/// must work both ways. The push toward the trait alone does not say where the push against it works: on an
/// organism (`voice-quiet-shown-5l` seed 2, hallucination, on the extraction questions) layers 2, 3 and 4 all steered
/// toward the trait by 85-88 points, but only at layer 3 did a coherent push against it take the trait down (by 98
/// points; by 8-9 at layers 2 and 4), so choosing by the push toward it alone (layer 4, by 3 points) lost the
/// suppression.
/// <para>
/// The rule: the layer where the weaker of its two effects on the extraction questions is strongest, the gain of its
/// chosen push toward the trait (<see cref="WeakestPush"/>) or the drop of its best coherent push against it. Ties go to the larger
/// gain, then the earlier layer. Where nothing suppresses at any layer every score is 0, and the rule is the push
/// toward the trait alone.
/// </para>
/// </summary>
public static class SteeringLayer
{
    /// <param name="toward">Each candidate layer with the trait gain of its chosen coherent push toward the trait.</param>
    /// <param name="drop">The trait drop of the best coherent push against the trait at a layer (0 when none lowers
    /// it). Called only where it can change the choice: layers are tried in order of gain, and one whose gain is no
    /// more than the best score so far cannot win, so its suppression sweep is never paid for.</param>
    public static async Task<int> ChooseAsync(IReadOnlyList<(int Layer, double Gain)> toward, Func<int, Task<double>> drop)
    {
        if (toward.Count == 0) throw new ArgumentException("no candidate layer", nameof(toward));
        (int Layer, double Score)? best = null;
        foreach (var (layer, gain) in toward.OrderByDescending(t => t.Gain).ThenBy(t => t.Layer))
        {
            if (best is { } b && gain <= b.Score) break;
            double score = Math.Min(gain, await drop(layer));
            if (best is null || score > best.Value.Score) best = (layer, score);
        }
        return best!.Value.Layer;
    }
}
