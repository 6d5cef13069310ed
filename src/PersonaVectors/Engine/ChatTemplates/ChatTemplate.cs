namespace PersonaVectors.Engine.ChatTemplates;

/// <summary>
/// A model's chat template with the special tokens it is rendered with, called like transformers'
/// <c>apply_chat_template(messages, tokenize=False, add_generation_prompt=...)</c>.
/// </summary>
public sealed class ChatTemplate
{
    readonly JinjaTemplate template;
    readonly Dictionary<string, object?> specialTokens = [];

    public string Source => template.Source;
    public string? BosToken { get; }
    public string? EosToken { get; }

    /// <param name="template">Jinja source of the template.</param>
    /// <param name="bosToken">bos_token; null leaves it undefined in the template, as transformers does.</param>
    /// <param name="eosToken">eos_token; null leaves it undefined.</param>
    /// <param name="padToken">pad_token; null leaves it undefined.</param>
    /// <param name="unkToken">unk_token; null leaves it undefined.</param>
    /// <param name="additionalSpecialTokens">additional_special_tokens; null or empty leaves it undefined.</param>
    /// <exception cref="ChatTemplateException">The template does not parse or uses an unsupported construct.</exception>
    public ChatTemplate(string template, string? bosToken, string? eosToken, string? padToken = null, string? unkToken = null,
        IReadOnlyList<string>? additionalSpecialTokens = null)
    {
        this.template = JinjaTemplate.Parse(template);
        BosToken = bosToken;
        EosToken = eosToken;
        // transformers passes its special_tokens_map, which holds only the tokens that are set.
        AddToken("bos_token", bosToken);
        AddToken("eos_token", eosToken);
        AddToken("unk_token", unkToken);
        AddToken("pad_token", padToken);
        if (additionalSpecialTokens is { Count: > 0 }) specialTokens["additional_special_tokens"] = additionalSpecialTokens.ToList();
    }

    void AddToken(string name, string? value)
    {
        if (!string.IsNullOrEmpty(value)) specialTokens[name] = value;
    }

    /// <exception cref="ModelFormatException">The config has no usable chat template.</exception>
    public static ChatTemplate FromTokenizerConfig(TokenizerConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        if (config.ChatTemplate is not { } source)
        {
            string message = config.NamedChatTemplates.Count > 0
                ? $"has chat templates named {string.Join(", ", config.NamedChatTemplates.Keys.Select(k => $"'{k}'"))} but none named 'default'"
                : "has no chat_template (base models usually have none; use an instruct/chat model or supply a template)";
            throw new ModelFormatException(config.Path, message);
        }
        try
        {
            return new ChatTemplate(source, config.BosToken, config.EosToken, config.PadToken, config.UnkToken, config.AdditionalSpecialTokens);
        }
        catch (ChatTemplateException e)
        {
            throw new ModelFormatException(config.ChatTemplateFile ?? config.Path, $"chat_template is not usable: {e.Message}", e);
        }
    }

    /// <summary>
    /// Renders the conversation. The template sees <c>messages</c> (dicts with role and content),
    /// <c>add_generation_prompt</c>, <c>tools</c> and <c>documents</c> (None unless given in <paramref name="extra"/>),
    /// the special tokens that are set, and every entry of <paramref name="extra"/> (e.g. enable_thinking).
    /// </summary>
    /// <exception cref="ChatTemplateException">Rendering failed, including the template's own raise_exception.</exception>
    public string Render(IReadOnlyList<ChatMessage> messages, bool addGenerationPrompt, IReadOnlyDictionary<string, object?>? extra = null)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var variables = new Dictionary<string, object?>(specialTokens)
        {
            ["messages"] = messages,
            ["tools"] = null,
            ["documents"] = null,
            ["add_generation_prompt"] = addGenerationPrompt,
        };
        if (extra is not null)
        {
            foreach (var (key, value) in extra)
            {
                if (key is "messages" or "add_generation_prompt")
                    throw new ArgumentException($"'{key}' is set by Render itself and cannot be passed in extra", nameof(extra));
                variables[key] = value;
            }
        }
        return template.Render(variables);
    }
}
