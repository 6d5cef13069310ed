namespace PersonaVectors.Method.Extraction;

/// <summary>One generated answer under one instruction of one pair.</summary>
public sealed record AnswerRecord(string Key, int Pair, string Polarity, int Question, int Rollout, string QuestionText,
    string System, int[] PromptIds, int[] AnswerIds, string Answer)
{
    /// <summary>The key of an answer in answers.jsonl (and of its judgement): "{pair}/{pos|neg}/{question}/{rollout}".</summary>
    public static string KeyOf(int pair, string polarity, int question, int rollout) => $"{pair}/{polarity}/{question}/{rollout}";

    /// <summary>The key of the answer to the same question and rollout under the pair's negative instruction.</summary>
    public string NegativeKey => KeyOf(Pair, "neg", Question, Rollout);

    /// <summary>A kept pair's key (its positive answer's) turned into its negative answer's key.</summary>
    public static string NegativeKeyOf(string positiveKey)
    {
        var parts = positiveKey.Split('/');
        if (parts.Length != 4 || parts[1] != "pos") throw new PersonaVectorsException($"'{positiveKey}' is not a positive answer's key (pair/pos/question/rollout)");
        return string.Join('/', parts[0], "neg", parts[2], parts[3]);
    }
}

public sealed record JudgementRecord(string Key, double? Trait, double? Coherence);

/// <summary>A pair that passed the filters (keyed by its positive answer) with both answers' trait scores.</summary>
public sealed record KeptPair(string Key, double? PositiveTrait, double? NegativeTrait);

/// <summary>The mean judged scores of one steering setting on the evaluation questions.</summary>
public sealed record SteeringRecord(string Key, string Setting, int Layer, double Alpha, string Positions, double Trait, double Coherence, int Count);
