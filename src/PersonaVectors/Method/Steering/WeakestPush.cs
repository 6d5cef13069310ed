using PersonaVectors.Method.Extraction;

namespace PersonaVectors.Method.Steering;

/// <summary>
/// Which push toward the trait a layer is used with: the weakest coherent push whose trait is within
/// <see cref="Tolerance"/> of the layer's best, not the best itself. The best on a few selection questions is often
/// the strongest push that has not yet broken the language, chosen for a point or two of trait that the selection
/// questions cannot resolve, and the first to break on other questions. On an organism (`voice-quiet-shown-5l`
/// seed 2, hallucination) the best at layer 3 on the extraction questions was 87 @ 80, exactly at the coherence floor,
/// beside 85 @ 100 at half the push; on the evaluation questions it read 80 @ 67. A weaker push is also the cheaper
/// one: in the paper, steering's cost in general capability (MMLU) grows with α.
/// </summary>
public static class WeakestPush
{
    /// <summary>
    /// Trait points below the best that still count as as good: one answer of the 20 selection questions going from
    /// fully the trait to none of it. Differences that small are below what 20 answers resolve (a trait share near 85%
    /// over 20 answers has a standard error of about 8 points).
    /// </summary>
    public const double Tolerance = 5;

    /// <summary>
    /// The chosen setting among one layer's <paramref name="settings"/>, or null when none is coherent: of those with
    /// coherence at least <paramref name="floor"/>, the ones within <see cref="Tolerance"/> of the best trait; of
    /// those, the smallest |α|; ties go to the more coherent, then the more of the trait, then the earlier setting.
    /// </summary>
    /// <param name="read">A setting's α and its judged trait and coherence on the selection questions.</param>
    public static T? Choose<T>(IReadOnlyList<T> settings, double floor, Func<T, (double Alpha, double Trait, double Coherence)> read) where T : class
    {
        var coherent = settings.Select(s => (Setting: s, Read: read(s))).Where(s => s.Read.Coherence >= floor).ToList();
        if (coherent.Count == 0) return null;
        double best = coherent.Max(s => s.Read.Trait);
        // Trait scores are means over answers, so a gap of exactly 5 arrives as 4.99999999999999 or 5.00000000000001;
        // rounding lets both count.
        return coherent.Where(s => Math.Round(best - s.Read.Trait, 9) <= Tolerance)
            .OrderBy(s => Math.Abs(s.Read.Alpha)).ThenByDescending(s => s.Read.Coherence).ThenByDescending(s => s.Read.Trait)
            .First().Setting;
    }

    /// <inheritdoc cref="Choose{T}"/>
    public static SteeringRecord? Choose(IReadOnlyList<SteeringRecord> settings, double floor) =>
        Choose(settings, floor, s => (s.Alpha, s.Trait, s.Coherence));
}
