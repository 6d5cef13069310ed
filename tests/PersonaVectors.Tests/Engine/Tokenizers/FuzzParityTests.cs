using System.Text;

namespace PersonaVectors.Tests.Engine.Tokenizers;

/// <summary>Larger seeded random inputs against the reference, including arbitrary code points from every plane.</summary>
public class FuzzParityTests
{
    public static TheoryData<string> Families => new() { "qwen3", "llama31", "llama2" };

    [Theory]
    [MemberData(nameof(Families))]
    public void Random_atom_strings_match_reference(string family)
    {
        string path = ReferenceTokenizers.RealFile(family);
        var ours = ReferenceTokenizers.Ours(path);
        var texts = TokenizerTestCorpus.Random(2000, seed: family.Length * 7919, maxAtoms: 80);
        ParityAssert.AllEqual(texts, t => ReferenceTokenizers.ReferenceEncode(path, t), t => ours.Encode(t));
    }

    [Theory]
    [MemberData(nameof(Families))]
    public void Random_code_points_match_reference(string family)
    {
        string path = ReferenceTokenizers.RealFile(family);
        var ours = ReferenceTokenizers.Ours(path);
        var rng = new Random(family.Length * 31);
        var texts = new List<string>();
        for (int i = 0; i < 1500; i++)
        {
            var sb = new StringBuilder();
            int n = rng.Next(1, 30);
            for (int j = 0; j < n; j++)
            {
                int cp = rng.Next(4) switch
                {
                    0 => rng.Next(0x20, 0x7F),
                    1 => rng.Next(0x80, 0x3000),
                    2 => rng.Next(0x3000, 0x10000),
                    _ => rng.Next(0x10000, 0x30000),
                };
                if (cp is >= 0xD800 and <= 0xDFFF) cp = ' ';
                sb.Append(char.ConvertFromUtf32(cp));
            }
            texts.Add(sb.ToString());
        }
        ParityAssert.AllEqual(texts, t => ReferenceTokenizers.ReferenceEncode(path, t), t => ours.Encode(t));
    }
}
