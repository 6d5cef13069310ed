using PersonaVectors.Engine.ChatTemplates;
using PersonaVectors.Tests.Fixtures;

namespace PersonaVectors.Tests.Engine.ChatTemplates;

public sealed class TokenizerConfigTests : IDisposable
{
    readonly string dir = Directory.CreateTempSubdirectory("pv-tokcfg-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    string Write(string json, string name = "tokenizer_config.json")
    {
        string path = Path.Combine(dir, name);
        File.WriteAllText(path, json);
        return path;
    }

    [Fact]
    public void Reads_qwen3_config()
    {
        var config = TokenizerConfig.Load(Path.Combine(NpmPackages.Qwen3, "models", "tokenizer_config.json"));
        Assert.NotNull(config.ChatTemplate);
        Assert.Contains("<|im_start|>", config.ChatTemplate);
        Assert.Null(config.BosToken);
        Assert.Equal("<|im_end|>", config.EosToken);
        Assert.Equal("<|endoftext|>", config.PadToken);
        Assert.False(config.AddBosToken);
        Assert.Equal(131072, config.ModelMaxLength);
        Assert.Contains("<|im_start|>", config.AdditionalSpecialTokens);
    }

    [Fact]
    public void Reads_llama3_config_with_the_no_limit_sentinel()
    {
        var config = TokenizerConfig.Load(Path.Combine(NpmPackages.Llama3, "models", "tokenizer_config.json"));
        Assert.Equal("<|begin_of_text|>", config.BosToken);
        Assert.Equal("<|end_of_text|>", config.EosToken);
        Assert.Equal(long.MaxValue, config.ModelMaxLength);
    }

    [Fact]
    public void Llama2_config_has_no_template_and_says_so()
    {
        string path = Path.Combine(NpmPackages.Llama2, "models", "tokenizer_config.json");
        var config = TokenizerConfig.Load(path);
        Assert.Null(config.ChatTemplate);
        Assert.True(config.AddBosToken);
        Assert.False(config.AddEosToken);
        Assert.Equal("<unk>", config.UnkToken);
        var error = Assert.Throws<ModelFormatException>(() => ChatTemplate.FromTokenizerConfig(config));
        Assert.Equal(path, error.File);
        Assert.Contains("no chat_template", error.Message);
    }

    [Fact]
    public void Reads_token_objects_and_the_list_form_of_chat_template()
    {
        string path = Write("""
            {"bos_token": {"content": "<s>", "lstrip": false}, "eos_token": "</s>", "unk_token": null,
             "chat_template": [{"name": "default", "template": "{{ bos_token }}D"}, {"name": "tool_use", "template": "T"}],
             "model_max_length": 4096, "add_eos_token": true}
            """);
        var config = TokenizerConfig.Load(path);
        Assert.Equal("<s>", config.BosToken);
        Assert.Null(config.UnkToken);
        Assert.Equal("{{ bos_token }}D", config.ChatTemplate);
        Assert.Equal("T", config.NamedChatTemplates["tool_use"]);
        Assert.Equal(4096, config.ModelMaxLength);
        Assert.True(config.AddEosToken);
        Assert.Equal("<s>D", ChatTemplate.FromTokenizerConfig(config).Render([new("user", "x")], false));
    }

    [Fact]
    public void A_template_list_without_default_is_an_error_naming_the_templates()
    {
        var config = TokenizerConfig.Load(Write("""{"chat_template": [{"name": "rag", "template": "R"}]}"""));
        Assert.Null(config.ChatTemplate);
        var error = Assert.Throws<ModelFormatException>(() => ChatTemplate.FromTokenizerConfig(config));
        Assert.Contains("'rag'", error.Message);
    }

    [Fact]
    public void Chat_template_jinja_next_to_the_config_wins()
    {
        Write("{{ 'from sidecar' }}", "chat_template.jinja");
        var config = TokenizerConfig.Load(Write("""{"chat_template": "inline"}"""));
        Assert.Equal("from sidecar", ChatTemplate.FromTokenizerConfig(config).Render([], false));
        Assert.EndsWith("chat_template.jinja", config.ChatTemplateFile);
    }

    [Theory]
    [InlineData("""{"chat_template": 5}""", "chat_template")]
    [InlineData("""{"chat_template": [{"name": "default"}]}""", "chat_template")]
    [InlineData("""{"eos_token": 7}""", "eos_token")]
    [InlineData("""{"bos_token": {"id": 1}}""", "bos_token")]
    [InlineData("""{"add_bos_token": "yes"}""", "add_bos_token")]
    [InlineData("""{"model_max_length": "big"}""", "model_max_length")]
    [InlineData("""{"additional_special_tokens": "x"}""", "additional_special_tokens")]
    [InlineData("""[1, 2]""", "JSON object")]
    [InlineData("""{"chat_template": """, "not valid JSON")]
    public void Malformed_fields_name_the_file_and_field(string json, string field)
    {
        string path = Write(json);
        var error = Assert.Throws<ModelFormatException>(() => TokenizerConfig.Load(path));
        Assert.Equal(path, error.File);
        Assert.Contains(field, error.Message);
    }

    [Fact]
    public void Missing_file_is_reported()
    {
        var error = Assert.Throws<ModelFormatException>(() => TokenizerConfig.Load(Path.Combine(dir, "nope.json")));
        Assert.Contains("not found", error.Message);
    }

    [Fact]
    public void A_broken_template_is_reported_against_the_file()
    {
        string path = Write("""{"chat_template": "{% if %}"}""");
        var error = Assert.Throws<ModelFormatException>(() => ChatTemplate.FromTokenizerConfig(TokenizerConfig.Load(path)));
        Assert.Equal(path, error.File);
        Assert.IsType<ChatTemplateException>(error.InnerException);
    }
}
