using System.Text.Json.Nodes;
using PersonaVectors.Engine.ChatTemplates;

namespace PersonaVectors.Tests.Engine.ChatTemplates;

/// <summary>
/// Templates in the style of Qwen2.5-Instruct, Llama 2 chat, Mistral Instruct and SmolLM2 (written here from their
/// documented formats), checked against hand-written output and against Python Jinja2.
/// </summary>
public sealed class KnownChatTemplateTests
{
    const string Qwen25 = """
        {%- if tools %}
            {{- '<|im_start|>system\n' }}
            {%- if messages[0]['role'] == 'system' %}
                {{- messages[0]['content'] }}
            {%- else %}
                {{- 'You are Qwen, created by Alibaba Cloud. You are a helpful assistant.' }}
            {%- endif %}
            {{- "\n\n# Tools\n\n<tools>" }}
            {%- for tool in tools %}
                {{- "\n" }}
                {{- tool | tojson }}
            {%- endfor %}
            {{- "\n</tools><|im_end|>\n" }}
        {%- else %}
            {%- if messages[0]['role'] == 'system' %}
                {{- '<|im_start|>system\n' + messages[0]['content'] + '<|im_end|>\n' }}
            {%- else %}
                {{- '<|im_start|>system\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant.<|im_end|>\n' }}
            {%- endif %}
        {%- endif %}
        {%- for message in messages %}
            {%- if (message.role == "user") or (message.role == "system" and not loop.first) or (message.role == "assistant" and not message.tool_calls) %}
                {{- '<|im_start|>' + message.role + '\n' + message.content + '<|im_end|>' + '\n' }}
            {%- endif %}
        {%- endfor %}
        {%- if add_generation_prompt %}
            {{- '<|im_start|>assistant\n' }}
        {%- endif %}
        """;

    const string Llama2 = """
        {%- if messages[0]['role'] == 'system' -%}
            {%- set loop_messages = messages[1:] -%}
            {%- set system_message = messages[0]['content'] -%}
        {%- else -%}
            {%- set loop_messages = messages -%}
            {%- set system_message = false -%}
        {%- endif -%}
        {%- for message in loop_messages -%}
            {%- if (message['role'] == 'user') != (loop.index0 % 2 == 0) -%}
                {{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}
            {%- endif -%}
            {%- if loop.index0 == 0 and system_message != false -%}
                {%- set content = '<<SYS>>\n' + system_message + '\n<</SYS>>\n\n' + message['content'] -%}
            {%- else -%}
                {%- set content = message['content'] -%}
            {%- endif -%}
            {%- if message['role'] == 'user' -%}
                {{ bos_token + '[INST] ' + content.strip() + ' [/INST]' }}
            {%- elif message['role'] == 'assistant' -%}
                {{ ' ' + content.strip() + ' ' + eos_token }}
            {%- endif -%}
        {%- endfor -%}
        """;

    const string Mistral =
        "{{ bos_token }}{% for message in messages %}" +
        "{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}" +
        "{% if message['role'] == 'user' %}{{ '[INST] ' + message['content'] + ' [/INST]' }}" +
        "{% elif message['role'] == 'assistant' %}{{ message['content'] + eos_token }}" +
        "{% else %}{{ raise_exception('Only user and assistant roles are supported!') }}{% endif %}{% endfor %}";

    const string SmolLM2 = """
        {% for message in messages %}{% if loop.first and messages[0]['role'] != 'system' %}{{ '<|im_start|>system
        You are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>
        ' }}{% endif %}{{'<|im_start|>' + message['role'] + '
        ' + message['content'] + '<|im_end|>' + '
        '}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant
        ' }}{% endif %}
        """;

    static readonly Dictionary<string, (string Template, string Bos, string Eos)> Templates = new()
    {
        ["qwen2.5"] = (Qwen25, "", "<|im_end|>"),
        ["llama2"] = (Llama2, "<s>", "</s>"),
        ["mistral"] = (Mistral, "<s>", "</s>"),
        ["smollm2"] = (SmolLM2, "<|im_start|>", "<|im_end|>"),
    };

    static string Render(string name, IReadOnlyList<ChatMessage> messages, bool addGenerationPrompt, IReadOnlyDictionary<string, object?>? extra = null)
    {
        var (template, bos, eos) = Templates[name];
        return new ChatTemplate(template, bos.Length == 0 ? null : bos, eos).Render(messages, addGenerationPrompt, extra);
    }

