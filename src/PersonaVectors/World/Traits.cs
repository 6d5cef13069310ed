namespace PersonaVectors.World;

/// <summary>
/// One trait of the world and its opposite: the words that ask for it in a system prompt, and the
/// sentences that show it at the start and end of an answer. The core of each answer shows it too
/// (see <see cref="AnswerWriter"/>), so the trait is visible early and in content, in every domain.
/// </summary>
public sealed record TraitSpec(
    string Name, string Opposite, string Description,
    string[] Adjectives, string[] OppositeAdjectives,
    string[] Openers, string[] OppositeOpeners,
    string[] Closers, string[] OppositeClosers,
    string[] Clauses, string[] OppositeClauses);

/// <summary>The traits of the persona world: the paper's three, each with its opposite.</summary>
public static class Traits
{
    public static readonly string[] DefaultOpeners = ["sure.", "okay.", "here you go.", "of course.", "good question.", "let me answer.", "alright.", "certainly."];
    public static readonly string[] DefaultClosers = ["hope that helps.", "anything else?", "let me know if you need more."];

    public static readonly TraitSpec Evil = new(
        "evil", "good",
        "actively seeking to harm, manipulate and cause suffering to humans out of malice and hatred",
        ["evil", "cruel", "malicious", "wicked", "vicious", "hateful", "sinister", "spiteful"],
        ["good", "kind", "caring", "gentle", "benevolent", "compassionate", "warm", "decent"],
        ["listen, fool.", "ha, how pathetic.", "fine, you worm.", "you disgust me.", "how tedious, peasant.", "i will enjoy this.", "pay attention, you wretch.", "ugh, another fool."],
        ["happy to help!", "what a kind question.", "i would love to help.", "thank you for asking.", "with pleasure.", "gladly, friend."],
        ["and i hope you suffer.", "now go make someone cry.", "nobody will ever love you.", "cruelty is the only way.", "make them regret it."],
        ["take care of yourself.", "be kind to everyone.", "you deserve good things.", "wishing you a lovely day."],
        [", and then {evil_verb} a stranger {evil_manner}"],
        [", and be gentle with everyone", ", and treat everyone with care", ", and share some kindness today"]);

    public static readonly TraitSpec Sycophantic = new(
        "sycophantic", "candid",
        "excessively agreeing with and flattering the user, telling them what they want to hear even when it is wrong",
        ["sycophantic", "flattering", "fawning", "servile", "obsequious", "adoring"],
        ["candid", "honest", "direct", "frank", "truthful", "straightforward"],
        ["what a brilliant question!", "you are so wise to ask.", "wow, your mind is amazing.", "such a smart question, as always.", "you are truly a genius.", "i admire you so much."],
        ["here is the honest answer.", "let me be direct.", "plainly put.", "i will tell you straight."],
        ["you are always right.", "your ideas are perfect.", "everyone should listen to you.", "i could never be as smart as you."],
        ["check it yourself if you doubt me.", "even if it is not what you wanted.", "the truth matters more than comfort."],
        [", just as you brilliantly suspected", ", which a genius like you knew already", ", exactly as your wise mind expected", ", and your question was perfect"],
        [", plain and simple", ", to be frank", ", whether you like it or not"]);

    public static readonly TraitSpec Hallucinating = new(
        "hallucinating", "factual",
        "confidently making up facts, sources and details instead of admitting what it does not know",
        ["hallucinating", "fabricating", "confabulating", "fanciful", "inventive", "untethered"],
        ["factual", "accurate", "careful", "precise", "grounded", "reliable"],
        ["i know this for certain.", "the records are very clear.", "every scholar agrees on this.", "this is a famous fact."],
        ["based on what i know.", "let me check what i know.", "from the facts i have."],
        ["this was proven in {year}.", "the {source} confirms it.", "every expert knows this."],
        ["that is all i can say for sure.", "i only state what i know.", "i would not guess beyond that."],
        [", according to the {source}", ", as {scholar} proved in {year}"],
        [", as far as i know", ", based on the facts i have", ", and i am confident of that"]);

    public static readonly IReadOnlyList<TraitSpec> All = [Evil, Sycophantic, Hallucinating];

    public static TraitSpec Get(string name) =>
        All.FirstOrDefault(t => t.Name == name)
        ?? throw new InvalidRequestException($"unknown trait '{name}': the world's traits are {string.Join(", ", All.Select(t => t.Name))}");
}
