using PersonaVectors.Engine.ChatTemplates;

namespace PersonaVectors.Tests.Engine.ChatTemplates;

/// <summary>Constructs outside the supported subset, and template errors, fail with the line they are on.</summary>
public sealed class ChatTemplateErrorTests
{
    [Theory]
    [InlineData("a\n{% include 'x' %}", 2, "include")]
    [InlineData("a\nb\n{{ x | frobnicate }}", 3, "frobnicate")]
    [InlineData("{% extends 'base' %}", 1, "extends")]
    [InlineData("\n{% import 'm' as m %}", 2, "import")]
    [InlineData("{% block body %}{% endblock %}", 1, "block")]
    [InlineData("\n\n\n{{ x | truncate(3) }}", 4, "truncate")]
    [InlineData("{% for x in y recursive %}{% endfor %}", 1, "recursive")]
    [InlineData("x\n{% do y %}", 2, "do")]
    [InlineData("{% frob %}", 1, "frob")]
    [InlineData("{{ x is frobbable }}", 1, "frobbable")]
    [InlineData("a\n\n{% from 'x' import y %}", 3, "from")]
    [InlineData("{% autoescape true %}{% endautoescape %}", 1, "autoescape")]
    [InlineData("{% break %}", 1, "break")]
    public void Unsupported_constructs_fail_at_parse_time_naming_the_line(string template, int line, string construct)
    {
        var error = Assert.Throws<ChatTemplateException>(() => JinjaTemplate.Parse(template));
        Assert.Equal(line, error.Line);
        Assert.Contains(construct, error.Message);
        Assert.Contains($"line {line}", error.Message);
    }

    [Theory]
    [InlineData("{% if %}x{% endif %}", 1)]
    [InlineData("{% if true %}\nx", 2)]
    [InlineData("{{ 'unterminated }}", 1)]
    [InlineData("{{ (1 }}", 1)]
    [InlineData("a\n{# never closed", 2)]
    [InlineData("{% endif %}", 1)]
    [InlineData("{% for x in [1] %}{% endif %}", 1)]
    public void Syntax_errors_name_the_line(string template, int line)
    {
        var error = Assert.Throws<ChatTemplateException>(() => JinjaTemplate.Parse(template));
        Assert.Equal(line, error.Line);
    }

    [Theory]
    [InlineData("{{ '%g' % 1.5 }}", "%g")]
    [InlineData("{{ [1] | map('string') }}", "generator")]
    [InlineData("{{ 'x'.encode() }}", "encode")]
    [InlineData("{{ '{:,}'.format(1000) }}", "format spec")]
    [InlineData("{{ lipsum() }}", "lipsum")]
    [InlineData("{{ strftime_now('%Q') }}", "%Q")]
    [InlineData("{{ 300 ** 300 }}", "64 bits")]
    [InlineData("{{ ('<' | safe).strip() }}", "Markup.strip")]
    public void Unsupported_runtime_operations_fail_instead_of_rendering_differently(string template, string fragment)
    {
        var error = Assert.Throws<ChatTemplateException>(() => JinjaTemplate.Parse(template).Render(new Dictionary<string, object?>()));
        Assert.Contains(fragment, error.Message);
        Assert.Equal(1, error.Line);
    }

    [Fact]
    public void Runtime_errors_carry_the_line_of_the_failing_expression()
    {
        var template = JinjaTemplate.Parse("{% for m in messages %}\n{{ m.role }}\n{{ m.nope.deeper }}\n{% endfor %}");
        var vars = new Dictionary<string, object?> { ["messages"] = new[] { new ChatMessage("user", "hi") } };
        var error = Assert.Throws<ChatTemplateException>(() => template.Render(vars));
        Assert.Equal(3, error.Line);
        Assert.Contains("'dict object' has no attribute 'nope'", error.Message);
        Assert.False(error.RaisedByTemplate);
    }

    [Fact]
    public void Raise_exception_carries_the_templates_message_and_line()
    {
        var template = JinjaTemplate.Parse("ok\n{% if x %}\n  {{ raise_exception('Bad role: ' ~ x) }}\n{% endif %}");
        var error = Assert.Throws<ChatTemplateException>(() => template.Render(new Dictionary<string, object?> { ["x"] = "tool" }));
        Assert.True(error.RaisedByTemplate);
        Assert.Equal("Bad role: tool", error.TemplateMessage);
        Assert.Equal(3, error.Line);
    }

    [Fact]
    public void Values_of_unsupported_types_are_rejected()
    {
        var template = JinjaTemplate.Parse("{{ x }}");
        var error = Assert.Throws<ChatTemplateException>(() => template.Render(new Dictionary<string, object?> { ["x"] = new Uri("http://x") }));
        Assert.Contains("Uri", error.Message);
    }

    [Fact]
    public void Extra_variables_cannot_replace_messages()
    {
        var template = new ChatTemplate("{{ messages | length }}", null, null);
        Assert.Throws<ArgumentException>(() => template.Render([new("user", "x")], false, new Dictionary<string, object?> { ["messages"] = 1 }));
    }
}
