using System.CommandLine;
using PersonaVectors.Cli.Report;

namespace PersonaVectors.Cli.Commands;

/// <summary>persona report: one self-contained HTML page for an extraction run or a folder of runs.</summary>
public static class ReportCommand
{
    public static Command Create()
    {
        var run = new Argument<string>("RUN") { Description = "An extraction run folder (persona extract --out RUN) or a folder whose subfolders are runs (the demo's output; its finetune/ folder, if any, adds the finetuning experiment)" };
        var output = new Option<string?>("--out") { Description = "HTML file to write (default: RUN/report.html)" };
        var model = new Option<string?>("--model") { Description = "Model for the per-token example (default: each run's own, from its summary.json, if it loads)" };
        var noTokens = new Option<bool>("--no-tokens") { Description = "Leave out the per-token example (no model is loaded)" };
        var cmd = new Command("report", "Write one self-contained HTML page (inline style, embedded plots) with the extraction, steering, monitoring, vector norms, example answers and a per-token coloured answer of each run")
        {
            run, output, model, noTokens,
        };
        cmd.SetAction(r =>
        {
            string folder = r.GetValue(run)!;
            var reports = RunFolders.Find(folder).Select(RunReport.Load).ToList();
            if (!r.GetValue(noTokens)) reports = WithTokens(reports, r.GetValue(model));
            string path = r.GetValue(output) ?? Path.Combine(folder, "report.html");
            if (Path.GetDirectoryName(Path.GetFullPath(path)) is { } dir && !Directory.Exists(dir))
                throw new PersonaVectorsException($"--out {path}: the folder {dir} does not exist");
            string finetune = Path.Combine(folder, FinetuneSection.Folder);
            AtomicFile.WriteAllText(path, HtmlReport.Render(reports, Path.GetFullPath(folder), File.Exists(Path.Combine(finetune, "summary.json")) ? finetune : null));
            Console.WriteLine(path);
            return 0;
        });
        return cmd;
    }

    /// <summary>
    /// Adds each run's per-token example, loading each model once. A run's own model that cannot be loaded (moved, or
    /// trained elsewhere) is said on the page; a --model that cannot be loaded is the command line's mistake, and stops
    /// the report before anything is written.
    /// </summary>
    static List<RunReport> WithTokens(List<RunReport> reports, string? model)
    {
        var loaded = new Dictionary<string, Engine.LanguageModel?>();
        var problems = new Dictionary<string, string>();
        try
        {
            if (model is not null) loaded[model] = CommonOptions.Load(model, "f32");
            return [.. reports.Select(run =>
            {
                string path = model ?? run.Summary.Model;
                if (!loaded.TryGetValue(path, out var lm))
                {
                    // Any failure to load (a missing folder, a broken link, too little memory) only costs the example.
                    try { lm = Engine.LanguageModel.Load(EmbeddedModel.Resolve(path)); }
                    catch (Exception e) { lm = null; problems[path] = e.Message; }
                    loaded[path] = lm;
                }
                if (lm is null) return run with { TokensMissing = $"the model {path} did not load ({problems[path]}); pass --model" };
                try
                {
                    var tokens = TokenExample.Compute(run, lm);
                    return tokens is null ? run with { TokensMissing = "no kept pair to read." } : run with { Tokens = tokens };
                }
                catch (Exception e) { return run with { TokensMissing = e.Message }; }
            })];
        }
        finally
        {
            foreach (var lm in loaded.Values) lm?.Dispose();
        }
    }
}
