using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace PersonaVectors;

/// <summary>
/// Marks a folder as one run's, by a fingerprint of everything its results depend on, so that starting the run again
/// continues its own work and a run with other settings pointed at the same folder is refused instead of mixing its
/// results in.
/// </summary>
public static class RunClaim
{
    /// <param name="what">What may differ, for the message: "{dir} holds a run with other {what}".</param>
    public static void Claim(string dir, string file, string fingerprint, string what)
    {
        string path = Path.Combine(dir, file);
        if (File.Exists(path))
        {
            string? seen = JsonNode.Parse(File.ReadAllText(path))?["fingerprint"]?.GetValue<string>();
            if (seen != fingerprint)
                throw new PersonaVectorsException($"{dir} holds a run with other {what}; resume it with the same command or choose another --out");
            return;
        }
        AtomicFile.WriteAllText(path, new JsonObject { ["fingerprint"] = fingerprint }.ToJsonString());
    }

    public static string Hash(string text) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(text)));

    /// <summary>Numbers written so that any change to them, however small, changes the fingerprint: round-trip, comma-separated.</summary>
    public static string Exact(IEnumerable<float> values) => string.Join(",", values.Select(x => x.ToString("R", CultureInfo.InvariantCulture)));
}
