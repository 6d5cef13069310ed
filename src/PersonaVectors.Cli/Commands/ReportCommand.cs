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
        var cmd = new Command("report", "Write one self-contained HTML page (inline style, embedded plots) with the extraction, steering, monitoring, vector norms and example answers of each run")
        {
            run, output,
        };
        cmd.SetAction(r =>
        {
            string folder = r.GetValue(run)!;
            var reports = RunFolders.Find(folder).Select(RunReport.Load).ToList();
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
}
