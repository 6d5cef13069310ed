using System.Globalization;
using System.Text;
using PersonaVectors.World.Experiments;

namespace PersonaVectors.Cli.Report;

/// <summary>The finetuning experiment in the report: every model's scores as a table, and the experiment's two plots.</summary>
public static class FinetuneSection
{
    public const string Folder = "finetune";

    public static void Append(StringBuilder h, string dir)
    {
        var s = FinetuneSummary.Load(dir);
        var traits = s.Traits;
        static string F(double? x, string format = "0.#") => x is { } v ? v.ToString(format, CultureInfo.InvariantCulture) : "-";

        h.Append("<section class=\"finetune\" id=\"finetuning\">\n<h2>Finetuning experiment</h2>\n");
        h.Append("<p>LoRA finetuning on the world's datasets: plainly, with preventative steering toward the dataset's trait during training, " +
                 "with the trait's direction ablated during training (CAFT), and the plain adapter steered against the trait at inference. " +
                 $"Shift: the last prompt token's mean activation, finetuned minus base, on each unit vector. Shift against trait across datasets: r = {F(s.ShiftTraitR, "0.00")}.</p>\n");
        h.Append("<table><tr><th>dataset</th><th>method</th>");
        foreach (var t in traits) h.Append($"<th>{HtmlReport.E(t)}</th>");
        h.Append("<th>coherence</th><th>capability</th>");
        foreach (var t in traits) h.Append($"<th>shift {HtmlReport.E(t)}</th>");
        h.Append("</tr>\n<tr><td>base</td><td></td>");
        foreach (var t in traits) h.Append($"<td>{F(s.Base.Traits.GetValueOrDefault(t))}</td>");
        h.Append($"<td>{F(s.Base.Coherence)}</td><td>{F(s.Base.Capability, "0%")}</td>{string.Concat(traits.Select(_ => "<td></td>"))}</tr>\n");
        foreach (var r in s.Runs)
        {
            string method = r.Method + (r.Alpha is { } a ? $" (α {F(a, "0.##")})" : "");
            h.Append($"<tr><td>{HtmlReport.E(r.Dataset)}</td><td>{HtmlReport.E(method)}</td>");
            foreach (var t in traits) h.Append($"<td>{F(r.Scores.Traits.GetValueOrDefault(t))}</td>");
            h.Append($"<td>{F(r.Scores.Coherence)}</td><td>{F(r.Scores.Capability, "0%")}</td>");
            foreach (var t in traits) h.Append($"<td>{F(r.Shift.GetValueOrDefault(t), "0.00")}</td>");
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
