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

    [Fact]
    public void A_bad_line_with_good_lines_after_it_is_an_error_naming_it_and_the_file_is_left_as_it_was()
    {
        using var dir = new TempDir();
        string path = dir["j.jsonl"];
        new RunFile<JudgementRecord>(path, r => r.Key).Append([new JudgementRecord("a", 10, 90)]);
        File.AppendAllText(path, "{\"key\":\"b\",\"trait\":oops}\n");   // edited by hand
        RunFile<JudgementRecord>.AppendTo(path, [new JudgementRecord("c", 30, 70)]);
        string before = File.ReadAllText(path);

        var e = Assert.Throws<ModelFormatException>(() => new RunFile<JudgementRecord>(path, r => r.Key));

        Assert.Contains(path, e.Message);
        Assert.Contains("line 2 is not a record", e.Message);
        Assert.Contains("line 3 after it is", e.Message);
        Assert.Equal(before, File.ReadAllText(path));
    }

    [Fact]
    public void Bad_complete_lines_at_the_end_are_dropped_like_a_cut_line()
    {
        using var dir = new TempDir();
        string path = dir["j.jsonl"];
        new RunFile<JudgementRecord>(path, r => r.Key).Append([new JudgementRecord("a", 10, 90)]);
        string good = File.ReadAllText(path);
        File.AppendAllText(path, "\0\0\0\n{\"key\":\n");   // a torn write that reached a newline

        var f = new RunFile<JudgementRecord>(path, r => r.Key);

        Assert.Equal(["a"], f.Records.Keys);
        Assert.Equal(good, File.ReadAllText(path));
    }
}
