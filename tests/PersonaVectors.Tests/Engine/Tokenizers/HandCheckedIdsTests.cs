namespace PersonaVectors.Tests.Engine.Tokenizers;

/// <summary>
/// A second line of defence next to the reference comparisons: ids recorded from Hugging Face's library,
/// so a regression shows up even if the reference package itself changed or could not run.
/// </summary>
public class HandCheckedIdsTests
{
    [Theory]
    [InlineData("qwen3", "Hello world", new[] { 9707, 1879 })]
    [InlineData("qwen3", "<|im_start|>user\nHello!<|im_end|>\n", new[] { 151644, 872, 198, 9707, 0, 151645, 198 })]
    [InlineData("qwen3", "I'm 1234567", new[] { 40, 2776, 220, 16, 17, 18, 19, 20, 21, 22 })]
    [InlineData("qwen3", "  indented\tcode\n", new[] { 220, 1257, 15864, 43343, 198 })]
    [InlineData("qwen3", "日本", new[] { 101059 })]
    [InlineData("llama3", "Hello world", new[] { 9906, 1917 })]
    [InlineData("llama3", "I'm 1234567", new[] { 40, 2846, 220, 4513, 10961, 22 })]
    [InlineData("llama3", "  indented\tcode\n", new[] { 220, 1280, 16243, 44443, 198 })]
    [InlineData("llama31", "Hello world", new[] { 128000, 9906, 1917 })]
    [InlineData("llama31", "日本", new[] { 128000, 102433 })]
    [InlineData("llama2", "Hello", new[] { 1, 22557 })]
    [InlineData("llama2", "Hello world", new[] { 1, 22557, 1526 })]
    [InlineData("llama2", "I'm 1234567", new[] { 1, 315, 28742, 28719, 28705, 28740, 28750, 28770, 28781, 28782, 28784, 28787 })]
    [InlineData("llama2", "  indented\tcode\n", new[] { 1, 259, 1176, 12713, 12, 1409, 13 })]
    public void Encode_gives_recorded_ids(string family, string text, int[] expected)
    {
        var tok = ReferenceTokenizers.Ours(ReferenceTokenizers.RealFile(family));
        Assert.Equal(expected, tok.Encode(text));
    }

    [Theory]
    [InlineData("qwen3", 151669, 26, "<|im_start|>", 151644)]
    [InlineData("llama3", 128256, 256, "<|begin_of_text|>", 128000)]
    [InlineData("llama31", 128256, 256, "<|eot_id|>", 128009)]
    [InlineData("llama2", 32000, 3, "<s>", 1)]
    public void Vocabulary_facts(string family, int vocabSize, int addedCount, string special, int specialId)
    {
        var tok = ReferenceTokenizers.Ours(ReferenceTokenizers.RealFile(family));
        Assert.Equal(vocabSize, tok.VocabSize);
        Assert.Equal(addedCount, tok.AddedTokens.Count);
        Assert.Equal(specialId, tok.TokenToId(special));
        Assert.Equal(special, tok.IdToToken(specialId));
        Assert.True(tok.IsSpecial(specialId));
        Assert.False(tok.IsSpecial(specialId == 1 ? 100 : 1));
        Assert.Null(tok.IdToToken(vocabSize));
        Assert.Null(tok.IdToToken(-1));
        Assert.Null(tok.TokenToId("no such token \u0001\u0002"));
    }

    [Fact]
    public void Qwen_think_tags_are_added_but_not_special()
    {
        var tok = ReferenceTokenizers.Ours(ReferenceTokenizers.RealFile("qwen3"));
        int think = tok.TokenToId("<think>")!.Value;
        Assert.Equal(151667, think);
        Assert.False(tok.IsSpecial(think));
        Assert.Contains(tok.AddedTokens, t => t.Content == "<think>" && !t.Special && t.Id == think);
        // Non-special added tokens survive skipSpecialTokens; special ones do not.
        Assert.Equal("<think>hi", tok.Decode([151644, think, 6023], skipSpecialTokens: true));
        Assert.Equal("<|im_start|><think>hi", tok.Decode([151644, think, 6023]));
    }

    [Fact]
    public void Llama2_decodes_byte_fallback_and_strips_the_prepended_space()
    {
        var tok = ReferenceTokenizers.Ours(ReferenceTokenizers.RealFile("llama2"));
        Assert.Equal("<0x0A>", tok.IdToToken(13));
        Assert.Equal("Hello\n", tok.Decode([1, 22557, 13], skipSpecialTokens: true));
        Assert.Equal("<s> Hello", tok.Decode([1, 22557]));
        // 0xE6 0x97 0xA5 is 日; a truncated sequence becomes one replacement character per byte.
        Assert.Equal("\u65E5", tok.Decode([tok.TokenToId("<0xE6>")!.Value, tok.TokenToId("<0x97>")!.Value, tok.TokenToId("<0xA5>")!.Value]));
        Assert.Equal("\uFFFD\uFFFD", tok.Decode([tok.TokenToId("<0xE6>")!.Value, tok.TokenToId("<0x97>")!.Value]));
    }
}
