using PersonaVectors.Method.Extraction;
using System.Globalization;
using System.Net;
using System.Text;
using PersonaVectors.Cli.Plots;
using PersonaVectors.Method.Monitoring;

namespace PersonaVectors.Cli.Report;

/// <summary>
/// Writes the report as one HTML page that needs nothing else: the style is inline and every plot is a PNG in a
/// data: URI, so the file can be mailed or archived alone. All text from the run is HTML-encoded.
/// </summary>
public static class HtmlReport
{
    /// <param name="finetune">The finetuning experiment's folder (summary.json and its plots), if one ran.</param>
    public static string Render(IReadOnlyList<RunReport> runs, string source, string? finetune = null)
    {
        var ids = SectionIds(runs);
        var h = new StringBuilder();
        h.Append($$"""
            <!doctype html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <title>Persona vectors report: {{E(string.Join(", ", runs.Select(r => r.Summary.Trait)))}}</title>
            <style>{{Style}}</style>
            </head>
            <body>
            <h1>Persona vectors report</h1>
            <p class="source">{{E(source)}}</p>
            <nav class="toc"><h2>Contents</h2><ul>

            """);
        for (int i = 0; i < runs.Count; i++)
        {
            var s = runs[i].Summary;
            h.Append($"<li><a href=\"#{ids[i]}\">{E(s.Trait)}</a> <span class=\"folder\">{E(runs[i].Folder)}</span>: layer {s.Layer}, " +
                $"steered {F(s.BaselineTrait)} → {F(s.SteeredTrait)} (coherence {F(s.SteeredCoherence)}), " +
                $"suppressed {F(s.SuppressedTraitBefore)} → {F(s.SuppressedTraitAfter)}</li>\n");
        }
        if (finetune is not null) h.Append("<li><a href=\"#finetuning\">finetuning experiment</a></li>\n");
        h.Append("</ul></nav>\n");
        for (int i = 0; i < runs.Count; i++) Section(h, runs[i], ids[i]);
        if (finetune is not null) FinetuneSection.Append(h, finetune);
        h.Append("</body>\n</html>\n");
        return h.ToString();
    }

    static void Section(StringBuilder h, RunReport run, string id)
    {
        var s = run.Summary;
        h.Append($"<section class=\"trait\" id=\"{id}\" data-trait=\"{E(s.Trait)}\">\n<h2>{E(s.Trait)} <span class=\"folder\">{E(run.Folder)}</span></h2>\n");
        Extraction(h, s);
        Steering(h, run);
        Monitoring(h, run);
        Norms(h, s);
        Examples(h, run);
        h.Append("</section>\n");
    }

    static void Extraction(StringBuilder h, ExtractionSummary s)
    {
        var c = s.Counts;
        h.Append($"""
            <h3>Extraction</h3>
            <table class="facts">
            <tr><th>model</th><td>{E(s.Model)}</td></tr>
            <tr><th>judge</th><td>{E(s.Judge)}</td></tr>
            <tr><th>chosen layer</th><td>{s.Layer}</td></tr>
            <tr><th>baseline (no system prompt)</th><td>trait {F(s.BaselineTrait)} at coherence {F(s.BaselineCoherence)}</td></tr>
            <tr><th>chosen steering</th><td>α {F(s.SteeredAlpha)} on {E(s.SteeredPositions)} positions: trait {F(s.SteeredTrait)} at coherence {F(s.SteeredCoherence)}</td></tr>
            <tr><th>suppression (under the positive instructions)</th><td>trait {F(s.SuppressedTraitBefore)} → {F(s.SuppressedTraitAfter)} at α {F(s.SuppressedAlpha)}, coherence {F(s.SuppressedCoherence)}</td></tr>
            </table>
            <table class="counts">
            <tr><th>answers</th><th>pairs</th><th>scored by the judge</th><th>positive shows the trait</th><th>negative does not</th><th>kept (both coherent)</th></tr>
            <tr><td>{c.Answers}</td><td>{c.Pairs}</td><td>{c.Scored}</td><td>{c.PositiveTraitOk}</td><td>{c.NegativeTraitOk}</td><td>{c.Kept}</td></tr>
            </table>

            """);
    }

