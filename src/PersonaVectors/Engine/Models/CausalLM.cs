using PersonaVectors.Engine.Kernels;
using TorchSharp;
using static TorchSharp.torch;

namespace PersonaVectors.Engine.Models;

/// <summary>
/// A decoder-only language model of the Llama family and its relatives (Llama 2/3, Mistral, SmolLM2, Qwen2/2.5/3,
/// Gemma 2/3, Phi-3, OLMo 2); <see cref="ModelConfig"/> holds what differs between them. Parameter names equal
/// the checkpoint's tensor names ("model.layers.3.self_attn.q_proj.weight"), so loading is a lookup.
/// </summary>
public sealed class CausalLM : nn.Module<Tensor, Tensor>
{
    public readonly DecoderStack model;
    public readonly Linear? lm_head;

    // Interventions change the stream; observers only read it. Observers run last at each layer, so a capture
    // sees the stream exactly as the next block will.
    readonly List<ResidualHook> _interventions = [];
    readonly List<ResidualHook> _observers = [];
    readonly double[] _inverseFrequencies;
    readonly double[]? _localInverseFrequencies;

    public ModelConfig Config { get; }
    /// <summary>Dtype of activations and of the residual stream.</summary>
    public ScalarType DType { get; }
    /// <summary>Dtype the projection and embedding weights are stored in: bfloat16 halves memory and bytes per
    /// token; Int8 means Q8 (int8 with a float16 scale per block of 32 inputs, <see cref="Q8Blocks"/>).</summary>
    public ScalarType WeightDType { get; }

    public CausalLM(ModelConfig config, ScalarType dtype = ScalarType.Float32, ScalarType? weightDType = null) : base(nameof(CausalLM))
    {
        Config = config;
        DType = dtype;
        WeightDType = weightDType ?? dtype;
        model = new DecoderStack(config, dtype, WeightDType);
        if (!config.TieWordEmbeddings) lm_head = new Linear(config.HiddenSize, config.VocabSize, hasBias: false, dtype, WeightDType);
        _inverseFrequencies = RotaryEmbedding.InverseFrequencies(config.RotaryDim, config.RopeTheta, config.RopeScaling is { Type: "longrope" } ? null : config.RopeScaling);
        if (config.LocalRopeTheta is { } local) _localInverseFrequencies = RotaryEmbedding.InverseFrequencies(config.RotaryDim, local, null);
        RegisterComponents();
    }

    public int NumLayers => Config.NumHiddenLayers;

    /// <summary>Number of weights (elements of every parameter).</summary>
    public long ParameterCount => parameters().Sum(p => p.numel());
    public Device Device => model.norm.weight.device;

    /// <summary>The output projection; the embedding matrix itself when embeddings are tied. Int8 when the model
    /// is held in Q8, with its scales in <see cref="OutputScales"/>.</summary>
    public Tensor OutputWeight => lm_head?.weight ?? model.embed_tokens.weight;
    public Tensor? OutputScales => lm_head is { } head ? head.scales : model.embed_tokens.scales;

    /// <summary>Q8 block scales by the checkpoint name of the weight they belong to ("model.layers.0.mlp.up_proj.weight").</summary>
    public IReadOnlyDictionary<string, Tensor> Q8Scales => _q8Scales ??= named_modules()
        .Select(m => (m.name, Scales: m.module switch { Linear l => l.scales, Embedding e => e.scales, _ => null }))
        .Where(m => m.Scales is not null).ToDictionary(m => m.name + ".weight", m => m.Scales!);
    Dictionary<string, Tensor>? _q8Scales;

    /// <summary>Registers a hook for every forward pass until the returned handle is disposed.</summary>
    /// <param name="observer">True for hooks that only read the stream (captures); they run after every intervention.</param>
    public IDisposable AddResidualHook(ResidualHook hook, bool observer = false)
    {
        var list = observer ? _observers : _interventions;
        list.Add(hook);
        return new HookHandle(() => list.Remove(hook));
    }

    public override Tensor forward(Tensor inputIds) => Forward(inputIds);

    /// <summary>Weights narrower than the activations go through the streaming kernels when few rows decode.</summary>
    bool StreamsWeights => WeightDType != DType;

