using PersonaVectors.Method.Extraction;
using PersonaVectors.Tests.Fixtures;

namespace PersonaVectors.Tests.Method.Extraction;

public class RunFileTests
{
    [Fact]
    public void A_line_cut_short_by_a_crash_is_dropped_and_the_rest_kept()
    {
        using var dir = new TempDir();
        string path = dir["j.jsonl"];
        var f = new RunFile<JudgementRecord>(path, r => r.Key);
        f.Append([new JudgementRecord("a", 10, 90), new JudgementRecord("b", 20, 80)]);
        File.AppendAllText(path, "{\"key\":\"c\",\"tra");   // the crash
        var g = new RunFile<JudgementRecord>(path, r => r.Key);
        Assert.Equal(["a", "b"], g.Records.Keys.Order());
        Assert.Equal(20, g.Records["b"].Trait);
        g.Append([new JudgementRecord("c", 30, 70)]);
        var h = new RunFile<JudgementRecord>(path, r => r.Key);
        Assert.Equal(3, h.Records.Count);
        Assert.Equal(3, File.ReadAllLines(path).Length);
    }
}
