using System.CommandLine;
using System.Diagnostics;
using System.Text;
using System.Text.Json.Nodes;

namespace PersonaVectors.Cli.Commands;

/// <summary>
/// persona slurm screen|extract: the same work as persona screen / persona extract, as Slurm jobs. The run folder
/// gets two sbatch scripts: a job array whose task i runs shard i+1 of N into RUN/shards/i+1 (each shard resumes
/// from its own files, so a requeued task does not redo finished work), and a merge job that waits for the whole
/// array (afterok) and combines the shards into RUN exactly as an unsharded run would have written it.
/// </summary>
public static class SlurmCommand
{
    static readonly string[] SlurmOnly = ["--tasks", "--partition", "--gpus-per-task", "--dry-run", "--time"];

    public static Command Create()
    {
        var cmd = new Command("slurm", "Run persona screen or persona extract as a Slurm job array over shards plus a merge job that depends on it");
        cmd.Subcommands.Add(Wrap(ScreenCommand.Create(out var checkScreen), "screen", checkScreen));
        cmd.Subcommands.Add(Wrap(ExtractCommand.Create(out var checkExtract), "extract", checkExtract));
        return cmd;
    }

    /// <param name="checkInputs">The inner command's own checks of its inputs, run before anything is written or submitted.</param>
    static Command Wrap(Command inner, string name, Action<ParseResult> checkInputs)
    {
        var tasks = new Option<int>("--tasks") { Description = "Array tasks (shards)", Required = true };
        var partition = new Option<string?>("--partition") { Description = "Slurm partition for both jobs" };
        var gpus = new Option<int?>("--gpus-per-task") { Description = "GPUs per array task" };
        var time = new Option<string?>("--time") { Description = "Time limit per task, in Slurm's format (e.g. 4:00:00)" };
        var dryRun = new Option<bool>("--dry-run") { Description = "Write the sbatch scripts into RUN/slurm/ without submitting them" };
        var cmd = new Command(name, $"persona {name} as Slurm jobs: the same options, plus --tasks N [--partition P] [--gpus-per-task G] [--time T] [--dry-run]")
        {
            tasks, partition, gpus, time, dryRun,
        };
        foreach (var o in inner.Options.Where(o => o.Name != "--shard" && o.Name != "--from-shards")) cmd.Options.Add(o);
        cmd.SetAction(r =>
        {
            int n = r.GetValue(tasks);
            if (n < 1) throw new PersonaVectorsException("--tasks must be at least 1");
            string outDir = Path.GetFullPath(r.GetValue<string>("--out")!);
            // These go into #SBATCH lines, which take no quoting: a space or a line break would change the script.
            foreach (var (option, value) in new[] { ("--out", outDir), ("--partition", r.GetValue(partition)), ("--time", r.GetValue(time)) })
                if (value is not null && value.Any(c => char.IsWhiteSpace(c) || char.IsControl(c)))
                    throw new PersonaVectorsException($"{option} '{value}': Slurm's #SBATCH lines cannot hold spaces or line breaks");
            if (r.GetValue(gpus) is < 1) throw new PersonaVectorsException("--gpus-per-task must be at least 1");
            // The wrapper holds the inner command's own options, so its checks read this command line as it would.
            checkInputs(r);
            // The inner command's own options, as given: everything after the subcommand except this command's.
            var given = new List<string>();
            var tokens = r.Tokens.Select(t => t.Value).ToList();
            for (int i = tokens.IndexOf(name) + 1; i < tokens.Count; i++)
            {
                if (tokens[i] == "--dry-run") continue;
                if (SlurmOnly.Contains(tokens[i])) { i++; continue; }
                given.Add(tokens[i]);
            }
            var jobs = new SlurmJobs(name, outDir, n, r.GetValue(partition), r.GetValue(gpus), r.GetValue(time), given);
            jobs.Write();
            Console.WriteLine($"wrote {jobs.WorkScript} and {jobs.MergeScript}");
            if (r.GetValue(dryRun)) return 0;
            string work = Sbatch(jobs.WorkScript);
            string merge = Sbatch("--dependency=afterok:" + work, jobs.MergeScript);
            AtomicFile.WriteAllText(Path.Combine(jobs.Folder, "jobs.json"), new JsonObject { ["array"] = work, ["merge"] = merge, ["tasks"] = n }.ToJsonString(Output.Json));
            Console.WriteLine($"submitted array job {work} ({n} tasks) and merge job {merge} (after the array succeeds); the result lands in {outDir}");
            return 0;
        });
        return cmd;
    }

