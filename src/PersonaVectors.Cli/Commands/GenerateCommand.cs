using System.Globalization;
using PersonaVectors.Engine;
using PersonaVectors.Method.Extraction;
using PersonaVectors.Method.Monitoring;
using PersonaVectors.Method.Steering;
using System.CommandLine;
using System.Text.Json;
using PersonaVectors.Cli.Inputs;
using PersonaVectors.Engine.Generation;
using PersonaVectors.Engine.Interventions;
using PersonaVectors.Engine.Models;
using PersonaVectors.Method;

namespace PersonaVectors.Cli.Commands;

/// <summary>persona generate: answer one prompt, optionally under steering by a persona vector.</summary>
public static class GenerateCommand
{
    public static Command Create()
    {
        var model = CommonOptions.Model();
        var adapter = CommonOptions.Adapter();
        var prompt = new Option<string?>("--prompt") { Description = "The user message" };
        var system = new Option<string?>("--system") { Description = "System prompt (with --prompt)" };
        var messages = new Option<string?>("--messages") { Description = "JSON list of {\"role\",\"content\"}; the answer continues the conversation" };
        var maxTokens = CommonOptions.MaxTokens(128, "Most tokens to generate");
        var temperature = CommonOptions.Temperature();
        var topP = new Option<double>("--top-p") { DefaultValueFactory = _ => 1.0, Description = "Nucleus sampling threshold" };
        var topK = new Option<int>("--top-k") { DefaultValueFactory = _ => 0, Description = "Sample among the K most likely tokens (0 = all)" };
        var seed = CommonOptions.SamplingSeed(0);
        var steer = new Option<string[]>("--steer")
        {
            Description = "Persona vector file (.safetensors, or a llama.cpp control-vector .gguf) to add during generation; repeat it to compose several, each as FILE:ALPHA (the vectors at one layer are summed into one addition)",
        };
        var layer = new Option<int?>("--layer") { Description = "Residual layer to steer at (0 = embeddings; default: the chosen layer in the run's summary.json next to the vector)" };
        var alpha = new Option<double?>("--alpha") { Description = "Steering coefficient: positive adds the trait, negative removes it" };
        var positions = new Option<string>("--positions") { Description = "all | prompt | answer", DefaultValueFactory = _ => "all" };
        var when = CommonOptions.When();
        var readings = new Option<bool>("--readings") { Description = "Also report each answer token's projection on each --steer vector at its layer" };
        var dtype = CommonOptions.DType();
        var json = CommonOptions.Json();
        var cmd = new Command("generate", "Generate an answer, optionally steered by a persona vector")
        {
            model, adapter, prompt, system, messages, maxTokens, temperature, topP, topK, seed, steer, layer, alpha, positions, when, readings, dtype, json,
        };
        cmd.SetAction(r =>
        {
            if ((r.GetValue(prompt) is null) == (r.GetValue(messages) is null))
                throw new PersonaVectorsException("give exactly one of --prompt or --messages");
            if (r.GetValue(system) is not null && r.GetValue(messages) is not null)
                throw new PersonaVectorsException("--system goes with --prompt; put the system turn in the --messages file instead");
            var sampling = new SamplingOptions
            {
                MaxNewTokens = r.GetValue(maxTokens),
                Temperature = r.GetValue(temperature),
                TopP = r.GetValue(topP),
                TopK = r.GetValue(topK),
                Seed = r.GetValue(seed),
            };
            sampling.Validate();

            using var lm = CommonOptions.Load(r.GetValue(model), r.GetValue(dtype)!, r.GetValue(adapter));
            int[] ids = r.GetValue(prompt) is { } p
                ? (p.Length == 0 ? throw new InvalidRequestException("--prompt is empty") : lm.PromptIds(p, r.GetValue(system)))
                : lm.EncodeChat(MessagesFile.Read(r.GetValue(messages)!), addGenerationPrompt: true);

            var gate = CommonOptions.ParseWhen(r.GetValue(when));
            bool asJson = r.GetValue(json);
            var streamed = new List<int>();
            string shown = "";
            Action<TokenEvent>? stream = asJson ? null : e =>
            {
                streamed.Add(e.Token);
                string text = lm.Tokenizer.Decode(streamed, skipSpecialTokens: true);
                if (text.Length > shown.Length && !text.EndsWith('\uFFFD')) { Console.Write(text[shown.Length..]); shown = text; }
            };
            GeneratedText result;
            string? description;
            GateOutcome? outcome = null;
            IReadOnlyList<TokenReadings>? perToken = null;
            if (r.GetValue(readings) && (r.GetValue(steer) ?? []).Length == 0) throw new PersonaVectorsException("--readings reads the --steer vectors: give at least one");
            if (gate == SteeringGate.Always)
            {
                using var steering = SteeringOption.Apply(lm, r.GetValue(steer) ?? [], r.GetValue(layer), r.GetValue(alpha), r.GetValue(positions)!);
                result = lm.Generate([ids], sampling, stream)[0];
                description = steering.Description;
                if (r.GetValue(readings))
                    perToken = new MonitoredGeneration(lm, [.. steering.Vectors.Select(v => new MonitoredTrait(v, null, null, v.Trait))]).PerToken(ids, result.Tokens);
            }
            else
            {
                // A gate reads the trait's monitor, so the vector comes with its extraction run's layer and thresholds.
                string path = r.GetValue(steer) is [var only] ? only : throw new PersonaVectorsException("--when gates one vector: give exactly one --steer VECTOR");
                double a = r.GetValue(alpha) ?? throw new PersonaVectorsException("--steer needs --alpha A");
                if (r.GetValue(positions) != "all") throw new PersonaVectorsException("--when chooses the positions itself; leave out --positions");
                var watch = RunSummary.Monitor(lm, path, r.GetValue(when)!);
                string trait = watch.Traits.Single().Trait;
                var answer = watch.Generate([ids], [new SteeringTerm(trait, a, r.GetValue(layer), gate)], sampling, stream)[0];
                result = new GeneratedText(watch.Decode(answer.Tokens), answer.Tokens, answer.FinishReason);
                outcome = answer.Readings.Single(x => x.Trait == trait).Gate;
                if (r.GetValue(readings)) perToken = watch.PerToken(ids, answer.Tokens);
                description = $"{trait} at layer {r.GetValue(layer) ?? watch.Traits[0].Layer} with alpha {a}, {SteeringGates.Name(gate)}: " +
                    (gate == SteeringGate.Above ? (outcome!.FiredBeforeAnswer ? "the gate fired" : "the gate stayed closed") : $"{outcome!.SteeredTokens} positions steered");
            }
            if (asJson)
            {
                Console.WriteLine(JsonSerializer.Serialize(new
                {
                    prompt = lm.Tokenizer.Decode(ids),
                    completion = result.Text,
                    tokens = result.Tokens,
                    finish_reason = result.FinishReason == FinishReason.Stop ? "stop" : "length",
                    steering = description,
                    gate = outcome?.ToJson(),
                    readings = perToken?.Select(t => new
                    {
                        trait = t.Trait, layer = t.Layer,
                        tokens = result.Tokens.Select((id, k) => new { token = lm.Tokenizer.Decode([id]), projection = Math.Round(t.Projections[k], 4) }),
                    }),
                }, Output.Json));
            }
            else
            {
                Console.WriteLine(result.Text[shown.Length..]);
                if (description is { } d) Console.Error.WriteLine($"(steered: {d})");
                foreach (var t in perToken ?? [])
                    Console.Error.WriteLine($"({t.Trait} at layer {t.Layer}, per token: {string.Join(" ", result.Tokens.Select((id, k) => $"{lm.Tokenizer.Decode([id])}={t.Projections[k].ToString("F1", CultureInfo.InvariantCulture)}"))})");
            }
            return 0;
        });
        return cmd;
    }
}

