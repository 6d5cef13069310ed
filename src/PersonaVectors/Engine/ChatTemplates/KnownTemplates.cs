namespace PersonaVectors.Engine.ChatTemplates;

/// <summary>Chat templates the project writes into the model folders it creates.</summary>
public static class KnownTemplates
{
    /// <summary>ChatML, the template family of Qwen2.5 and SmolLM2.</summary>
    public const string ChatMl =
        "{%- for message in messages %}{{- '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>\\n' }}{%- endfor %}" +
        "{%- if add_generation_prompt %}{{- '<|im_start|>assistant\\n' }}{%- endif %}";
}
