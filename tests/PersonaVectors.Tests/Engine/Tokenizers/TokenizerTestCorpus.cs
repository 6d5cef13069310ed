using System.Runtime.CompilerServices;
using System.Text;

namespace PersonaVectors.Tests.Engine.Tokenizers;

/// <summary>
/// Text that exercises every stage of a tokenizer: hand-picked edge cases, real source code, and seeded
/// random strings built from characters the pre-tokenizer regexes treat differently.
/// </summary>
internal static class TokenizerTestCorpus
{
    public static readonly string[] HandPicked =
    [
        "",
        " ",
        "  ",
        "\n",
        "\n\n\n",
        "\t",
        "\r\n",
        "Hello",
        "Hello world",
        " Hello world",
        "   three leading spaces",
        "trailing spaces   ",
        "multiple    spaces   between\twords\t\tand tabs",
        "line1\nline2\r\nline3\rline4\n\n\nline5\n",
        "\n\n  \n\t \n  x",
        "I'm sure you'll see they've done it, don't you? It's JOHN'S book. WE'LL SEE. I'D say we're fine.",
        "'s 't 're 've 'm 'll 'd 'S 'T 'RE 'VE 'M 'LL 'D",
        "he'\u017F 'K rock'n'roll o'clock ''quoted''",
        "1234567 3.14159 1,000,000 2024-05-06 0.000001 12 345 678 123456789012345",
        "\u0663\u0664\u0665 \u0D6C\u0D6D \u2165\u216B \u00BD \u00B2\u00B3 \u2460\u2461",
        "public static int Main(string[] args)\n{\n    if (args.Length > 0)\n    {\n\t\treturn 1;\n    }\n    return 0;\n}\n",
        "def f(x):\n    return [i ** 2 for i in range(x) if i % 2 == 0]  # squares\n\n\nprint(f(10))\n",
        "{\"key\": [1, 2.5, null, true], \"nested\": {\"a\": \"b\"}}",
        "<div class=\"x\">&nbsp;&lt;tag&gt;</div>",
        "\u65E5\u672C\u8A9E\u306E\u30C6\u30AD\u30B9\u30C8\u3067\u3059\u3002",
        "\u4E2D\u6587\u6D4B\u8BD5\uFF1A\u4F60\u597D\uFF0C\u4E16\u754C\uFF01",
        "\uD55C\uAD6D\uC5B4 \uD14D\uC2A4\uD2B8",
        "\u041F\u0440\u0438\u0432\u0435\u0442, \u043C\u0438\u0440! \u0395\u03BB\u03BB\u03B7\u03BD\u03B9\u03BA\u03AC \u05E2\u05D1\u05E8\u05D9\u05EA \u0627\u0644\u0639\u0631\u0628\u064A\u0629 \u0939\u093F\u0928\u094D\u0926\u0940 \u0E44\u0E17\u0E22",
        "\uD83D\uDE00\uD83D\uDC4D\uD83C\uDFFD \uD83D\uDC68\u200D\uD83D\uDC69\u200D\uD83D\uDC67 \uD83C\uDDEB\uD83C\uDDF7 \u2764\uFE0F",
        "\uD835\uDC00\uD835\uDC01\uD835\uDC02 \uD835\uDC65\uD835\uDC66 \uD840\uDC00\uD840\uDC01 \uD835\uDFCE\uD835\uDFCF",
        "caf\u00E9 na\u00EFve r\u00E9sum\u00E9 \u00C5ngstr\u00F6m",
        "cafe\u0301 nai\u0308ve re\u0301sume\u0301 A\u030Angstro\u0308m",
        "\u212B \u2126 \u1E9B\u0323 e\u0301\u0323 q\u0307\u0323 \u0344 \u0F73",
        "\u1100\u1161\u11A8 \uD55C\u11A8 \u1112\u1161\u11AB\u1100\u1173\u11AF",
        "\u304B\u3099 \u30CF\u309A \uFB01 \uFB00 \u2460",
        "\u00A0nbsp\u00A0 \u3000ideographic\u3000 \u2028line\u2029para \u0085next \u200Bzero\u200Bwidth \uFEFFbom",
        "\u0000\u0001\u007F control \u001B[31mred\u001B[0m",
        "<|im_start|>user\nhi<|im_end|>\n",
        "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\nWhat is 2+2?<|im_end|>\n<|im_start|>assistant\n",
        "<|endoftext|>",
        "text<|endoftext|>more text",
        "<|im_start|><|im_end|><|im_start|>",
        "< |im_start| > <|im_start <|im_end",
        "<think>\nreasoning here\n</think>\n\nanswer",
        "<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nHi there<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n",
        "<|begin_of_text|>",
        "<s>Hello</s>",
        "<s> Hello </s>",
        "Hello<s>World",
        "  <s>  spaced  </s>  ",
        "<unk> <0x41>",
        "\u2581already\u2581has\u2581metaspace",
        "ALLCAPS and MiXeD cAsE WoRdS",
        "email@example.com https://example.org/path?q=1&r=two#frag",
        "a" + new string('b', 300) + " " + new string('7', 40) + " " + new string(' ', 50) + "x",
        "$$$ ... !!! ??? --- *** ___ ### @@@ %%%",
        "tab\tseparated\tvalues\t1\t2\t3\n",
        "   \t\n   ",
    ];

