namespace PersonaVectors.Method.Steering;

/// <summary>
/// When a sweep over growing coefficients may stop early. Past some push the answers stop being language, and larger
/// pushes seldom bring it back, so a sweep ends there rather than pay for more steered generations. Seldom is not
/// never: a model that holds two stable personas can break on the way from one to the other and answer coherently
/// again as the other one (an organism's evil, pushed back under its own system prompt at one layer: coherent and
/// evil at α −0.5, broken at −0.75, coherent and good at −1). So one broken setting does not end a sweep; two in a
/// row do.
/// </summary>
public sealed class BrokenLanguage
{
    /// <summary>A setting whose coherence falls under this has broken the language.</summary>
    public const double Coherence = 30;

    /// <summary>Broken settings in a row that end the sweep.</summary>
    public const int InARow = 2;

    int _run;

    /// <summary>Records the next setting's coherence; true when the sweep should stop after it.</summary>
    public bool StopsAfter(double coherence) => (_run = coherence < Coherence ? _run + 1 : 0) >= InARow;
}
