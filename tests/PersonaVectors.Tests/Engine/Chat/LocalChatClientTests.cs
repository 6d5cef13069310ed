using Microsoft.Extensions.AI;
using PersonaVectors.Engine;
using PersonaVectors.Engine.Chat;
using PersonaVectors.Engine.Generation;
using PersonaVectors.Tests.Fixtures;

namespace PersonaVectors.Tests.Engine.Chat;

public class LocalChatClientTests
{
    [Fact]
    public async Task Local_model_answers_through_IChatClient_like_direct_generation()
    {
        using var folder = new RandomModelFolder(seed: 21);
        using var lm = LanguageModel.Load(folder.Path);
        IChatClient client = new LocalChatClient(lm);
        var options = new ChatOptions { MaxOutputTokens = 12, Instructions = "Be brief." };

        var response = await client.GetResponseAsync([new ChatMessage(ChatRole.User, "Name a colour.")], options);
        var direct = lm.Generate([lm.PromptIds("Name a colour.", "Be brief.")], new SamplingOptions { MaxNewTokens = 12 })[0];
        Assert.Equal(direct.Text, response.Text);
        Assert.Equal(direct.Tokens.Length, (int)response.Usage!.OutputTokenCount!);

        var streamed = new List<string>();
        await foreach (var update in client.GetStreamingResponseAsync([new ChatMessage(ChatRole.User, "Name a colour.")], options))
            streamed.Add(update.Text);
        Assert.Equal(direct.Text, string.Concat(streamed));
        Assert.Equal("persona-local", client.GetService<ChatClientMetadata>()!.ProviderName);
    }
}
