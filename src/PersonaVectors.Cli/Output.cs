using System.Text.Encodings.Web;
using System.Text.Json;

namespace PersonaVectors.Cli;

public static class Output
{
    /// <summary>Compact JSON that keeps non-ASCII text readable, as the rendered prompts contain it.</summary>
    public static readonly JsonSerializerOptions Json = new()
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };
}