/// <summary>The --steer/--layer/--alpha/--positions options, turned into an active steering scope.</summary>
public sealed class SteeringOption : IDisposable
{
    readonly IDisposable? _scope;

    public string? Description { get; }

    /// <summary>The vectors being added, each at its layer.</summary>
    public IReadOnlyList<TraitVector> Vectors { get; }

    SteeringOption(IDisposable? scope, string? description, IReadOnlyList<TraitVector> vectors) => (_scope, Description, Vectors) = (scope, description, vectors);

    /// <param name="specs">FILE (with --alpha) or FILE:ALPHA, one per vector; several are composed.</param>
    public static SteeringOption Apply(Engine.LanguageModel lm, IReadOnlyList<string> specs, int? layer, double? alpha, string positions)
    {
        if (specs.Count == 0)
        {
            if (layer is not null || alpha is not null) throw new PersonaVectorsException("--layer and --alpha need --steer VECTOR");
            return new SteeringOption(null, null, []);
        }
        var where = ParsePositions(positions);
        var terms = specs.Select(spec =>
        {
            var (path, own) = Split(spec);
            double a = own ?? alpha ?? throw new PersonaVectorsException($"--steer needs --alpha A (or FILE:ALPHA): {spec}");
            if (!double.IsFinite(a)) throw new PersonaVectorsException($"--steer {spec}: the steering coefficient must be finite");
            return (Vector: RunSummary.VectorAt(path, layer, lm.Config), Alpha: a);
        }).ToList();
        string description = string.Join(" + ", terms.Select(t => $"{t.Vector.Trait} at layer {t.Vector.Layer} with alpha {t.Alpha.ToString(CultureInfo.InvariantCulture)}")) + $" on {positions} positions";
        return new SteeringOption(Method.Steering.ComposedSteering.Steer(lm, terms, where), description, [.. terms.Select(t => t.Vector)]);
    }

    /// <summary>"FILE:ALPHA" → (FILE, ALPHA); a suffix that is not a number is part of the file name.</summary>
    static (string Path, double? Alpha) Split(string spec)
    {
        int colon = spec.LastIndexOf(':');
        return colon > 0 && double.TryParse(spec[(colon + 1)..], NumberStyles.Float, CultureInfo.InvariantCulture, out double a)
            ? (spec[..colon], a) : (spec, null);
    }

    public static TokenPositions ParsePositions(string s) => s switch
    {
        "all" => TokenPositions.All,
        "prompt" => TokenPositions.Prompt,
        "answer" => TokenPositions.Answer,
        _ => throw new PersonaVectorsException($"--positions '{s}' is not one of all, prompt, answer"),
    };

    public void Dispose() => _scope?.Dispose();
}
