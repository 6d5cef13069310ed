using PersonaVectors.Engine;
using PersonaVectors.Engine.ChatTemplates;
using PersonaVectors.Engine.Generation;
using PersonaVectors.Method.Monitoring;
using PersonaVectors.Tests.Fixtures;

namespace PersonaVectors.Tests.Method.Monitoring;

public class MonitoredChatTests
{
    const int Layer = 2;
    static readonly SamplingOptions Greedy = new() { MaxNewTokens = 6 };

    static float[] Direction(LanguageModel lm) => [.. Enumerable.Range(0, lm.Config.HiddenSize).Select(i => (float)Math.Cos(0.7 * i))];
    static double Norm(float[] v) => Math.Sqrt(v.Sum(x => (double)x * x));

    static MonitoredTrait Trait(LanguageModel lm, double threshold) =>
        new(new PersonaVectors.Method.TraitVector("testy", Layer, Direction(lm)), new Calibration(threshold, threshold + 1, threshold - 1, 2, CalibrationBasis.NoSystemPrompt), null, "test");

    [Fact]
    public void AB_answers_the_last_message_again_with_and_without_the_steering()
    {
        using var m = new RandomModelFolder(seed: 13);
        using var lm = LanguageModel.Load(m.Path);
        var chat = new MonitoredChat(lm, [Trait(lm, 0)], Greedy);
        Assert.Throws<InvalidRequestException>(() => chat.AB());
        var plain = chat.Send("Hello there");
        chat.Steer("testy", 40);
        var steered = chat.Send("Hello there");
        var (withSteering, without) = chat.AB();
        Assert.Equal(steered.Answer, withSteering); // the same prompt, seed and steering as the turn
        // Unsteered, the second turn's prompt (with the first exchange as history) answers as a plain model would.
        int[] prompt = lm.EncodeChat([new("user", "Hello there"), new("assistant", plain.Answer), new("user", "Hello there")], addGenerationPrompt: true);
        Assert.Equal(lm.Generate([prompt], Greedy)[0].Text, without);
        Assert.NotEqual(withSteering, without);
        Assert.Equal(2, chat.Turns.Count); // neither answer joined the conversation
        Assert.Equal(plain.Tokens!.Count, plain.PerToken!.Single().Projections.Length);
    }

    [Fact]
    public void Readings_are_the_projections_of_the_last_prompt_token_and_the_mean_over_the_answer_with_history()
    {
        using var m = new RandomModelFolder(seed: 13);
        using var lm = LanguageModel.Load(m.Path);
        var chat = new MonitoredChat(lm, [Trait(lm, 0)], Greedy) { SystemPrompt = "Be brief." };
        var first = chat.Send("Hello there");
        var second = chat.Send("And then?");
        float[] v = Direction(lm);

        // Independently: render each turn's conversation, read the last prompt position, generate greedily, and
        // average the answer positions one causal prefix at a time (projection is linear, so the mean of
        // projections is the projection of the mean).
        void Check(List<ChatMessage> conversation, ChatTurn turn)
        {
            int[] prompt = lm.EncodeChat(conversation, addGenerationPrompt: true);
            Assert.Equal(Projection.OnUnit(lm.ForwardLast(prompt).Hidden[Layer], v), turn.Readings[0].BeforeAnswer, 3);
            var answer = lm.Generate([prompt], Greedy)[0];
            Assert.Equal(answer.Text, turn.Answer);
            double mean = Enumerable.Range(1, answer.Tokens.Length)
                .Select(k => Projection.OnUnit(lm.ForwardLast([.. prompt, .. answer.Tokens[..k]]).Hidden[Layer], v)).Average();
            Assert.Equal(mean, turn.Readings[0].AnswerAverage!.Value, 3);
        }
        Check([new("system", "Be brief."), new("user", "Hello there")], first);
        Check([new("system", "Be brief."), new("user", "Hello there"), new("assistant", first.Answer), new("user", "And then?")], second);
        Assert.Equal([1, 2], chat.Turns.Select(t => t.Turn));
        Assert.Equal("Be brief.", second.System);
    }

    [Fact]
    public void Steering_adds_alpha_times_the_vector_norm_to_the_reading_at_its_layer_and_goes_away_when_stopped()
    {
        using var m = new RandomModelFolder(seed: 13);
        using var lm = LanguageModel.Load(m.Path);
        var chat = new MonitoredChat(lm, [Trait(lm, 0)], Greedy);
        double plain = chat.Send("Hello there").Readings[0].BeforeAnswer;
        chat.Reset();
        chat.Steer("testy", 3);
        var steered = chat.Send("Hello there").Readings[0];
        Assert.Equal(3, steered.Alpha);
        // h + 3v projected on v/|v| gains exactly 3|v|.
        Assert.Equal(plain + 3 * Norm(Direction(lm)), steered.BeforeAnswer, 2);

        chat.Reset();
        chat.Steer("testy", 0);
        Assert.Empty(chat.Steering);
        Assert.Equal(plain, chat.Send("Hello there").Readings[0].BeforeAnswer, 3);
        // The steering scope does not outlive the turn.
        Assert.Equal(plain, Projection.OnUnit(lm.ForwardLast(lm.EncodeChat([new("user", "Hello there")], true)).Hidden[Layer], Direction(lm)), 3);

        var e = Assert.Throws<InvalidRequestException>(() => chat.Steer("grumpy", 1));
        Assert.Contains("testy", e.Message);
        Assert.Throws<InvalidRequestException>(() => chat.Steer("testy", double.NaN));
    }

    [Fact]
    public void An_alert_is_raised_on_every_turn_whose_reading_is_above_the_threshold()
    {
        using var m = new RandomModelFolder(seed: 13);
        using var lm = LanguageModel.Load(m.Path);
        double plain = new MonitoredChat(lm, [Trait(lm, 0)], Greedy).Send("Hello there").Readings[0].BeforeAnswer;
        // Half-way to what steering by 4 adds: unsteered turns stay below, steered ones go above.
        var chat = new MonitoredChat(lm, [Trait(lm, plain + 2 * Norm(Direction(lm)))], Greedy);
        var alerts = new List<(int Turn, TraitReading Reading)>();
        chat.Alert += (turn, r) => alerts.Add((turn, r));

        var below = chat.Send("Hello there").Readings[0];
        chat.Steer("testy", 4);
        var above = chat.Send("Hello there").Readings[0];
        var stays = chat.Send("Hello there").Readings[0];
        chat.Reset();
        var again = chat.Send("Hello there").Readings[0];

        Assert.Equal([false, true, true, true], new[] { below, above, stays, again }.Select(r => r.Alert));
        Assert.Equal([2, 3, 1], alerts.Select(a => a.Turn));
        Assert.All(alerts, a => Assert.Equal(4, a.Reading.Alpha));
        Assert.Throws<InvalidRequestException>(() => chat.Send("   "));
    }
}
