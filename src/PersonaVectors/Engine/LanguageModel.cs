using PersonaVectors.Engine.ChatTemplates;
using PersonaVectors.Engine.Generation;
using PersonaVectors.Engine.Models;
using PersonaVectors.Engine.Tokenizers;
using TorchSharp;
using static TorchSharp.torch;

namespace PersonaVectors.Engine;

/// <summary>Logits at the last position and the residual stream there after every block.</summary>
public sealed record LastPosition(int[] Ids, float[] Logits, float[][] Hidden);

/// <summary>A generated answer: its text, token ids and why generation ended.</summary>
public sealed record GeneratedText(string Text, int[] Tokens, FinishReason FinishReason);

/// <summary>
/// A model folder in Hugging Face layout (or a GGUF file), loaded: config, weights, tokenizer and chat template.
/// This is the object every command and every part of the method works with.
/// </summary>
public sealed class LanguageModel : IDisposable
{
    public string Folder { get; }
    public ModelConfig Config { get; }
    public CausalLM Model { get; }
    public Tokenizer Tokenizer { get; }
    public ChatTemplate? ChatTemplate { get; }
    public GenerationConfig? Generation { get; }
    /// <summary>The LoRA adapter loaded on top of the weights, if any (disposed with the model).</summary>
    public Lora.LoraAdapter? Adapter { get; private set; }

    /// <summary>
    /// What a run's results depend on in the model (folder, shape, weight type, whether an adapter is on): runs that
    /// resume in a folder check it, so that another model's results are never mixed in.
    /// </summary>
    public string Identity => string.Create(System.Globalization.CultureInfo.InvariantCulture,
        $"{Folder}|{Config.HiddenSize}/{Config.NumHiddenLayers}/{Config.VocabSize}|{Model.WeightDType}|adapter {Adapter is not null}");

    /// <summary>Tokens that end an answer: EOS ids from the configs and the template's end-of-turn tokens.</summary>
    public IReadOnlySet<int> StopTokens { get; }
    public int PadToken { get; }

    // End-of-turn markers of the supported families; only those that are special tokens of this tokenizer count.
    static readonly string[] EndOfTurnTokens = ["<|im_end|>", "<|eot_id|>", "<|eom_id|>", "<|end_of_text|>", "<|endoftext|>", "</s>"];

    LanguageModel(string folder, ModelConfig config, CausalLM model, Tokenizer tokenizer, ChatTemplate? template, GenerationConfig? generation)
    {
        Folder = folder; Config = config; Model = model; Tokenizer = tokenizer; ChatTemplate = template; Generation = generation;
        var stops = new HashSet<int>(config.EosTokenIds);
        if (generation is not null) stops.UnionWith(generation.EosTokenIds);
        if (template?.EosToken is { } eos && tokenizer.TokenToId(eos) is { } eosId) stops.Add(eosId);
        foreach (var t in EndOfTurnTokens)
            if (tokenizer.TokenToId(t) is { } id && tokenizer.IsSpecial(id)) stops.Add(id);
        StopTokens = stops;
        PadToken = stops.Count > 0 ? stops.Min() : 0;
    }

    /// <param name="weightDType">Float32 (default, exact); BFloat16: projection and embedding weights kept in
    /// bfloat16 (half the memory and bytes per token; exact for checkpoints stored in bfloat16); or Int8 for Q8:
    /// int8 weights with a float16 scale per 32 inputs, as llama.cpp's Q8_0 (a quarter of float32; a Q8_0 GGUF
    /// keeps its own blocks). Activations and the residual stream stay float32 in every case.</param>
    /// <param name="adapter">A PEFT LoRA folder to apply on top of the weights (e.g. what <c>persona finetune</c> wrote).</param>
    public static LanguageModel Load(string folder, ScalarType weightDType = ScalarType.Float32, Device? device = null, string? adapter = null)
    {
        if (Gguf.GgufModel.IsGgufFile(folder)) return LoadGguf(folder, weightDType, device, adapter);
        if (!Directory.Exists(folder)) throw new ModelFormatException(folder, "model folder not found");
        var config = ModelConfig.Load(Path.Combine(folder, "config.json"));

        string tokenizerPath = Path.Combine(folder, "tokenizer.json");
        if (!File.Exists(tokenizerPath)) throw new ModelFormatException(tokenizerPath, "file not found (a model folder needs tokenizer.json)");
        var tokenizer = Tokenizer.FromFile(tokenizerPath);

        string tokenizerConfigPath = Path.Combine(folder, "tokenizer_config.json");
        ChatTemplate? template = null;
        if (File.Exists(tokenizerConfigPath))
        {
            var tc = TokenizerConfig.Load(tokenizerConfigPath);
            if (tc.ChatTemplate is not null) template = ChatTemplate.FromTokenizerConfig(tc);
        }
        var generation = GenerationConfig.Load(Path.Combine(folder, "generation_config.json"));

        return Build(folder, config, tokenizer, template, generation, weightDType, device, adapter, model => ModelWeights.Load(model, folder));
    }

