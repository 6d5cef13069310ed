namespace PersonaVectors.Method.Finetuning;

/// <summary>Conversations from chat JSONL or from Parquet (a .parquet file or a folder of them), whichever the path is.</summary>
public static class ChatData
{
    public static IEnumerable<ChatRecord> Read(string path, ChatColumns? columns = null, BadLinePolicy policy = BadLinePolicy.Stop, Action<int, string>? skipped = null) =>
        ChatParquet.IsParquet(path) ? ChatParquet.Read(path, columns ?? new ChatColumns(), policy, skipped)
        : columns is { Messages: not null } or { PromptResponse: true }
            ? throw new PersonaVectorsException($"{path}: column options apply to Parquet data; JSONL lines carry \"messages\"")
            : ChatJsonl.Read(path, policy, skipped);
}
