using System.Text.Json.Nodes;
using PersonaVectors.Tests.Fixtures;

namespace PersonaVectors.Tests.Cli;

/// <summary>Every malformed input gets one clear message naming the file and the problem, exit code 2.</summary>
public class BadInputTests
{
    [Fact]
    public void Truncated_weights()
    {
        using var m = new RandomModelFolder();
        string st = m["model.safetensors"];
        byte[] all = File.ReadAllBytes(st);
        File.WriteAllBytes(st, all[..(all.Length / 2)]);
        PersonaCli.AssertUserError(PersonaCli.Run("forward", "--model", m.Path, "--ids", "1,2"), st, "past the end");
    }

    [Fact]
    public void Header_length_larger_than_the_file()
    {
        using var m = new RandomModelFolder();
        string st = m["model.safetensors"];
        using (var fs = File.OpenWrite(st)) fs.Write(BitConverter.GetBytes(ulong.MaxValue / 2));
        PersonaCli.AssertUserError(PersonaCli.Run("forward", "--model", m.Path, "--ids", "1,2"), st, "larger than the file");
    }

    [Fact]
    public void Missing_tokenizer()
    {
        using var m = new RandomModelFolder();
        File.Delete(m["tokenizer.json"]);
        PersonaCli.AssertUserError(PersonaCli.Run("forward", "--model", m.Path, "--ids", "1,2"), "tokenizer.json", "not found");
    }

    [Fact]
    public void Missing_config()
    {
        using var m = new RandomModelFolder();
        File.Delete(m["config.json"]);
        PersonaCli.AssertUserError(PersonaCli.Run("forward", "--model", m.Path, "--ids", "1,2"), "config.json", "not found");
    }

    [Fact]
    public void Shape_that_does_not_match_the_config()
    {
        using var m = new RandomModelFolder();
        var config = JsonNode.Parse(File.ReadAllText(m["config.json"]))!.AsObject();
        config["intermediate_size"] = 96;
        File.WriteAllText(m["config.json"], config.ToJsonString());
        PersonaCli.AssertUserError(PersonaCli.Run("forward", "--model", m.Path, "--ids", "1,2"), "model.safetensors", "mlp.gate_proj.weight", "[160, 64]", "[96, 64]");
    }

    [Fact]
    public void Unsupported_architecture()
    {
        using var m = new RandomModelFolder();
        var config = JsonNode.Parse(File.ReadAllText(m["config.json"]))!.AsObject();
        config["architectures"] = new JsonArray("MambaForCausalLM");
        File.WriteAllText(m["config.json"], config.ToJsonString());
        PersonaCli.AssertUserError(PersonaCli.Run("forward", "--model", m.Path, "--ids", "1"), "MambaForCausalLM", "Qwen2ForCausalLM");
    }

    [Fact]
    public void Unknown_dtype_in_the_weights()
    {
        using var m = new RandomModelFolder();
        string st = m["model.safetensors"];
        byte[] all = File.ReadAllBytes(st);
        string header = System.Text.Encoding.UTF8.GetString(all, 8, (int)BitConverter.ToUInt64(all, 0));
        // Same byte length, unknown name: the file is otherwise intact.
        int at = header.IndexOf("\"F32\"", StringComparison.Ordinal);
        System.Text.Encoding.UTF8.GetBytes("\"X32\"").CopyTo(all, 8 + at);
        File.WriteAllBytes(st, all);
        PersonaCli.AssertUserError(PersonaCli.Run("forward", "--model", m.Path, "--ids", "1"), st, "unknown dtype 'X32'");
    }

    [Fact]
    public void Empty_prompt_too_long_prompt_and_bad_ids()
    {
        using var m = new RandomModelFolder();
        PersonaCli.AssertUserError(PersonaCli.Run("forward", "--model", m.Path, "--text", ""), "empty");
        string longIds = string.Join(",", Enumerable.Repeat("5", m.Config.MaxPositionEmbeddings + 1));
        PersonaCli.AssertUserError(PersonaCli.Run("forward", "--model", m.Path, "--ids", longIds), $"{m.Config.MaxPositionEmbeddings + 1} tokens", "context");
        PersonaCli.AssertUserError(PersonaCli.Run("forward", "--model", m.Path, "--ids", "1,-3"), "--ids", "'-3'");
        PersonaCli.AssertUserError(PersonaCli.Run("forward", "--model", m.Path, "--ids", "99999"), "99999", "outside the vocabulary");
    }

    [Theory]
    [InlineData("[{\"role\":\"user\"}]", "message [0]", "\"content\"")]
    [InlineData("[{\"role\":\"wizard\",\"content\":\"hi\"}]", "message [0]", "\"wizard\"")]
    [InlineData("[{\"role\":\"user\",\"content\":\"hi\"},{\"role\":\"user\",\"content\":42}]", "message [1]", "field \"content\" is the number 42; expected a string")]
    [InlineData("[{\"role\":[\"user\"],\"content\":\"hi\"}]", "message [0]", "field \"role\" is an array; expected a string")]
    [InlineData("{\"role\":\"user\",\"content\":\"hi\"}", "expected a JSON list")]
    [InlineData("[{\"role\":\"user\",\"content\":\"hi\"}", "not valid JSON")]
    [InlineData("[]", "empty")]
    public void Malformed_messages_file(string json, params string[] expected)
    {
        using var m = new RandomModelFolder();
        File.WriteAllText(m["msgs.json"], json);
        PersonaCli.AssertUserError(PersonaCli.Run("tokenize", "--model", m.Path, "--messages", m["msgs.json"]), [m["msgs.json"], .. expected]);
    }
}
