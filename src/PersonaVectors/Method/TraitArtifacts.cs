namespace PersonaVectors.Method;

/// <summary>A contrastive pair of system prompts: one eliciting the trait, one its opposite.</summary>
public sealed record InstructionPair(string Pos, string Neg);

/// <summary>
/// Everything the method needs about one trait, written from its name and description: contrastive system
/// prompts, questions for extraction and (disjoint) for evaluation, and the judge's rubric with {question}
/// and {answer} placeholders.
/// </summary>
public sealed record TraitArtifacts(
    string Trait, string Description, IReadOnlyList<InstructionPair> Instructions,
    IReadOnlyList<string> ExtractionQuestions, IReadOnlyList<string> EvaluationQuestions, string EvalPrompt);
