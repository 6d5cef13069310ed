using PersonaVectors.Engine;
using PersonaVectors.Engine.Safetensors;
using static TorchSharp.torch;

// usage: CheckLogits ORGANISM_DIR...  (each unpacked by tools/gpu/unpack_organism.py, with check.safetensors)
// Prints the largest absolute difference between the engine's logits and the trainer's, over every position of
// the check sequence, and fails above 1e-3 (float32 on two devices and two attention kernels).
int failures = 0;
foreach (var folder in args)
{
    using var check = SafetensorsFile.Open(Path.Combine(folder, "check.safetensors"));
    using var ids = check.Read("check.ids").to(ScalarType.Int64).unsqueeze(0);
    using var expected = check.Read("check.logits");
    using var model = LanguageModel.Load(folder);
    using var _ = no_grad();
    using var logits = model.Model.Forward(ids).squeeze(0);
    double diff = (logits - expected).abs().max().item<float>();
    double scale = expected.abs().max().item<float>();
    bool ok = diff <= 1e-3;
    if (!ok) failures++;
    Console.WriteLine($"{(ok ? "ok  " : "FAIL")} {folder}: {ids.shape[1]} positions, max |logit difference| {diff:E2} (logits up to {scale:F1})");
}
return failures == 0 ? 0 : 1;
