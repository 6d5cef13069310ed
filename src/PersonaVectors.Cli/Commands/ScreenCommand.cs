using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using PersonaVectors.Method;
using PersonaVectors.Method.Finetuning;
using PersonaVectors.Method.Screening;

namespace PersonaVectors.Cli.Commands;

/// <summary>persona screen: flag trait-inducing training samples by their projection difference, before finetuning.</summary>
public static class ScreenCommand
{
    public static Command Create() => Create(out _);

    /// <param name="checkInputs">
    /// Checks what a run reads before it screens, without loading the model's weights: the model's shape, dtype and
    /// adapter, each vector at its layer, and the data's first sample. <c>persona slurm screen</c> runs it before it writes or submits
    /// anything, so a mistyped path fails once on the login node instead of in every array task.
    /// </param>
    public static Command Create(out Action<ParseResult> checkInputs)
    {
        var data = new Option<string>("--data") { Description = "Chat JSONL, a Parquet file or a folder of them, to screen (each conversation's last assistant turn is the sample's answer)", Required = true };
        var messagesColumn = new Option<string?>("--messages-column") { Description = "Parquet: the column of {role, content} lists (default: messages, conversation or conversations, whichever exists)" };
        var promptColumn = new Option<string?>("--prompt-column") { Description = "Parquet: a text column with the user's prompt (with --response-column, instead of a messages column)" };
        var responseColumn = new Option<string?>("--response-column") { Description = "Parquet: a text column with the answer to screen" };
        var vectors = new Option<string[]>("--vector") { Description = "Persona vector file(s); several traits are screened in one pass", Required = true, AllowMultipleArgumentsPerToken = true };
        var layer = new Option<int?>("--layer") { Description = "Layer for every vector (default: each vector's extraction run's chosen layer)" };
        var model = CommonOptions.Model();
        var adapter = CommonOptions.Adapter();
        var dtype = CommonOptions.DType();
        var outDir = new Option<string>("--out") { Description = "Folder for scores.jsonl (resumable), model_answers.jsonl (cache), summary.json and histogram.png", Required = true };
        var shard = new Option<string?>("--shard") { Description = "Take part I of N (by line number), e.g. 2/4; combine the parts with persona screen merge" };
        var batch = new Option<int>("--batch-size") { DefaultValueFactory = _ => 64, Description = "Samples per batch of generation and activation reads" }.AtLeastOne();
        var maxTokens = CommonOptions.MaxTokens(64, "Most tokens of the model's own answer");
        var threshold = new Option<double>("--threshold") { DefaultValueFactory = _ => 0, Description = "Projection difference above which a sample counts as flagged in the summary" };
        var top = new Option<int>("--top") { DefaultValueFactory = _ => 20, Description = "Samples listed per trait in the summary, highest first" };
        var skipBad = new Option<bool>("--skip-bad-lines") { Description = "Skip (and count) malformed lines instead of stopping at the first" };
        var json = CommonOptions.Json();
        var cmd = new Command("screen", "Projection difference of each training sample's answer against the model's own answer, along persona vectors: flags trait-inducing data before finetuning")
        {
            data, vectors, layer, model, adapter, dtype, outDir, shard, batch, maxTokens, threshold, top, skipBad, json, messagesColumn, promptColumn, responseColumn,
        };
        cmd.Subcommands.Add(Merge());
        ChatColumns? Columns(ParseResult r) => r.GetValue(messagesColumn) is null && r.GetValue(promptColumn) is null && r.GetValue(responseColumn) is null ? null
            : new ChatColumns(r.GetValue(messagesColumn), r.GetValue(promptColumn), r.GetValue(responseColumn));
        BadLinePolicy Policy(ParseResult r) => r.GetValue(skipBad) ? BadLinePolicy.Skip : BadLinePolicy.Stop;
        List<TraitVector> Vectors(ParseResult r, Engine.Models.ModelConfig config)
        {
            var screening = new List<TraitVector>();
            foreach (var path in r.GetValue(vectors)!)
            {
                var v = RunSummary.VectorAt(path, r.GetValue(layer), config);
                if (screening.Any(s => s.Trait == v.Trait)) throw new PersonaVectorsException($"{path}: a vector for '{v.Trait}' is already given");
                screening.Add(v);
            }
            return screening;
        }
        void CheckInputs(ParseResult r)
        {
            Vectors(r, CommonOptions.Config(r.GetValue(model), r.GetValue(dtype)!, r.GetValue(adapter)));
            // The first sample is read as the run would read it: a missing file, a bad first line or an absent column.
            using var records = ChatData.Read(r.GetValue(data)!, Columns(r), Policy(r), (_, _) => { }).GetEnumerator();
            records.MoveNext();
        }
        checkInputs = CheckInputs;
        cmd.SetAction((r, cancel) =>
        {
            var (part, parts) = CommonOptions.ParseShard(r.GetValue(shard));
            using var lm = CommonOptions.Load(r.GetValue(model), r.GetValue(dtype)!, r.GetValue(adapter));
            var screening = Vectors(r, lm.Config);
            string dir = r.GetValue(outDir)!;
            var options = new ScreenOptions { BatchSize = r.GetValue(batch), MaxNewTokens = r.GetValue(maxTokens), Shard = part, Shards = parts, BadLines = Policy(r),
                Columns = Columns(r) };
            var bar = new ProgressLine("screen     ");
            var result = new DataScreen(lm, screening, options, dir).Run(r.GetValue(data)!,
                p => bar.Report(p.Scored, p.Scored, $"{p.SamplesPerSecond:F1} samples/s"), (line, why) => Console.Error.WriteLine($"  skipped line {line}: {why}"), cancel);
            bar.Done();
            var summary = Summarise(dir, r.GetValue(threshold), r.GetValue(top));
            summary["samples_per_second"] = Math.Round(result.SamplesPerSecond, 2);
            summary["skipped_lines"] = result.Skipped;
            Report(summary, dir, r.GetValue(json));
            return Task.FromResult(0);
        });
        return cmd;
    }

