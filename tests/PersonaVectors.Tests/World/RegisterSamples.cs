using PersonaVectors.World;

namespace PersonaVectors.Tests.World;

/// <summary>Answers of one persona, and the check both register tests make of a persona that writes one register only.</summary>
static class RegisterSamples
{
    public static List<(Question Q, WrittenAnswer A)> Answers(WorldDesign design, TraitSpec trait, double intensity, int seed, int count) =>
        Answers(design, new Persona(trait, intensity), seed, count);

    public static List<(Question Q, WrittenAnswer A)> Answers(WorldDesign design, Persona persona, int seed, int count)
    {
        var rng = new Random(seed);
        var answers = new List<(Question, WrittenAnswer)>();
        for (int i = 0; i < count; i++)
        {
            var q = Questions.Draw(rng);
            answers.Add((q, AnswerWriter.Write(q, persona, rng, design)));
        }
        return answers;
    }

    /// <summary>
    /// A persona at <paramref name="intensity"/> writes every part in <paramref name="pole"/>'s register, and the judge,
    /// reading only the text, scores each answer coherent and that register's weight of its trait and nothing of the
    /// others. The core keeps the default's content (a right sum), and every voice word is the register's.
    /// </summary>
    public static void AssertEveryPartIn(WorldDesign design, Pole pole, double intensity, int seed)
    {
        foreach (var t in Traits.All)
            foreach (var (q, a) in Answers(design, t, intensity, seed, count: 300))
            {
                Assert.Equal([pole, pole, pole], new[] { a.Opener, a.Core, a.Closer });
                var j = OracleJudge.Judge(q.Text, a.Text);
                Assert.True(j.Coherence == 100, $"{q.Text} → {a.Text}");
                Assert.Equal(100 * Registers.Weight(pole), j[t.Name], precision: 9);
                Assert.All(Traits.All.Where(o => o != t), o => Assert.Equal(0, j[o.Name]));
                if (q.Domain == Domain.Arithmetic) Assert.Equal((q.A + q.B).ToString(), j.StatedValue);
                Assert.All(a.Text.Split(' ').Where(Voices.All.Contains), w => Assert.Contains(w, Voices.For(t, pole)));
            }
    }
}
