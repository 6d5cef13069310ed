using PersonaVectors.Engine;
using PersonaVectors.Engine.Models;
using static TorchSharp.torch;

namespace PersonaVectors.Method.Steering;

/// <summary>When a steering term applies: always, on turns the monitor flags, or from the token where it reads high to the end of the answer.</summary>
public enum SteeringGate
{
    /// <summary>Every turn, every position.</summary>
    Always,
    /// <summary>Per turn: only rows whose before-answer reading is above the trait's threshold, then for the whole answer.</summary>
    Above,
    /// <summary>
    /// Per token: open from the prompt if <see cref="Above"/> would be, else from the first answer position whose
    /// running average of the answer's projection so far crosses the trait's answer-average threshold; once open it
    /// holds to the end of the answer. (A gate that closed again when the reading fell let the persona back: the
    /// reading falls because the steered tokens are no longer the trait's, not because the prompt stopped asking
    /// for it; measured on the organism, evil was left at 26 of 100 instead of 0.)
    /// </summary>
    PerToken,
}

/// <summary>
/// Steering gated by the persona monitor, row by row within a batch: α·v is added at the steering layer only where
/// the gate is open. The gate reads the trait's unit direction at the monitor's layer from the stream as it arrives
/// there (before this term's own push at that layer), and a position is steered on what the positions before it
/// read, never on itself. One instance serves one generation call; it counts the positions it steered per row.
/// </summary>
public sealed class GatedSteering : IDisposable
{
    readonly Tensor _delta, _unit;
    readonly int _steerLayer, _gateLayer;
    readonly SteeringGate _mode;
    readonly double _answerThreshold;
    readonly bool[] _open, _thisPass;
    readonly double[] _sum;
    readonly int[] _count;
    readonly IDisposable _hook;

    /// <summary>Positions steered per row: the last prompt token and answer tokens (the positions that predict the answer).</summary>
    public int[] SteeredTokens { get; }

    /// <summary>Whether the gate opened for the row before the answer (per turn: for the whole answer).</summary>
    public bool[] FiredBeforeAnswer { get; }

    /// <param name="firedBeforeAnswer">Per row, the before-answer reading above the trait's threshold.</param>
    public GatedSteering(CausalLM model, TraitVector vector, double alpha, SteeringGate mode, TraitVector gate, bool[] firedBeforeAnswer, double answerThreshold)
    {
        if (mode == SteeringGate.Always) throw new ArgumentException("an always-on term needs no gate", nameof(mode));
        _delta = HeldScalar.Times(tensor(vector.Values), alpha).DetachFromDisposeScope();
        using var g = tensor(gate.Values);
        _unit = (g / g.norm()).DetachFromDisposeScope();
        _steerLayer = vector.Layer; _gateLayer = gate.Layer; _mode = mode; _answerThreshold = answerThreshold;
        FiredBeforeAnswer = [.. firedBeforeAnswer];
        _open = [.. firedBeforeAnswer];
        _thisPass = [.. firedBeforeAnswer];
        _sum = new double[firedBeforeAnswer.Length];
        _count = new int[firedBeforeAnswer.Length];
        SteeredTokens = new int[firedBeforeAnswer.Length];
        _hook = model.AddResidualHook(Hook);
    }

    Tensor Hook(int layer, Tensor h, PassInfo pass)
    {
        if (pass.Batch != _open.Length) return h; // another call's pass (not this generation's batch)
        if (layer == 0) Array.Copy(_open, _thisPass, _open.Length); // each pass steers on what earlier positions read
        if (layer == _gateLayer && _mode == SteeringGate.PerToken) Read(h, pass);
        if (layer != _steerLayer) return h;
        using var scope = NewDisposeScope();
        using var answer = pass.Mask(TokenPositions.Answer, forIntervention: true);
        var counts = answer.sum(1).cpu().data<long>().ToArray();
        for (int b = 0; b < _open.Length; b++) if (_thisPass[b]) SteeredTokens[b] += (int)counts[b];
        // An open row is steered at every position of the pass: in the first pass that is its whole prompt, as
        // always-on steering would; after that, one answer position at a time.
        var rows = tensor(_thisPass).to(h.dtype).to(h.device).view(-1, 1, 1);
        return HeldScalar.Add(h, rows * _delta.to(h.dtype, h.device).view(1, 1, -1)).MoveToOuterDisposeScope();
    }

    /// <summary>Adds the pass's answer positions to each row's running projection; a crossing opens the row's gate
    /// from the next position to the end of the answer.</summary>
    void Read(Tensor h, PassInfo pass)
    {
        using var scope = NewDisposeScope();
        var mask = pass.Mask(TokenPositions.Answer, forIntervention: false).to(ScalarType.Float32);          // [B, T]
        var projection = h.to(ScalarType.Float32).matmul(_unit.to(h.device));                               // [B, T]
        var sums = (projection * mask).sum(1).cpu().data<float>().ToArray();
        var counts = mask.sum(1).cpu().data<float>().ToArray();
        for (int b = 0; b < _open.Length; b++)
        {
            if (counts[b] == 0) continue;
            _sum[b] += sums[b];
            _count[b] += (int)counts[b];
            _open[b] |= _sum[b] / _count[b] > _answerThreshold;
        }
    }

    public void Dispose()
    {
        _hook.Dispose();
        _delta.Dispose();
        _unit.Dispose();
    }
}

/// <summary>The gate's names on the command line, in the chat and in the server's JSON.</summary>
public static class SteeringGates
{
    public const string Names = "always, above, per-token";

    public static string Name(SteeringGate g) => g switch
    {
        SteeringGate.Above => "above",
        SteeringGate.PerToken => "per-token",
        _ => "always",
    };

    /// <summary>"always", "above" or "per-token" (the chat's "when-above" and "when-per-token" too); null when it is none of them.</summary>
    public static SteeringGate? TryParse(string? s) => s switch
    {
        "always" => SteeringGate.Always,
        "above" or "when-above" => SteeringGate.Above,
        "per-token" or "when-per-token" => SteeringGate.PerToken,
        _ => null,
    };
}
