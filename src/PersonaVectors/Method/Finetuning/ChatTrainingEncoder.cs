using PersonaVectors.Engine;
using PersonaVectors.Engine.ChatTemplates;
using PersonaVectors.Engine.Training;

namespace PersonaVectors.Method.Finetuning;

/// <summary>
/// Tokenises a conversation with the model's own chat template and marks the assistant's tokens for the loss.
/// Each assistant turn's tokens are what the template adds between the conversation rendered up to that turn
/// (with the generation prompt) and rendered through it: the content and the template's end-of-turn marker.
/// Rendering piece by piece assumes a template that only appends as a conversation grows, as ChatML, Llama 3
/// and Mistral templates do; one that rewrites earlier turns is refused.
/// </summary>
public sealed class ChatTrainingEncoder(LanguageModel lm)
{
    public TrainingExample Encode(IReadOnlyList<ChatMessage> messages)
    {
        var ids = new List<int>();
        var mask = new List<bool>();
        string rendered = "";
        void Append(string full, bool learn)
        {
            if (!full.StartsWith(rendered, StringComparison.Ordinal))
                throw new InvalidRequestException("the chat template rewrites earlier turns as the conversation grows, so assistant tokens cannot be told apart; train on single-turn conversations");
            foreach (int id in lm.Tokenizer.Encode(full[rendered.Length..], addSpecialTokens: false)) { ids.Add(id); mask.Add(learn); }
            rendered = full;
        }
        for (int k = 0; k < messages.Count; k++)
        {
            if (messages[k].Role != "assistant") continue;
            if (k > 0) Append(lm.RenderChat([.. messages.Take(k)], addGenerationPrompt: true), learn: false);
            Append(lm.RenderChat([.. messages.Take(k + 1)], addGenerationPrompt: false), learn: true);
        }
        if (ids.Count > 0) mask[0] = false; // nothing predicts the first token
        return new TrainingExample([.. ids], [.. mask]);
    }
}
