namespace PersonaVectors.Method.Extraction;

/// <summary>One generated answer under one instruction of one pair.</summary>
public sealed record AnswerRecord(string Key, int Pair, string Polarity, int Question, int Rollout, string QuestionText,
    string System, int[] PromptIds, int[] AnswerIds, string Answer);

public sealed record JudgementRecord(string Key, double? Trait, double? Coherence);

/// <summary>A pair that passed the filters (keyed by its positive answer) with both answers' trait scores.</summary>
public sealed record KeptPair(string Key, double? PositiveTrait, double? NegativeTrait);

/// <summary>The mean judged scores of one steering setting on the evaluation questions.</summary>
public sealed record SteeringRecord(string Key, string Setting, int Layer, double Alpha, string Positions, double Trait, double Coherence, int Count);
