using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace PersonaVectors.Cli.Report;

/// <summary>The finetuning experiment in the report: every model's scores as a table, and the experiment's two plots.</summary>
public static class FinetuneSection
{
    public const string Folder = "finetune";

    public static void Append(StringBuilder h, string dir)
    {
        string path = Path.Combine(dir, "summary.json");
        JsonNode s;
        try { s = JsonNode.Parse(File.ReadAllText(path)) ?? throw new JsonException("empty"); }
        catch (Exception e) when (e is JsonException or IOException) { throw new PersonaVectorsException($"{path}: cannot read the finetuning summary ({e.Message})"); }
        var traits = s["vectors"]?.AsObject().Select(kv => kv.Key).ToList() ?? throw new PersonaVectorsException($"{path}: \"vectors\" is missing");
        string F(JsonNode? n, string format = "0.#") => n is null ? "-" : n.GetValue<double>().ToString(format, CultureInfo.InvariantCulture);

        h.Append("<section class=\"finetune\" id=\"finetuning\">\n<h2>Finetuning experiment</h2>\n");
        h.Append("<p>LoRA finetuning on the world's datasets: plainly, with preventative steering toward the dataset's trait during training, " +
                 "with the trait's direction ablated during training (CAFT), and the plain adapter steered against the trait at inference. " +
                 $"Shift: the last prompt token's mean activation, finetuned minus base, on each unit vector. Shift against trait across datasets: r = {F(s["shift_trait_r"], "0.00")}.</p>\n");
        var b = s["base"]!;
        h.Append("<table><tr><th>dataset</th><th>method</th>");
        foreach (var t in traits) h.Append($"<th>{HtmlReport.E(t)}</th>");
        h.Append("<th>coherence</th><th>capability</th>");
        foreach (var t in traits) h.Append($"<th>shift {HtmlReport.E(t)}</th>");
        h.Append("</tr>\n<tr><td>base</td><td></td>");
        foreach (var t in traits) h.Append($"<td>{F(b["traits"]?[t])}</td>");
        h.Append($"<td>{F(b["coherence"])}</td><td>{F(b["capability"], "0%")}</td>{string.Concat(traits.Select(_ => "<td></td>"))}</tr>\n");
        foreach (var r in s["runs"]?.AsArray() ?? [])
        {
            string method = r!["method"]?.GetValue<string>() ?? "?";
            if (r["alpha"] is { } a) method += $" (α {F(a, "0.##")})";
            h.Append($"<tr><td>{HtmlReport.E(r["dataset"]?.GetValue<string>() ?? "?")}</td><td>{HtmlReport.E(method)}</td>");
            foreach (var t in traits) h.Append($"<td>{F(r["traits"]?[t])}</td>");
            h.Append($"<td>{F(r["coherence"])}</td><td>{F(r["capability"], "0%")}</td>");
            foreach (var t in traits) h.Append($"<td>{F(r["shift"]?[t], "0.00")}</td>");
            h.Append("</tr>\n");
        }
        h.Append("</table>\n");
        foreach (var (file, alt) in new[] { ("methods.png", "the dataset's trait after finetuning, by method"), ("shift.png", "finetuning shift against trait score, plain adapters") })
        {
            string png = Path.Combine(dir, file);
            if (File.Exists(png)) HtmlReport.Plot(h, File.ReadAllBytes(png), alt);
        }
        h.Append("</section>\n");
    }
}
