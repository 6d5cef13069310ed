using System.Diagnostics;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace PersonaVectors.Tests.Engine.ChatTemplates;

/// <summary>One rendering request for the Python reference: a template (or a tokenizer_config.json to take it from) and variables as JSON.</summary>
public sealed record PythonCase(string? Template, JsonObject Variables, string? ConfigPath = null);

/// <summary>What Python Jinja2 produced: the text, or the exception as "Type: message".</summary>
public sealed record PythonResult(bool Ok, string? Text, string? Error);

/// <summary>
/// The reference implementation: Python's Jinja2 set up the way transformers' chat template utilities set it up
/// (ImmutableSandboxedEnvironment, trim_blocks, lstrip_blocks, loopcontrols, a generation tag, tojson as json.dumps
/// without ASCII escaping, raise_exception and strftime_now). Cases travel as JSON on stdin, results come back on stdout.
/// </summary>
public static class PythonJinja
{
    const string Script = """
        import sys, json
        from datetime import datetime
        import jinja2, jinja2.ext, jinja2.nodes
        from jinja2.sandbox import ImmutableSandboxedEnvironment

        def raise_exception(message):
            raise jinja2.exceptions.TemplateError(message)

        def tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False):
            return json.dumps(x, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys)

        def strftime_now(format):
            return datetime.now().strftime(format)

        class Generation(jinja2.ext.Extension):
            # transformers' AssistantTracker: {% generation %} renders its body through a call block.
            tags = {"generation"}
            def parse(self, parser):
                lineno = next(parser.stream).lineno
                body = parser.parse_statements(["name:endgeneration"], drop_needle=True)
                call = self.call_method("_render_body")
                return jinja2.nodes.CallBlock(call, [], [], body).set_lineno(lineno)
            def _render_body(self, caller):
                return caller()

        env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True,
                                            extensions=[Generation, jinja2.ext.loopcontrols])
        env.filters["tojson"] = tojson
        env.globals["raise_exception"] = raise_exception
        env.globals["strftime_now"] = strftime_now

        def from_config(path):
            with open(path, encoding="utf-8") as f:
                cfg = json.load(f)
            template = cfg["chat_template"]
            if isinstance(template, list):
                template = {t["name"]: t["template"] for t in template}["default"]
            tokens = {}
            for name in ["bos_token", "eos_token", "unk_token", "pad_token"]:
                value = cfg.get(name)
                if isinstance(value, dict):
                    value = value.get("content")
                if value:
                    tokens[name] = value
            extra = cfg.get("additional_special_tokens")
            if extra:
                tokens["additional_special_tokens"] = [t["content"] if isinstance(t, dict) else t for t in extra]
            return template, tokens

        results = []
        for case in json.load(sys.stdin):
            try:
                variables = dict(case["vars"])
                template = case.get("template")
                if case.get("config"):
                    template, tokens = from_config(case["config"])
                    variables = {**tokens, **variables}
                results.append({"ok": True, "text": env.from_string(template).render(**variables)})
            except Exception as e:
                results.append({"ok": False, "error": type(e).__name__ + ": " + str(e)})
        json.dump(results, sys.stdout, ensure_ascii=True)
        """;

    public static PythonResult Render(PythonCase c) => RenderMany([c])[0];

    public static IReadOnlyList<PythonResult> RenderMany(IReadOnlyList<PythonCase> cases)
    {
        var input = new JsonArray(cases.Select(c => (JsonNode)new JsonObject
        {
            ["template"] = c.Template,
            ["config"] = c.ConfigPath,
            ["vars"] = c.Variables.DeepClone(),
        }).ToArray());

        // The script goes on the command line (tests run in parallel, a shared script file would race); data goes on stdin.
        var psi = new ProcessStartInfo("python3")
        {
            ArgumentList = { "-c", Script },
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            StandardInputEncoding = new UTF8Encoding(false),
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        psi.Environment["PYTHONIOENCODING"] = "utf-8";
        psi.Environment["PYTHONUTF8"] = "1";
        using var process = Process.Start(psi) ?? throw new InvalidOperationException("could not start python3");
        var stderrTask = process.StandardError.ReadToEndAsync();
        var stdoutTask = process.StandardOutput.ReadToEndAsync();
        process.StandardInput.Write(input.ToJsonString());
        process.StandardInput.Close();
        string stdout = stdoutTask.Result;
        string stderr = stderrTask.Result;
        process.WaitForExit();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"python3 reference renderer failed ({process.ExitCode}); is Jinja2 installed? {stderr}");

        var results = JsonNode.Parse(stdout)!.AsArray();
        return results.Select(r => new PythonResult(
            r!["ok"]!.GetValue<bool>(),
            r["text"]?.GetValue<string>(),
            r["error"]?.GetValue<string>())).ToList();
    }

    /// <summary>Turns JSON variables into the .NET values our renderer takes (JsonElement is accepted directly).</summary>
    public static Dictionary<string, object?> ToVariables(JsonObject variables) =>
        variables.ToDictionary(kv => kv.Key, kv => (object?)JsonSerializer.SerializeToElement(kv.Value));
}