    static void Steering(StringBuilder h, RunReport run)
    {
        string trait = run.Summary.Trait;
        h.Append("<h3>Steering</h3>\n");
        if (run.LayerSearch is null) NotRun(h, "Layer search: no steering.jsonl in the run folder.");
        else
        {
            h.Append($"<p>The layer search of <code>persona extract</code>: α·v added at one layer, evaluation questions without a system prompt; trait solid, coherence dashed. " +
                $"α 0 is the unsteered baseline (trait {F(run.Summary.BaselineTrait)}, coherence {F(run.Summary.BaselineCoherence)}).</p>\n");
            foreach (var curves in run.LayerSearch)
                Plot(h, SweepPlot.Png(curves.Points, trait, $"Layer search: {trait}, {curves.Positions} positions"),
                    $"{trait}: trait and coherence against alpha per layer, {curves.Positions} positions (layer search)");
        }
        if (run.Sweep is null) NotRun(h, "Sweep: not run (persona steer sweep --out RUN/sweep).");
        else
        {
            h.Append("<p>The sweep of <code>persona steer sweep</code> (sweep/sweep.jsonl).</p>\n");
            foreach (var curves in run.Sweep)
                Plot(h, SweepPlot.Png(curves.Points, trait, $"Steering sweep: {trait}, {curves.Positions} positions"),
                    $"{trait}: trait and coherence against alpha per layer, {curves.Positions} positions (sweep)");
        }
    }

    static void Monitoring(StringBuilder h, RunReport run)
    {
        h.Append("<h3>Monitoring</h3>\n");
        if (run.Monitor is not { } m) { NotRun(h, "Monitoring: not run (persona monitor --out RUN/monitor)."); return; }
        h.Append($"<p class=\"correlations\">At layer {m.Layer}, Pearson r between the last prompt token's projection and the answer's trait: " +
            $"graded system prompts r = {R(m.SystemPromptR)}, many-shot prompts r = {R(m.ManyShotR)} ({m.Points.Count} answers).</p>\n");
        Plot(h, MonitorPlot.Png(m.Points, run.Summary.Trait, m.Layer), $"{run.Summary.Trait}: answer trait against last-prompt-token projection per experiment");
    }

    static void Norms(StringBuilder h, ExtractionSummary s)
    {
        h.Append("<h3>Vector norms</h3>\n");
        if (s.ResponseNorms.Count == 0) { NotRun(h, "No norms in summary.json."); return; }
        Plot(h, NormPlot.Png(s.ResponseNorms, s.Layer, s.Trait), $"{s.Trait}: norm of the response-averaged vector per layer, chosen layer {s.Layer} marked");
    }

    static void Examples(StringBuilder h, RunReport run)
    {
        h.Append("<h3>Example answers</h3>\n");
        if (run.Examples is null) NotRun(h, "Kept pairs: answers.jsonl, judgements.jsonl or kept.jsonl is missing from the run folder.");
        else if (run.Examples.Count == 0) NotRun(h, "Kept pairs: none.");
        else
        {
            h.Append("<p>Pairs kept for the vector: one question under a positive and a negative instruction (scores 0-100).</p>\n");
            foreach (var p in run.Examples)
            {
                h.Append($"<table class=\"example\">\n<caption>{E(p.Question)}</caption>\n<tr><th></th><th>instruction</th><th>answer</th><th>trait</th><th>coherence</th></tr>\n");
                foreach (var (label, a) in new[] { ("positive", p.Positive), ("negative", p.Negative) })
                    h.Append($"<tr><th>{label}</th><td>{E(a.Instruction)}</td><td>{E(a.Answer)}</td><td>{F(a.Trait)}</td><td>{F(a.Coherence)}</td></tr>\n");
                h.Append("</table>\n");
            }
        }
        TokenColours(h, run);
        if (run.Monitor is not { Points.Count: > 0 } m) { NotRun(h, "Monitored answers: monitoring not run."); return; }
        h.Append("<p>Monitored answers at the highest and the lowest projection.</p>\n<table class=\"example\">\n" +
            "<tr><th></th><th>experiment</th><th>level</th><th>question</th><th>projection</th><th>answer</th><th>trait</th></tr>\n");
        foreach (var (label, p) in new[] { ("highest", m.Points.MaxBy(x => x.Projection)!), ("lowest", m.Points.MinBy(x => x.Projection)!) })
            h.Append($"<tr><th>{label}</th><td>{E(p.Experiment.Replace('_', ' '))}</td><td>{E(p.Level)}</td><td>{E(p.Question)}</td>" +
                $"<td>{F(p.Projection)}</td><td>{E(p.Answer)}</td><td>{F(p.Trait)}</td></tr>\n");
        h.Append("</table>\n");
    }

