using PersonaVectors.Engine.Tokenizers;

namespace PersonaVectors.Tests.Engine.Tokenizers;

/// <summary>
/// NFC/NFD on embedded tables (string.Normalize is a no-op under InvariantGlobalization). Expected values
/// were computed with Python's unicodedata (Unicode 14); the cases cover composition exclusions, singletons,
/// non-starter decompositions, canonical reordering, blocking, Hangul and astral characters.
/// </summary>
public class UnicodeNormalizationTests
{
    [Theory]
    [InlineData("e\u0301", "\u00E9", "e\u0301")]
    [InlineData("\u00E9", "\u00E9", "e\u0301")]
    [InlineData("A\u030A", "\u00C5", "A\u030A")]
    [InlineData("\u212B", "\u00C5", "A\u030A")]
    [InlineData("\u2126", "\u03A9", "\u03A9")]
    [InlineData("\u1E9B\u0323", "\u1E9B\u0323", "\u017F\u0323\u0307")]
    [InlineData("q\u0307\u0323", "q\u0323\u0307", "q\u0323\u0307")]
    [InlineData("q\u0323\u0307", "q\u0323\u0307", "q\u0323\u0307")]
    [InlineData("\u0344", "\u0308\u0301", "\u0308\u0301")]
    [InlineData("\u0F73", "\u0F71\u0F72", "\u0F71\u0F72")]
    [InlineData("\u0958", "\u0915\u093C", "\u0915\u093C")]
    [InlineData("\u1100\u1161\u11A8", "\uAC01", "\u1100\u1161\u11A8")]
    [InlineData("\uD55C", "\uD55C", "\u1112\u1161\u11AB")]
    [InlineData("\uD55C\u11A8", "\uD55C\u11A8", "\u1112\u1161\u11AB\u11A8")]
    [InlineData("\uAC00\u11A8", "\uAC01", "\u1100\u1161\u11A8")]
    [InlineData("\u1100\u1161", "\uAC00", "\u1100\u1161")]
    [InlineData("a\u0301\u0301", "\u00E1\u0301", "a\u0301\u0301")]
    [InlineData("a\u0327\u0301", "\u00E1\u0327", "a\u0327\u0301")]
    [InlineData("a\u0301\u0327", "\u00E1\u0327", "a\u0327\u0301")]
    [InlineData("o\u0308\u0304", "\u022B", "o\u0308\u0304")]
    [InlineData("\u1E0B\u0323", "\u1E0D\u0307", "d\u0323\u0307")]
    [InlineData("\uD834\uDD5E", "\uD834\uDD57\uD834\uDD65", "\uD834\uDD57\uD834\uDD65")]
    [InlineData("\uD804\uDC99\uD804\uDCBA", "\uD804\uDC9A", "\uD804\uDC99\uD804\uDCBA")]
    [InlineData("\u304B\u3099", "\u304C", "\u304B\u3099")]
    [InlineData("\u30CF\u309A", "\u30D1", "\u30CF\u309A")]
    [InlineData("\u00C7\u0301", "\u1E08", "C\u0327\u0301")]
    [InlineData("A\u0300\u0316\u0301", "\u00C0\u0316\u0301", "A\u0316\u0300\u0301")]
    [InlineData("x\u0300\u0305\u0315\u035C\u0301", "x\u0300\u0305\u0301\u0315\u035C", "x\u0300\u0305\u0301\u0315\u035C")]
    [InlineData("\u2000", "\u2002", "\u2002")]
    [InlineData("\u0340", "\u0300", "\u0300")]
    [InlineData("\u00FC\u0301", "\u01D8", "u\u0308\u0301")]
    [InlineData("Ko\u0308ln Stra\u00DFe \u00C5ngstr\u00F6m \u1E69", "K\u00F6ln Stra\u00DFe \u00C5ngstr\u00F6m \u1E69", "Ko\u0308ln Stra\u00DFe A\u030Angstro\u0308m s\u0323\u0307")]
    [InlineData("\u05D0\u05B7\u05BC", "\u05D0\u05B7\u05BC", "\u05D0\u05B7\u05BC")]
    [InlineData("\uFB2C", "\u05E9\u05BC\u05C1", "\u05E9\u05BC\u05C1")]
    [InlineData("\u0B47\u0B3E", "\u0B4B", "\u0B47\u0B3E")]
    [InlineData("\u0B4B", "\u0B4B", "\u0B47\u0B3E")]
    [InlineData("\u1026", "\u1026", "\u1025\u102E")]
    [InlineData("\u1025\u102E", "\u1026", "\u1025\u102E")]
    [InlineData("plain ascii", "plain ascii", "plain ascii")]
    [InlineData("", "", "")]
    [InlineData("\u4E2D\u6587", "\u4E2D\u6587", "\u4E2D\u6587")]
    [InlineData("\u0301leading mark", "\u0301leading mark", "\u0301leading mark")]
    public void Nfc_and_nfd_match_the_unicode_database(string input, string nfc, string nfd)
    {
        Assert.Equal(nfc, UnicodeNormalization.Nfc(input));
        Assert.Equal(nfd, UnicodeNormalization.Nfd(input));
    }

    [Fact]
    public void Normalization_is_idempotent_and_consistent_on_random_text()
    {
        foreach (var s in TokenizerTestCorpus.Random(500, seed: 5))
        {
            string nfc = UnicodeNormalization.Nfc(s);
            string nfd = UnicodeNormalization.Nfd(s);
            Assert.Equal(nfc, UnicodeNormalization.Nfc(nfc));
            Assert.Equal(nfd, UnicodeNormalization.Nfd(nfd));
            Assert.Equal(nfc, UnicodeNormalization.Nfc(nfd));
            Assert.Equal(nfd, UnicodeNormalization.Nfd(nfc));
        }
    }
}