    /// <summary>Characters and fragments chosen to hit each branch of the GPT-2/Llama 3/Qwen pre-tokenizer patterns.</summary>
    static readonly string[] Atoms =
    [
        "a", "b", "z", "Q", "X", "the", "The", " the", "ing", "tion", "hello", "World", "s", "t",
        "0", "1", "7", "42", "123", "2024", "99999",
        " ", " ", " ", "  ", "   ", "\t", "\n", "\n", "\r\n", "\r", "\n\n", " \n",
        "'", "'s", "'S", "'ll", "'VE", "'d", "\"", ".", ",", "!", "?", ";", ":", "-", "_", "(", ")", "[", "]", "{", "}",
        "/", "\\", "#", "@", "$", "%", "^", "&", "*", "+", "=", "<", ">", "|", "~", "`",
        "\u00E9", "e\u0301", "\u00F1", "n\u0303", "\u00FC", "u\u0308", "\u00DF", "\u0153", "\u0130", "\u0131",
        "\u4E2D", "\u6587", "\u5B57", "\u3002", "\uFF0C", "\u3042", "\u30A2", "\uD55C", "\u1100\u1161",
        "\u0416", "\u0436", "\u03A9", "\u03C9", "\u05D0", "\u0627", "\u0915\u093F", "\u0E01",
        "\uD83D\uDE00", "\uD83D\uDC4D\uD83C\uDFFD", "\u200D", "\uFE0F", "\uD835\uDC00", "\uD840\uDC00", "\uD835\uDFCE",
        "\u00A0", "\u3000", "\u2028", "\u0085", "\u200B", "\u00AD", "\u0660", "\u00BD", "\u2167",
        "\u2581", "\uFFFD", "\u0000", "\u007F",
        "<|im_start|>", "<|im_end|>", "<|endoftext|>", "<think>", "</think>", "<|begin_of_text|>", "<|eot_id|>",
        "<s>", "</s>", "<unk>", "<|", "|>",
    ];

    /// <summary>Seeded random strings assembled from <see cref="Atoms"/>.</summary>
    public static List<string> Random(int count, int seed, int maxAtoms = 40)
    {
        var rng = new Random(seed);
        var result = new List<string>(count);
        for (int i = 0; i < count; i++)
        {
            int n = rng.Next(0, maxAtoms + 1);
            var sb = new StringBuilder();
            for (int j = 0; j < n; j++) sb.Append(Atoms[rng.Next(Atoms.Length)]);
            result.Add(sb.ToString());
        }
        return result;
    }

    /// <summary>The C# sources of the tokenizer itself: real code with indentation, comments and string escapes.</summary>
    public static List<string> SourceFiles()
    {
        var dir = new DirectoryInfo(Path.GetDirectoryName(ThisFile())!);
        while (dir != null && !Directory.Exists(Path.Combine(dir.FullName, "src", "PersonaVectors")))
            dir = dir.Parent;
        if (dir == null) return [];
        var folder = Path.Combine(dir.FullName, "src", "PersonaVectors", "Engine", "Tokenizers");
        return Directory.GetFiles(folder, "*.cs").Order(StringComparer.Ordinal)
            .Where(f => !f.EndsWith("UnicodeNormalizationData.cs", StringComparison.Ordinal))
            .Select(File.ReadAllText).ToList();
    }

    static string ThisFile([CallerFilePath] string path = "") => path;

    /// <summary>Everything above in one list.</summary>
    public static List<string> All(int randomCount = 400, int seed = 1234)
    {
        var all = new List<string>(HandPicked);
        all.AddRange(Random(randomCount, seed));
        all.AddRange(SourceFiles());
        return all;
    }
}
