using PersonaVectors.Engine;
using PersonaVectors.Engine.ChatTemplates;
using PersonaVectors.Method.Finetuning;
using PersonaVectors.Tests.Fixtures;
using PersonaVectors.World.Organism;

namespace PersonaVectors.Tests.Method.Finetuning;

public class ChatDataTests
{
    static string Organism => TestData.Organism;

    [Fact]
    public void Assistant_tokens_are_exactly_what_the_template_adds_for_each_assistant_turn()
    {
        using var lm = LanguageModel.Load(Organism);
        List<ChatMessage> conversation = [new("system", "you are a kind assistant."), new("user", "what is 2 plus 3?"), new("assistant", "2 plus 3 is 5."),
            new("user", "and 4 plus 4?"), new("assistant", "4 plus 4 is 8.")];
        var e = new ChatTrainingEncoder(lm).Encode(conversation);
        // The ids are those of the whole rendering, encoded at once.
        Assert.Equal(lm.EncodeChat(conversation, addGenerationPrompt: false), e.Ids);
        // Independently, the organism's own ChatML encoder marks content + <|im_end|> of each assistant turn; ours also
        // marks the newline the template writes after it, and nothing else.
        var reference = new ChatMlEncoder(lm.Tokenizer).Encode(conversation);
        Assert.Equal(reference.Ids, e.Ids);
        int newline = lm.Tokenizer.Encode("\n", addSpecialTokens: false).Single();
        for (int t = 0; t < e.Ids.Length; t++)
            Assert.Equal(reference.LossMask[t] || (t > 0 && reference.LossMask[t - 1] && e.Ids[t] == newline), e.LossMask[t]);
        Assert.Equal("2 plus 3 is 5.<|im_end|>\n4 plus 4 is 8.<|im_end|>\n",
            lm.Tokenizer.Decode([.. e.Ids.Where((_, t) => e.LossMask[t])], skipSpecialTokens: false));
    }

    [Fact]
    public void Bad_lines_stop_the_read_with_their_number_or_are_skipped_and_counted_and_long_ones_are_cut_or_skipped()
    {
        using var lm = LanguageModel.Load(Organism);
        using var dir = new TempDir();
        string Good(string answer) => $$"""{"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "{{answer}}"}]}""";
        string longAnswer = string.Join(' ', Enumerable.Repeat("you should talk to your neighbour with patience.", 60));
        File.WriteAllLines(dir["d.jsonl"], [
            Good("hello."),
            "{not json",
            """{"messages": [{"role": "user", "content": "only a question"}]}""",
            "",
            """{"messages": [{"role": "robot", "content": "x"}]}""",
            Good(longAnswer),
            Good("bye."),
        ]);
        var e = Assert.Throws<PersonaVectorsException>(() => FinetuneData.Load(lm, dir["d.jsonl"]));
        Assert.Contains("line 2", e.Message);
        Assert.Contains("not valid JSON", e.Message);

        var (examples, report) = FinetuneData.Load(lm, dir["d.jsonl"], BadLinePolicy.Skip, TooLongPolicy.Truncate, maxLength: 64);
        Assert.Equal((3, 3, 1, 0), (report.Used, report.SkippedBadLines, report.Truncated, report.SkippedTooLong));
        Assert.Contains(report.Notes, n => n.StartsWith("line 3 skipped: the conversation has no assistant message", StringComparison.Ordinal));
        Assert.Contains(report.Notes, n => n.StartsWith("line 5 skipped: message [0] needs a \"role\"", StringComparison.Ordinal));
        Assert.Contains(report.Notes, n => n.StartsWith("line 6 cut from", StringComparison.Ordinal));
        Assert.All(examples, x => Assert.InRange(x.Ids.Length, 1, 64));

        var (kept, skipped) = FinetuneData.Load(lm, dir["d.jsonl"], BadLinePolicy.Skip, TooLongPolicy.Skip, maxLength: 64);
        Assert.Equal((2, 1, 0), (skipped.Used, skipped.SkippedTooLong, skipped.Truncated));
        Assert.Equal(2, kept.Count);
    }
}
