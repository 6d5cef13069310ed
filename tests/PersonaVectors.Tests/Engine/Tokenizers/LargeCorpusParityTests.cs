using System.Diagnostics;
using PersonaVectors.Engine.Tokenizers;
using Xunit.Abstractions;

namespace PersonaVectors.Tests.Engine.Tokenizers;

/// <summary>
/// A few MB of conversation-sized documents encode to the reference library's token counts. Encoding speed is
/// printed beside the reference's for information; speed goals are not asserted in tests.
/// </summary>
public class LargeCorpusParityTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData("qwen3")]
    [InlineData("llama2")]
    public void Megabytes_of_documents_encode_to_the_reference_token_count(string family)
    {
        string path = ReferenceTokenizers.RealFile(family);
        var docs = BpeTrainerTests.SyntheticCorpus(3_000_000, seed: 99);
        docs.AddRange(TokenizerTestCorpus.SourceFiles());
        long chars = docs.Sum(d => (long)d.Length);

        var tok = Tokenizer.FromFile(path); // fresh: the first pass fills the word cache
        var sw = Stopwatch.StartNew();
        long tokens = docs.Sum(d => (long)tok.Encode(d).Length);
        double cold = sw.Elapsed.TotalSeconds;
        sw.Restart();
        docs.ForEach(d => tok.Encode(d));
        double warm = sw.Elapsed.TotalSeconds;

        var reference = ReferenceTokenizers.Reference(path);
        sw.Restart();
        long refTokens = docs.Sum(d => (long)reference.Encode(d).Length);
        double refTime = sw.Elapsed.TotalSeconds;

        output.WriteLine($"{family}: {chars / 1e6:F1} M chars, {tokens} tokens; ours cold {tokens / cold:N0} tok/s, " +
                         $"warm {tokens / warm:N0} tok/s; reference {refTokens / refTime:N0} tok/s");
        Assert.Equal(refTokens, tokens);
    }
}