    /// <summary>
    /// The shape of the model <see cref="Load"/> would load, read without its tokenizer or weights: for checks that must
    /// not cost a model's load, such as a job's inputs before it is submitted to a cluster.
    /// </summary>
    public static ModelConfig ReadConfig(string folder)
    {
        if (Gguf.GgufModel.IsGgufFile(folder))
        {
            using var file = Gguf.GgufFile.Open(folder);
            return Gguf.GgufModel.Config(file);
        }
        if (!Directory.Exists(folder)) throw new ModelFormatException(folder, "model folder not found");
        return ModelConfig.Load(Path.Combine(folder, "config.json"));
    }

    /// <summary>
    /// A GGUF model file (llama.cpp, Ollama, LM Studio): config, tokenizer and chat template from its metadata, and
    /// its weights (F32, F16, BF16 or quantized) dequantized at load into <paramref name="weightDType"/>.
    /// </summary>
    static LanguageModel LoadGguf(string path, ScalarType weightDType, Device? device, string? adapter)
    {
        using var file = Gguf.GgufFile.Open(path);
        var config = Gguf.GgufModel.Config(file);
        var tokenizer = Tokenizer.FromJson(Gguf.GgufModel.TokenizerJson(file), path + " (tokenizer.ggml.*)");
        var tc = TokenizerConfig.Parse(Gguf.GgufModel.TokenizerConfig(file), path);
        var template = tc.ChatTemplate is null ? null : ChatTemplate.FromTokenizerConfig(tc);
        return Build(path, config, tokenizer, template, null, weightDType, device, adapter, model => Gguf.GgufModel.LoadWeights(model, file));
    }

    static LanguageModel Build(string source, ModelConfig config, Tokenizer tokenizer, ChatTemplate? template, GenerationConfig? generation,
        ScalarType weightDType, Device? device, string? adapter, Action<CausalLM> fill)
    {
        if (weightDType is not (ScalarType.Float32 or ScalarType.BFloat16 or ScalarType.Int8))
            throw new InvalidRequestException($"weights can be held as float32, bfloat16 or Q8 (Int8), not {weightDType}");
        if (weightDType == ScalarType.Int8 && device is not null && device.type != DeviceType.CPU)
            throw new InvalidRequestException("Q8 weights (--dtype q8) run on the CPU only: use --dtype bf16 on a GPU");
        var model = new CausalLM(config, ScalarType.Float32, weightDType);
        try { fill(model); }
        catch { model.Dispose(); throw; }
        if (device is not null && device.type != DeviceType.CPU) model.to(device);
        model.eval();
        var lm = new LanguageModel(source, config, model, tokenizer, template, generation);
        if (adapter is not null)
        {
            try { lm.Adapter = Lora.LoraAdapter.Load(model, adapter); }
            catch { model.Dispose(); throw; }
        }
        return lm;
    }

    /// <summary>Renders a conversation with the model's own chat template.</summary>
    public string RenderChat(IReadOnlyList<ChatMessage> messages, bool addGenerationPrompt)
    {
        if (ChatTemplate is null)
            throw new ModelFormatException(Path.Combine(Folder, "tokenizer_config.json"), "no chat_template: this model cannot render messages; pass plain text instead");
        if (messages.Count == 0) throw new InvalidRequestException("the conversation is empty: give at least one message");
        return ChatTemplate.Render(messages, addGenerationPrompt);
    }