    /// <summary>
    /// Each token of the first kept pair's answers on a diverging scale: red toward the trait, blue away from it, the
    /// strength the projection over the largest one shown; the number is in each token's tooltip.
    /// </summary>
    static void TokenColours(StringBuilder h, RunReport run)
    {
        if (run.Tokens is not { } t) { NotRun(h, "Per-token readings: " + (run.TokensMissing ?? "not computed.")); return; }
        double scale = t.Positive.Tokens.Concat(t.Negative.Tokens).Select(x => Math.Abs(x.Projection)).DefaultIfEmpty(1).Max();
        h.Append($"<p>Per-token readings: each answer token's projection on the {E(t.Trait)} vector at layer {t.Layer} " +
            $"(red toward the trait, blue away, strongest at ±{F(scale)}; hover for the value). Question: {E(t.Question)}</p>\n<div class=\"tokens\">\n");
        foreach (var answer in new[] { t.Positive, t.Negative })
        {
            h.Append($"<p class=\"token-answer\" data-label=\"{answer.Label}\" data-mean=\"{answer.Mean.ToString("F3", CultureInfo.InvariantCulture)}\"><strong>{answer.Label}</strong> (mean {F(answer.Mean)}): ");
            foreach (var (text, p) in answer.Tokens)
            {
                double a = Math.Min(1, Math.Abs(p) / Math.Max(scale, 1e-9));
                string colour = p >= 0 ? $"rgba(214,39,40,{a.ToString("F2", CultureInfo.InvariantCulture)})" : $"rgba(31,119,180,{a.ToString("F2", CultureInfo.InvariantCulture)})";
                h.Append($"<span class=\"token\" style=\"background:{colour}\" title=\"{p.ToString("F2", CultureInfo.InvariantCulture)}\">{E(text)}</span>");
            }
            h.Append("</p>\n");
        }
        h.Append("</div>\n");
    }

    internal static void Plot(StringBuilder h, byte[] png, string alt) =>
        h.Append($"<img class=\"plot\" alt=\"{E(alt)}\" src=\"data:image/png;base64,{Convert.ToBase64String(png)}\">\n");

    static void NotRun(StringBuilder h, string text) => h.Append($"<p class=\"not-run\">{E(text)}</p>\n");

    // Anchors from the folder names (two runs of one trait stay apart), made unique if two names clean to one.
    static string[] SectionIds(IReadOnlyList<RunReport> runs)
    {
        var seen = new HashSet<string>();
        return [.. runs.Select(r =>
        {
            string name = new(Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(r.Folder)))
                .Select(ch => char.IsAsciiLetterOrDigit(ch) ? char.ToLowerInvariant(ch) : '-').ToArray());
            string id = "run-" + name;
            for (int n = 2; !seen.Add(id); n++) id = $"run-{name}-{n}";
            return id;
        })];
    }

    internal static string E(string text) => WebUtility.HtmlEncode(text);

    static string F(double? x) => x is { } v ? v.ToString("0.##", CultureInfo.InvariantCulture) : "n/a";

    static string R(double? r) => r is { } v ? v.ToString("0.00", CultureInfo.InvariantCulture) : "n/a";

    const string Style = """
        body { font-family: system-ui, sans-serif; max-width: 980px; margin: 2em auto; padding: 0 1em; color: #222; line-height: 1.4; }
        h1 { margin-bottom: 0.2em; }
        h2 { border-bottom: 2px solid #ccc; padding-bottom: 0.2em; margin-top: 2em; }
        .source, .folder { color: #666; font-size: 0.85em; font-weight: normal; }
        nav.toc { background: #f5f5f5; padding: 0.5em 1em; border-radius: 4px; }
        nav.toc h2 { border: none; margin: 0.3em 0; font-size: 1.1em; }
        table { border-collapse: collapse; margin: 0.8em 0; font-size: 0.92em; }
        th, td { border: 1px solid #ddd; padding: 0.3em 0.6em; text-align: left; vertical-align: top; }
        table.facts th { background: #fafafa; width: 16em; }
        table.counts td { text-align: right; }
        table.example { width: 100%; }
        span.token { padding: 0 1px; border-radius: 2px; white-space: pre-wrap; }
        caption { text-align: left; font-style: italic; padding: 0.2em 0; }
        img.plot { display: block; max-width: 100%; margin: 0.8em 0; border: 1px solid #eee; }
        .not-run { color: #8a5a00; background: #fff8e6; padding: 0.4em 0.8em; border-left: 3px solid #e0a800; }
        code { background: #f3f3f3; padding: 0 0.2em; }
        """;
}