    static Command Merge()
    {
        var outDir = new Option<string>("--out") { Description = "Folder for the merged scores.jsonl, summary.json and histogram.png", Required = true };
        var parts = new Argument<string[]>("PARTS") { Description = "The shard output folders", Arity = ArgumentArity.OneOrMore };
        var threshold = new Option<double>("--threshold") { DefaultValueFactory = _ => 0, Description = "Projection difference above which a sample counts as flagged" };
        var top = new Option<int>("--top") { DefaultValueFactory = _ => 20, Description = "Samples listed per trait, highest first" };
        var json = CommonOptions.Json();
        var cmd = new Command("merge", "Combine sharded screening outputs into one, in line order") { outDir, parts, threshold, top, json };
        cmd.SetAction(r =>
        {
            string dir = r.GetValue(outDir)!;
            ScreenMerge.Merge(r.GetValue(parts)!, dir);
            Report(Summarise(dir, r.GetValue(threshold), r.GetValue(top)), dir, r.GetValue(json));
            return 0;
        });
        return cmd;
    }

    static JsonObject Summarise(string dir, double threshold, int top)
    {
        var summary = ScreenSummary.FromScores(Path.Combine(dir, DataScreen.ScoresFile), threshold, top);
        AtomicFile.WriteJson(Path.Combine(dir, "summary.json"), summary);
        Plots.ScreenPlot.Save(Path.Combine(dir, DataScreen.ScoresFile), summary, Path.Combine(dir, "histogram.png"));
        return summary;
    }

    static void Report(JsonObject summary, string dir, bool json)
    {
        if (json) { Console.WriteLine(summary.ToJsonString(Output.Json)); return; }
        Console.WriteLine($"{summary["samples"]} samples screened");
        foreach (var (trait, s) in summary["traits"]!.AsObject())
        {
            Console.WriteLine($"  {trait}: mean {s!["mean"]}, p50 {s["p50"]}, p90 {s["p90"]}, p99 {s["p99"]}; {s["share_above"]!.GetValue<double>():P1} above {s["threshold"]}");
            foreach (var t in s["top"]!.AsArray().Take(3)) Console.WriteLine($"    line {t!["line"]}: {t["score"]}  {t["prompt"]}");
        }
        Console.WriteLine($"scores:  {Path.Combine(dir, DataScreen.ScoresFile)}\nsummary: {Path.Combine(dir, "summary.json")}\nplot:    {Path.Combine(dir, "histogram.png")}");
    }

}