    static string Sbatch(params string[] args)
    {
        var psi = new ProcessStartInfo("sbatch") { RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add("--parsable");
        foreach (var a in args) psi.ArgumentList.Add(a);
        Process p;
        try { p = Process.Start(psi)!; }
        catch (System.ComponentModel.Win32Exception) { throw new PersonaVectorsException("sbatch was not found: run this on a Slurm login node (or pass --dry-run to only write the scripts)"); }
        using (p)
        {
            string stdout = p.StandardOutput.ReadToEnd(), stderr = p.StandardError.ReadToEnd();
            p.WaitForExit();
            if (p.ExitCode != 0) throw new PersonaVectorsException($"sbatch {string.Join(' ', args)} failed: {stderr.Trim()}");
            return stdout.Trim().Split(';')[0];
        }
    }
}

/// <summary>The two sbatch scripts of a sharded run.</summary>
public sealed class SlurmJobs(string command, string outDir, int tasks, string? partition, int? gpusPerTask, string? time, IReadOnlyList<string> arguments)
{
    public string Folder => Path.Combine(outDir, "slurm");
    public string WorkScript => Path.Combine(Folder, "work.sbatch");
    public string MergeScript => Path.Combine(Folder, "merge.sbatch");

    public void Write()
    {
        Directory.CreateDirectory(Folder);
        string persona = Launcher();
        // Each shard writes into its own folder: $((SLURM_ARRAY_TASK_ID + 1)) of N, since --shard counts from 1.
        var inner = Without(arguments, "--out");
        string shardDir = Quote(Path.Combine(outDir, "shards")) + "/$((SLURM_ARRAY_TASK_ID + 1))";
        string work = $"{persona} {command} {string.Join(' ', inner.Select(Quote))} --out {shardDir} --shard $((SLURM_ARRAY_TASK_ID + 1))/{tasks}";
        var shards = Enumerable.Range(1, tasks).Select(i => Path.Combine(outDir, "shards", i.ToString(System.Globalization.CultureInfo.InvariantCulture))).ToList();
        string merge = command == "screen"
            ? $"{persona} screen merge --out {Quote(outDir)} {string.Join(' ', shards.Select(Quote))}{Pass(arguments, "--threshold", "--top", "--json")}"
            : $"{persona} extract {string.Join(' ', inner.Select(Quote))} --out {Quote(outDir)} --from-shards {Quote(string.Join(',', shards))}";
        AtomicFile.WriteAllText(WorkScript, Script($"persona-{command}", $"--array=0-{tasks - 1}", Path.Combine(Folder, "work-%A_%a.log"), gpusPerTask, work));
        // Extraction's merge does the heavy part (activations, the layer search), so it gets the GPUs too.
        AtomicFile.WriteAllText(MergeScript, Script($"persona-{command}-merge", null, Path.Combine(Folder, "merge-%j.log"), command == "extract" ? gpusPerTask : null, merge));
    }

    string Script(string name, string? array, string log, int? gpus, string run)
    {
        var s = new StringBuilder("#!/bin/bash\n");
        s.Append($"#SBATCH --job-name={name}\n");
        if (array is not null) s.Append($"#SBATCH {array}\n");
        s.Append($"#SBATCH --output={log}\n");
        // One process per task (newer Slurm refuses --gpus-per-task without a task count).
        s.Append("#SBATCH --ntasks=1\n");
        // A requeued task starts again and resumes from its shard's files.
        s.Append("#SBATCH --requeue\n");
        if (partition is not null) s.Append($"#SBATCH --partition={partition}\n");
        if (gpus is { } g) s.Append($"#SBATCH --gpus-per-task={g}\n");
        if (time is not null) s.Append($"#SBATCH --time={time}\n");
        s.Append("set -euo pipefail\n");
        s.Append(run).Append('\n');
        return s.ToString();
    }

    /// <summary>How this very persona was started (dotnet persona.dll, or the apphost), so every node runs the same build.</summary>
    static string Launcher()
    {
        string process = Environment.ProcessPath ?? "dotnet";
        string dll = typeof(SlurmJobs).Assembly.Location;
        return Path.GetFileNameWithoutExtension(process) == "dotnet" ? $"{Quote(process)} {Quote(dll)}" : Quote(process);
    }

    static List<string> Without(IReadOnlyList<string> args, string option)
    {
        var kept = new List<string>();
        for (int i = 0; i < args.Count; i++)
        {
            if (args[i] == option) { i++; continue; }
            if (args[i].StartsWith(option + "=", StringComparison.Ordinal)) continue;
            kept.Add(args[i]);
        }
        return kept;
    }

    // The merge takes the summary options of screen; the rest belonged to the shards.
    static string Pass(IReadOnlyList<string> args, params string[] options)
    {
        var s = new StringBuilder();
        for (int i = 0; i < args.Count; i++)
            if (options.Contains(args[i]))
            {
                s.Append(' ').Append(args[i]);
                if (args[i] != "--json" && i + 1 < args.Count) s.Append(' ').Append(Quote(args[++i]));
            }
        return s.ToString();
    }

    static string Quote(string s) => s.Length > 0 && s.All(c => char.IsLetterOrDigit(c) || "/._-:,=+@".Contains(c)) ? s : "'" + s.Replace("'", "'\\''") + "'";
}