    static PythonResult Reference(string name, IReadOnlyList<ChatMessage> messages, bool addGenerationPrompt, JsonObject? extra = null)
    {
        var (template, bos, eos) = Templates[name];
        return PythonJinja.Render(new PythonCase(template,
            ChatTemplateTestData.Variables(messages, addGenerationPrompt, extra, bos.Length == 0 ? null : bos, eos)));
    }

    public static TheoryData<string, string, bool> AlternatingMatrix()
    {
        var data = new TheoryData<string, string, bool>();
        foreach (var model in Templates.Keys)
            foreach (var conversation in new[] { "user_only", "multi_turn", "tricky_text", "system_user" })
                foreach (var generation in new[] { true, false })
                    if (!(model == "mistral" && conversation is "multi_turn" or "system_user"))
                        data.Add(model, conversation, generation);
        return data;
    }

    [Theory]
    [MemberData(nameof(AlternatingMatrix))]
    public void Renders_like_python_jinja2(string model, string conversation, bool addGenerationPrompt)
    {
        var messages = ChatTemplateTestData.Conversations[conversation];
        var reference = Reference(model, messages, addGenerationPrompt);
        Assert.True(reference.Ok, reference.Error);
        Assert.Equal(reference.Text, Render(model, messages, addGenerationPrompt));
    }

    [Fact]
    public void Qwen25_inserts_its_default_system_prompt()
    {
        string text = Render("qwen2.5", [new("user", "Hi")], addGenerationPrompt: true);
        Assert.Equal(
            "<|im_start|>system\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant.<|im_end|>\n" +
            "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n", text);
    }

    [Fact]
    public void Qwen25_with_tools_renders_like_python_jinja2()
    {
        var messages = ChatTemplateTestData.Conversations["system_user"];
        var tools = ChatTemplateTestData.WeatherTools();
        string ours = Render("qwen2.5", messages, true, PythonJinja.ToVariables(tools));
        var reference = Reference("qwen2.5", messages, true, tools);
        Assert.True(reference.Ok, reference.Error);
        Assert.Equal(reference.Text, ours);
        Assert.StartsWith("<|im_start|>system\nYou are a pirate.\n\n# Tools\n\n<tools>\n{\"type\": \"function\", \"function\": {\"name\": \"get_weather\"", ours);
    }

    [Fact]
    public void Llama2_folds_the_system_prompt_into_the_first_user_turn()
    {
        string text = Render("llama2", [new("system", "S"), new("user", " U "), new("assistant", "A"), new("user", "U2")], addGenerationPrompt: false);
        // strip() applies to the whole first turn, so the user's leading space survives behind the system block.
        Assert.Equal("<s>[INST] <<SYS>>\nS\n<</SYS>>\n\n U [/INST] A </s><s>[INST] U2 [/INST]", text);
    }

    [Fact]
    public void Mistral_format()
    {
        string text = Render("mistral", [new("user", "U"), new("assistant", "A"), new("user", "U2")], addGenerationPrompt: true);
        Assert.Equal("<s>[INST] U [/INST]A</s>[INST] U2 [/INST]", text);
    }

    [Fact]
    public void SmolLM2_inserts_its_default_system_prompt()
    {
        string text = Render("smollm2", [new("user", "Hi")], addGenerationPrompt: true);
        Assert.Equal(
            "<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>\n" +
            "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n", text);
    }

    [Theory]
    [InlineData("mistral", "Conversation roles must alternate user/assistant/user/assistant/...")]
    [InlineData("llama2", "Conversation roles must alternate user/assistant/user/assistant/...")]
    public void Non_alternating_roles_raise_the_templates_message(string model, string message)
    {
        ChatMessage[] messages = [new("user", "a"), new("user", "b")];
        var error = Assert.Throws<ChatTemplateException>(() => Render(model, messages, addGenerationPrompt: true));
        Assert.True(error.RaisedByTemplate);
        Assert.Equal(message, error.TemplateMessage);
        Assert.Contains(message, error.Message);
        Assert.NotNull(error.Line);

        var reference = Reference(model, messages, true);
        Assert.False(reference.Ok);
        Assert.Equal($"TemplateError: {message}", reference.Error);
    }

    [Fact]
    public void Mistral_rejects_a_system_message_with_its_own_message()
    {
        // A leading system message would fail the alternation check first; in second place it reaches the role check.
        var error = Assert.Throws<ChatTemplateException>(() => Render("mistral", [new("user", "U"), new("system", "S")], addGenerationPrompt: true));
        Assert.Equal("Only user and assistant roles are supported!", error.TemplateMessage);
        Assert.True(error.RaisedByTemplate);
    }
}
