using System.Globalization;
using PersonaVectors.Engine;
using PersonaVectors.Engine.Gguf;
using static TorchSharp.torch;

namespace PersonaVectors.Method;

/// <summary>
/// llama.cpp's control-vector GGUF, both ways: <c>general.architecture = "controlvector"</c>,
/// <c>controlvector.model_hint</c>, <c>controlvector.layer_count</c>, and one 1-D F32 tensor <c>direction.N</c> per
/// steered layer, which llama.cpp adds to the output of its 0-based block N at every position.
/// <para>
/// The numbering, measured against llama.cpp in ControlVectorAgreementTests rather than read from its source:
/// <c>direction.N</c> is our row N + 1 (row l is the output of block l, row 0 the embeddings). llama.cpp refuses
/// index 0 and has no slot before block 0, so rows 0 and 1 cannot be exported; a model of n blocks exports rows
/// 2..n. llama.cpp's cvector-generator and repeng write the same layout and mean the same thing by N.
/// </para>
/// </summary>
public static class ControlVectorFile
{
    public const string Architecture = "controlvector";
    /// <summary>Keys of ours that other tools ignore, so a round trip keeps the trait and its provenance.</summary>
    const string TraitKey = "persona.trait", KindKey = "persona.kind", ModelKey = "persona.model", ScaleKey = "persona.scale";

    public static int RowOf(int direction) => direction + 1;
    public static int DirectionOf(int row) => row - 1;

    /// <summary>The first row llama.cpp can address (direction.1).</summary>
    public const int FirstRow = 2;

    /// <summary>
    /// Writes rows <paramref name="firstRow"/>..<paramref name="lastRow"/> of <paramref name="vector"/>, each times
    /// <paramref name="scale"/>, as direction.(row − 1). llama.cpp adds every direction of a file at once, so a
    /// range pushes by the sum of its rows. Nothing is written when the arguments are wrong.
    /// </summary>
    public static void Write(PersonaVector vector, string path, int firstRow, int lastRow, double scale, string modelHint)
    {
        if (firstRow > lastRow) throw new InvalidRequestException($"layers {firstRow}-{lastRow}: the first is after the last");
        if (firstRow < FirstRow)
            throw new InvalidRequestException($"layer {firstRow} cannot be exported: llama.cpp steers the outputs of blocks 1..n-1, which are our rows {FirstRow}..{vector.NumLayers} (row 0 is the embeddings, row 1 block 0's output)");
        if (lastRow > vector.NumLayers) throw new InvalidRequestException($"layer {lastRow} is out of range: the vector has rows 0..{vector.NumLayers}");
        if (!double.IsFinite(scale) || scale == 0) throw new InvalidRequestException($"--scale must be a finite number other than 0, got {scale}");
        if (vector.ControlRows is { } rows && Enumerable.Range(firstRow, lastRow - firstRow + 1).FirstOrDefault(r => !rows.Contains(r)) is var missing and > 0)
            throw new InvalidRequestException($"layer {missing} has no direction in this control vector (it has rows {string.Join(",", rows)})");

        var w = new GgufWriter();
        w.Add("general.architecture", Architecture);
        w.Add("controlvector.model_hint", modelHint);
        // As llama.cpp's generator writes it: the number of blocks it can steer, n − 1.
        w.Add("controlvector.layer_count", vector.NumLayers - 1);
        w.Add(TraitKey, vector.Trait);
        w.Add(KindKey, vector.Kind);
        w.Add(ModelKey, vector.Model);
        w.Add(ScaleKey, (float)scale);
        for (int row = firstRow; row <= lastRow; row++)
        {
            using var scaled = HeldScalar.Times(vector.At(row), scale).to(ScalarType.Float32).contiguous();
            w.AddTensor($"direction.{DirectionOf(row)}", [vector.HiddenSize], GgmlType.F32, scaled.bytes.ToArray());
        }
        w.Write(path);
    }

    /// <summary>
    /// Reads a control-vector file as a persona vector whose rows are zero except those the file gives.
    /// <paramref name="numLayers"/>/<paramref name="hiddenSize"/> are the model's, when known; otherwise the depth is
    /// taken from <c>controlvector.layer_count</c> (n − 1 for the tools' defaults) or the highest direction.
    /// Foreign metadata keys and tensors are ignored.
    /// </summary>
    public static PersonaVector Read(string path, int? numLayers = null, int? hiddenSize = null)
    {
        using var f = GgufFile.Open(path);
        var directions = new SortedDictionary<int, float[]>();
        foreach (var t in f.Tensors)
        {
            if (!t.Name.StartsWith("direction.", StringComparison.Ordinal)) continue;
            if (!int.TryParse(t.Name.AsSpan("direction.".Length), NumberStyles.None, CultureInfo.InvariantCulture, out int n))
                throw new ModelFormatException(path, $"tensor '{t.Name}': expected direction.N with N a layer number");
            if (n == 0) throw new ModelFormatException(path, "direction.0: llama.cpp numbers directions from 1 (direction.N is added after block N), so index 0 is invalid");
            if (t.Ne.Length != 1) throw new ModelFormatException(path, $"{t.Name} has shape [{string.Join(", ", t.Shape)}]; a direction is 1-D");
            if (t.Type != GgmlType.F32) throw new ModelFormatException(path, $"{t.Name} is {t.Type}; control-vector directions are F32");
            if (hiddenSize is { } h && t.Ne[0] != h)
                throw new ModelFormatException(path, $"{t.Name} has {t.Ne[0]} values but the model's hidden size is {h}");
            if (directions.Count > 0 && directions.First().Value.Length != t.Ne[0])
                throw new ModelFormatException(path, $"{t.Name} has {t.Ne[0]} values but direction.{directions.First().Key} has {directions.First().Value.Length}");
            directions[n] = f.F32(t);
        }
        if (directions.Count == 0)
            throw new ModelFormatException(path, $"no direction.N tensors: not a control vector (general.architecture is '{f.String("general.architecture") ?? "missing"}')");
        int highest = directions.Keys.Max();
        int layers;
        if (numLayers is { } given)
        {
            if (highest > given - 1)
                throw new ModelFormatException(path, $"direction.{highest} is for block {highest}, but the model has {given} blocks (0..{given - 1})");
            layers = given;
        }
        else
        {
            // The tools write n − 1 here; a smaller or missing count (a subset of layers) leaves the highest direction last.
            long declared = f.Integer("controlvector.layer_count") ?? 0;
            layers = declared >= highest && declared < 1_000_000 ? (int)declared + 1 : highest + 1;
        }
        int hidden = directions.First().Value.Length;
        var rows = new float[layers + 1, hidden];
        foreach (var (n, values) in directions)
            for (int i = 0; i < hidden; i++) rows[RowOf(n), i] = values[i];
        string trait = f.String(TraitKey) ?? System.IO.Path.GetFileNameWithoutExtension(path);
        string hint = f.String("controlvector.model_hint") ?? "";
        var extra = new Dictionary<string, string>
        {
            ["source"] = "llama.cpp control vector",
            ["model_hint"] = hint,
            ["rows"] = string.Join(",", directions.Keys.Select(RowOf)),
        };
        using var t2 = tensor(rows);
        return new PersonaVector(t2, trait, f.String(ModelKey) ?? (hint.Length > 0 ? hint : "unknown"), f.String(KindKey) ?? "control_vector", extra);
    }
}