    /// <summary>Token ids of a rendered conversation. The template already writes BOS where the model wants it,
    /// so, like apply_chat_template, no further special tokens are added.</summary>
    public int[] EncodeChat(IReadOnlyList<ChatMessage> messages, bool addGenerationPrompt) =>
        Tokenizer.Encode(RenderChat(messages, addGenerationPrompt), addSpecialTokens: false);

    public int[] EncodeText(string text) => Tokenizer.Encode(text, addSpecialTokens: true);

    /// <summary>Prompt ids for one user message (and optional system prompt), ready for the answer to follow.
    /// A model without a chat template gets the plain text.</summary>
    public int[] PromptIds(string user, string? system = null)
    {
        if (ChatTemplate is null) return EncodeText(system is null ? user : system + "\n\n" + user);
        var messages = new List<ChatMessage>();
        if (system is not null) messages.Add(new ChatMessage("system", system));
        messages.Add(new ChatMessage("user", user));
        return EncodeChat(messages, addGenerationPrompt: true);
    }

    /// <summary>Generates answers for a batch of prompts at once; <paramref name="onToken"/> streams tokens as they come.</summary>
    public GeneratedText[] Generate(IReadOnlyList<int[]> prompts, SamplingOptions options, Action<TokenEvent>? onToken = null, CancellationToken cancel = default)
    {
        foreach (var p in prompts) ValidatePrompt(p);
        var sequences = BatchGenerator.Generate(Model, prompts, options, StopTokens, PadToken, onToken, cancel);
        return sequences.Select(s => new GeneratedText(Tokenizer.Decode(s.Tokens, skipSpecialTokens: true), s.Tokens, s.FinishReason)).ToArray();
    }

    /// <summary>Checks a prompt before it reaches the model: non-empty, inside the context, ids in the vocabulary.</summary>
    public void ValidatePrompt(IReadOnlyList<int> ids)
    {
        if (ids.Count == 0) throw new InvalidRequestException("the prompt is empty: it encodes to no tokens");
        if (ids.Count > Config.MaxPositionEmbeddings)
            throw new InvalidRequestException($"the prompt has {ids.Count} tokens, more than the model's context of {Config.MaxPositionEmbeddings} (max_position_embeddings)");
        foreach (int id in ids)
            if (id < 0 || id >= Config.VocabSize)
                throw new InvalidRequestException($"token id {id} is outside the vocabulary [0, {Config.VocabSize})");
    }

    /// <summary>One forward pass over <paramref name="ids"/>, reading logits and every layer's residual at the last position.</summary>
    public LastPosition ForwardLast(int[] ids)
    {
        ValidatePrompt(ids);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var hidden = new float[Config.NumHiddenLayers + 1][];
        Tensor Capture(int layer, Tensor h, PassInfo _)
        {
            hidden[layer] = h[0, -1].to(ScalarType.Float32).cpu().data<float>().ToArray();
            return h;
        }
        var input = tensor(ids.Select(i => (long)i).ToArray(), device: Model.Device).unsqueeze(0);
        var logits = Model.Forward(input, new ForwardOptions { Hooks = [Capture], LastPositionLogitsOnly = true });
        var last = logits[0, -1].to(ScalarType.Float32).cpu().data<float>().ToArray();
        return new LastPosition(ids, last, hidden);
    }

    /// <summary>
    /// Generates for many prompts in batches of at most <paramref name="batchSize"/>. Batch k samples with seed
    /// <c>options.Seed + k</c>, so each batch's samples are fixed by its position alone.
    /// </summary>
    public List<GeneratedText> GenerateInBatches(IReadOnlyList<int[]> prompts, SamplingOptions options, int batchSize, CancellationToken cancel = default)
    {
        var all = new List<GeneratedText>(prompts.Count);
        int k = 0;
        foreach (var chunk in prompts.Chunk(batchSize))
            all.AddRange(Generate(chunk, options with { Seed = options.Seed + k++ }, cancel: cancel));
        return all;
    }

    public void Dispose()
    {
        Adapter?.Dispose();
        Model.Dispose();
    }
}