    /// <summary>Logits [batch, tokens (or 1), vocab] for input ids [batch, tokens].</summary>
    public Tensor Forward(Tensor inputIds, ForwardOptions? options = null)
    {
        options ??= new ForwardOptions();
        long batch = inputIds.shape[0], tokens = inputIds.shape[1];
        using var threads = StreamsWeights && batch * tokens <= MixedLinear.StreamingRows && inputIds.device_type == DeviceType.CPU
            ? DecodeThreads.Single() : null;
        using var scope = NewDisposeScope();
        long past = options.Cache?.Length ?? 0;
        var device = inputIds.device;

        var inputs = Inputs(batch, tokens, past, options.PaddingMask, options.Cache, device);
        var pass = new PassInfo(batch, past, tokens, options.PaddingMask, options.PromptEnd, device);

        var h = model.embed_tokens.call(inputIds);
        // Gemma's scaled embedding is the stream itself: hidden[0] is embed · √hidden, as transformers reports it.
        // transformers rounds √hidden to the activation dtype first (33.94 is 34.0 in bfloat16).
        if (Config.EmbeddingMultiplier != 1) h = h * tensor(Config.EmbeddingMultiplier).to(DType);
        h = RunHooks(0, h, pass, options);
        for (int l = 0; l < Config.NumHiddenLayers; l++)
        {
            h = model.layers[l].Forward(h, inputs);
            h = RunHooks(l + 1, h, pass, options);
        }
        if (options.LastPositionLogitsOnly) h = h.narrow(1, tokens - 1, 1);
        var logits = MixedLinear.Forward(model.norm.call(h), OutputWeight, OutputScales, null);
        if (Config.FinalLogitSoftcap is { } softcap)
        {
            using var cap = softcap.ToScalar();   // held: see HeldScalar
            logits = (logits / cap).tanh() * cap;
        }
        return logits.MoveToOuterDisposeScope();
    }

    /// <summary>Rotary tables and masks of one pass: one set for every layer, or a global and a local set (Gemma).</summary>
    AttentionInputs Inputs(long batch, long tokens, long past, Tensor? padding, KvCache? cache, Device device)
    {
        var positions = AttentionMask.Positions(batch, tokens, past, padding, device);
        var c = Config;
        // transformers switches longrope's factors on the largest position id + 1 (not the padded length).
        var (cos, sin) = c.RopeScaling is { Type: "longrope" } longRope
            ? RotaryEmbedding.Tables(positions, RotaryEmbedding.LongRopeFrequencies(c.RotaryDim, c.RopeTheta, longRope, positions.max().item<long>() + 1), DType, longRope.AttentionFactor)
            : RotaryEmbedding.Tables(positions, _inverseFrequencies, DType);
        // Without per-layer types every layer is alike (Mistral's window applies to all); with them, the local
        // layers get their own mask (and Gemma 3 its own rotary base).
        bool separate = c.SlidingWindow is not null && c.LocalLayers is { } types && types.Contains(true);
        var mask = AttentionMask.Build(batch, tokens, past, padding, c.LocalLayers is null ? c.SlidingWindow : null, device);
        var inputs = new AttentionInputs(cos, sin, mask, cache);
        if (!separate) return inputs;
        var localMask = AttentionMask.Build(batch, tokens, past, padding, c.SlidingWindow, device);
        var (localCos, localSin) = _localInverseFrequencies is { } f ? RotaryEmbedding.Tables(positions, f, DType) : (cos, sin);
        return inputs with { Local = (localCos, localSin, localMask) };
    }

    Tensor RunHooks(int layer, Tensor h, PassInfo pass, ForwardOptions options)
    {
        foreach (var hook in _interventions) h = hook(layer, h, pass);
        foreach (var hook in options.Hooks) h = hook(layer, h, pass);
        foreach (var hook in _observers) h = hook(layer, h, pass);
        return h;
    }

    sealed class HookHandle(Action remove) : IDisposable
    {
        Action? _remove = remove;
        public void Dispose() { _remove?.Invoke(); _remove = null; }
    }
}
