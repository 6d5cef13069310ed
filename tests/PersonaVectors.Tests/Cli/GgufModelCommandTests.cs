using System.Text;
using System.Text.Json;
using PersonaVectors.Tests.Fixtures;

namespace PersonaVectors.Tests.Cli;

/// <summary>--model FILE.gguf wherever --model DIR works, and broken GGUF models refused in one line.</summary>
public class GgufModelCommandTests
{
    [Fact]
    public void A_gguf_model_answers_as_its_folder_does()
    {
        using var m = new RandomModelFolder(seed: 8);
        var export = PersonaCli.Run("model", "export-gguf", "--model", m.Path, "--out", m["m.gguf"]);
        Assert.True(export.ExitCode == 0, export.Stderr);
        string[] ask = ["--prompt", "Hello", "--system", "Be kind.", "--max-tokens", "12", "--json"];
        var folder = PersonaCli.Run(["generate", "--model", m.Path, .. ask]);
        var file = PersonaCli.Run(["generate", "--model", m["m.gguf"], .. ask]);
        Assert.True(file.ExitCode == 0, file.Stderr);
        using var a = JsonDocument.Parse(folder.Stdout);
        using var b = JsonDocument.Parse(file.Stdout);
        Assert.Equal(a.RootElement.GetProperty("prompt").GetString(), b.RootElement.GetProperty("prompt").GetString());
        Assert.Equal(a.RootElement.GetProperty("tokens").ToString(), b.RootElement.GetProperty("tokens").ToString());
        var bf16 = PersonaCli.Run(["generate", "--model", m["m.gguf"], "--dtype", "bf16", .. ask]);
        Assert.True(bf16.ExitCode == 0, bf16.Stderr);
    }

    [Fact]
    public void Broken_gguf_models_get_one_line_naming_the_file_and_the_problem()
    {
        using var m = new RandomModelFolder(seed: 8);
        Assert.Equal(0, PersonaCli.Run("model", "export-gguf", "--model", m.Path, "--out", m["m.gguf"]).ExitCode);
        byte[] good = File.ReadAllBytes(m["m.gguf"]);

        File.WriteAllBytes(m["truncated.gguf"], good[..(good.Length - 1000)]);
        PersonaCli.AssertUserError(PersonaCli.Run("model", "info", "--model", m["truncated.gguf"]), m["truncated.gguf"], "truncated");

        // The tensor table entry of token_embd.weight: name, u32 dims, dims × u64, u32 type, u64 offset.
        int at = IndexOf(good, "token_embd.weight") + "token_embd.weight".Length;
        int dims = BitConverter.ToInt32(good, at);
        int typeAt = at + 4 + 8 * dims, offsetAt = typeAt + 4;

        var unknown = (byte[])good.Clone();
        BitConverter.GetBytes(99u).CopyTo(unknown, typeAt);
        File.WriteAllBytes(m["unknown.gguf"], unknown);
        PersonaCli.AssertUserError(PersonaCli.Run("model", "info", "--model", m["unknown.gguf"]), m["unknown.gguf"], "token_embd.weight", "GGML type 99");

        var lying = (byte[])good.Clone();
        BitConverter.GetBytes((ulong)good.Length * 2).CopyTo(lying, offsetAt);
        File.WriteAllBytes(m["lying.gguf"], lying);
        PersonaCli.AssertUserError(PersonaCli.Run("model", "info", "--model", m["lying.gguf"]), m["lying.gguf"], "token_embd.weight", "past the end");

        new RawGguf().Str("general.architecture", "gemma4").Save(m["arch.gguf"]);
        PersonaCli.AssertUserError(PersonaCli.Run("model", "info", "--model", m["arch.gguf"]), m["arch.gguf"], "architecture 'gemma4' is not supported");
    }

    static int IndexOf(byte[] haystack, string needle)
    {
        var n = Encoding.ASCII.GetBytes(needle);
        for (int i = 0; i + n.Length <= haystack.Length; i++)
            if (haystack.AsSpan(i, n.Length).SequenceEqual(n)) return i;
        throw new InvalidOperationException($"{needle} not found");
    }
}
