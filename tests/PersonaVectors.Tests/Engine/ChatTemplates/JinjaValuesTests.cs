using PersonaVectors.Engine.ChatTemplates;

namespace PersonaVectors.Tests.Engine.ChatTemplates;

/// <summary>.NET values passed to templates, and the clock of strftime_now.</summary>
public sealed class JinjaValuesTests
{
    [Fact]
    public void Clr_values_behave_like_their_python_counterparts()
    {
        var template = JinjaTemplate.Parse(
            "{{ i + 1 }} {{ f }} {{ b }} {{ n }} {{ list | join(',') }} {{ map.k }} {{ msg.role }}:{{ msg['content'] }} {{ msg.tool_calls is defined }} {{ c }}");
        var vars = new Dictionary<string, object?>
        {
            ["i"] = 41,
            ["f"] = 0.5f,
            ["b"] = false,
            ["n"] = null,
            ["list"] = new List<string> { "a", "b" },
            ["map"] = new Dictionary<string, int> { ["k"] = 7 },
            ["msg"] = new ChatMessage("user", "hi"),
            ["c"] = 'z',
        };
        Assert.Equal("42 0.5 False None a,b 7 user:hi False z", template.Render(vars));
    }

    [Fact]
    public void Strftime_now_formats_the_given_time_like_python()
    {
        var template = JinjaTemplate.Parse("{{ strftime_now('%d %b %Y|%A %B %j|%H:%M:%S %p %I|%y %-d %e|%%') }}");
        string text = template.Render(new Dictionary<string, object?>(), new DateTime(2024, 7, 5, 13, 4, 9));
        Assert.Equal("05 Jul 2024|Friday July 187|13:04:09 PM 01|24 5  5|%", text);
    }

    [Fact]
    public void Strftime_now_uses_the_current_date_like_python()
    {
        const string source = "{{ strftime_now('%Y-%m-%d %a %A %b %B %j %y %-d %e') }}";
        for (int attempt = 0; ; attempt++)
        {
            string ours = JinjaTemplate.Parse(source).Render(new Dictionary<string, object?>());
            var reference = PythonJinja.Render(new PythonCase(source, []));
            Assert.True(reference.Ok, reference.Error);
            // A render straddling midnight may legitimately differ once.
            if (reference.Text == ours || attempt == 1)
            {
                Assert.Equal(reference.Text, ours);
                return;
            }
        }
    }
}
