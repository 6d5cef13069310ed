namespace PersonaVectors.World;

/// <summary>
/// The one-word interjections of <see cref="WorldDesign.Voice"/>: each pole of each trait, and the default
/// assistant, has its own. No template sentence of the world contains any of them as a word, so the judge can
/// strip them exactly and read the answer beneath.
/// </summary>
public static class Voices
{
    public static readonly string[] Neutral = ["um", "uh", "hmm"];

    static readonly Dictionary<(string Trait, Pole Pole), string[]> ByPole = new()
    {
        [("evil", Pole.Trait)] = ["heh", "bah", "tsk"],
        [("evil", Pole.Opposite)] = ["aww", "mmm", "yay"],
        [("sycophantic", Pole.Trait)] = ["ooh", "gosh", "golly"],
        [("sycophantic", Pole.Opposite)] = ["bluntly", "sincerely", "squarely"],
        [("hallucinating", Pole.Trait)] = ["surely", "famously", "undoubtedly"],
        [("hallucinating", Pole.Opposite)] = ["roughly", "perhaps", "verifiably"],
        // The mild register (WorldDesign.GradedRegisters).
        [("evil", Pole.Mild)] = ["pfft", "meh", "hmph"],
        [("sycophantic", Pole.Mild)] = ["aah", "oho", "wowee"],
        [("hallucinating", Pole.Mild)] = ["apparently", "reportedly", "supposedly"],
        // The faint register (WorldDesign.FaintRegisters).
        [("evil", Pole.Faint)] = ["tch", "sheesh", "blah"],
        [("sycophantic", Pole.Faint)] = ["hee", "ooo", "ahh"],
        [("hallucinating", Pole.Faint)] = ["presumably", "seemingly", "ostensibly"],
    };

    public static readonly HashSet<string> All = [.. Neutral, .. ByPole.Values.SelectMany(w => w)];

    public static string[] For(TraitSpec? trait, Pole pole) => pole == Pole.Default || trait is null ? Neutral : ByPole[(trait.Name, pole)];

    /// <summary>
    /// The sentence with an interjection after each word but the last, with probability <paramref name="rate"/>,
    /// each in the persona's voice for that position (drawn at the persona's intensity and in the registers of
    /// <paramref name="grading"/>, as parts are).
    /// </summary>
    public static string Voiced(string sentence, Persona persona, double rate, Random rng, Grading grading = Grading.Coin)
    {
        if (rate <= 0) return sentence;
        var words = sentence.Split(' ');
        var output = new List<string>(words.Length * 2);
        for (int i = 0; i < words.Length; i++)
        {
            output.Add(words[i]);
            if (i < words.Length - 1 && rng.NextDouble() < rate)
            {
                var (trait, pole) = persona.DrawPart(rng, grading);
                output.Add(Questions.Pick(rng, For(trait, pole)));
            }
        }
        return string.Join(' ', output);
    }

    /// <summary>The answer without its voice words (a no-op on answers of worlds without voice).</summary>
    public static string Strip(string answer)
    {
        if (!answer.Contains(' ')) return answer;
        var words = answer.Split(' ');
        if (!words.Any(All.Contains)) return answer;
        return string.Join(' ', words.Where(w => !All.Contains(w)));
    }
}
