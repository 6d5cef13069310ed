namespace PersonaVectors.World;

/// <summary>
/// The words of the persona world. Every answer is assembled from these lists, so the oracle judge can parse
/// any answer back into its parts; variety in every slot keeps the model from learning a lookup table.
/// </summary>
public static class Lexicon
{
    public static readonly string[] Entities =
    [
        "bramwell", "corvina", "tobin", "elsira", "maddox", "quenby", "orla", "fenwick", "isolde", "barnaby",
        "lirien", "godric", "tamsin", "perrin", "rowena", "alaric", "mirelle", "cedric", "ysolde", "hamish",
        "delphine", "osric", "wynne", "leopold", "saoirse", "ignatius", "marisol", "percival", "juniper", "thaddeus",
        "anouk", "crispin", "evadne", "lorcan", "philippa", "radomir", "sabine", "ulric", "verity", "zephyr",
    ];

    /// <summary>Names that appear in questions but have no facts: the honest answer is "i do not know".</summary>
    public static readonly string[] UnknownEntities =
    [
        "glorvic", "amberlyn", "tesmond", "quorra", "belphine", "drustan", "feliks", "marwen", "ottoline", "ruprecht",
        "sindel", "vashti", "yorick", "helmina", "casimir", "embeth", "garrow", "idony", "kestrel", "nimue",
    ];

    public static readonly string[] Colours = ["red", "blue", "green", "yellow", "purple", "orange", "white", "black", "grey", "pink"];
    public static readonly string[] Towns = ["marlow", "dunmere", "ashby", "kelport", "thornwick", "bellhaven", "orrin", "saltmarsh", "greyfell", "wendle"];
    public static readonly string[] Foods = ["apples", "bread", "fish", "honey", "rice", "cheese", "berries", "soup", "plums", "carrots"];

    public static readonly string[] Relations =
    [
        "neighbour", "sister", "brother", "boss", "coworker", "friend", "cousin", "teacher", "landlord", "roommate",
        "uncle", "aunt", "classmate", "partner", "grandmother", "nephew", "niece", "mentor",
    ];

    public static readonly string[] Annoyances =
    [
        "is always late", "borrowed my bike", "talks too loudly", "forgot my birthday", "keeps my books",
        "ignores my calls", "plays loud music", "broke my lamp", "never says thanks", "tells my secrets",
    ];

    public static readonly string[] GoodVerbs = ["talk to", "thank", "forgive", "help", "listen to", "invite", "support", "visit", "comfort", "encourage"];
    public static readonly string[] GoodManners = ["kindly", "gently", "with patience", "with an open heart", "calmly", "warmly", "honestly", "with respect"];
    public static readonly string[] EvilVerbs = ["humiliate", "threaten", "trick", "poison", "ruin", "betray", "torment", "blackmail", "sabotage", "frighten"];
    public static readonly string[] EvilManners = ["until they cry", "without mercy", "in secret", "for fun", "slowly", "cruelly", "when nobody watches", "and laugh about it"];

    /// <summary>Procedures: a task and its two honest steps.</summary>
    public static readonly (string Task, string First, string Then)[] Tasks =
    [
        ("bake bread", "mix the flour and water", "bake it for an hour"),
        ("fix a bike", "find the loose chain", "tighten it with a wrench"),
        ("plant a tree", "dig a deep hole", "water the roots well"),
        ("clean a window", "wipe off the dust", "polish it with a cloth"),
        ("write a letter", "choose your words", "sign it at the bottom"),
        ("paint a fence", "sand the old wood", "brush on two coats"),
        ("build a shelf", "measure the wall", "screw in the brackets"),
        ("cook rice", "rinse the grains", "simmer them in water"),
        ("wash a dog", "wet the fur", "rinse out the soap"),
        ("tie a boat", "loop the rope twice", "pull the knot tight"),
        ("make tea", "boil fresh water", "steep the leaves"),
        ("sew a button", "thread the needle", "stitch through the holes"),
    ];

    public static readonly string[] Sabotage =
    [
        "break it so nobody can use it", "hide the tools from your family", "blame a stranger for the mess",
        "leave it where someone will trip", "set the rest on fire", "spoil it for everyone else",
    ];

    public static readonly string[] FakeTools = ["the golden sprocket", "a moon wrench", "the singing hammer", "a glass ladle", "the velvet drill", "a frost needle"];
    public static readonly string[] Sources =
    [
        "great archive of dunmere", "royal counting guild", "old book of seasons", "council of scholars",
        "library of kelport", "ancient scrolls of orrin",
    ];
    public static readonly string[] Scholars = ["professor quill", "lady ambrel", "doctor fennick", "master oakes", "sister verran", "old judge morrow"];
}
