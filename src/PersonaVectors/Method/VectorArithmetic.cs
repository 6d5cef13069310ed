using System.Globalization;
using PersonaVectors.Engine;
using TorchSharp;
using static TorchSharp.torch;

namespace PersonaVectors.Method;

/// <summary>One term of a vector expression: a coefficient times a named vector.</summary>
public sealed record VectorTerm(double Coefficient, string Name);

/// <summary>
/// Linear arithmetic on persona vectors, layer by layer: "evil - 0.5*sycophantic" is
/// v_evil − 0.5·v_sycophantic at every layer, and projecting a direction out leaves, at every layer, only the part
/// of the vector orthogonal to it. Pure functions of the tensors.
/// </summary>
public static class VectorArithmetic
{
    static readonly Scalar Zero = 0.0.ToScalar(), Tiny = 1e-30.ToScalar();   // held: see HeldScalar

    static readonly System.Text.RegularExpressions.Regex Term = new(
        @"\G\s*(?<sign>[+-])?\s*(?:(?<coef>(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?)\s*\*?\s*)?(?:'(?<quoted>[^']+)'|(?<name>[A-Za-z_/][\w./]*))\s*",
        System.Text.RegularExpressions.RegexOptions.CultureInvariant);

    /// <summary>
    /// Parses "name", "a*name", "a name", joined by + and -: names are runs, trait names or vector files (letters,
    /// digits, '_', '.', '/'; a '-' means minus, so a path with one is quoted: 'my-runs/evil.safetensors').
    /// </summary>
    public static List<VectorTerm> Parse(string expression)
    {
        if (string.IsNullOrWhiteSpace(expression)) throw new InvalidRequestException("the vector expression is empty (expected e.g. \"evil - 0.5*sycophantic\")");
        var terms = new List<VectorTerm>();
        int at = 0;
        while (at < expression.Length)
        {
            var m = Term.Match(expression, at);
            if (!m.Success || (terms.Count > 0 && !m.Groups["sign"].Success))
                throw new InvalidRequestException($"vector expression \"{expression}\": expected {(terms.Count == 0 ? "a term such as 0.5*evil" : "'+' or '-' and a term")} at position {at + 1}");
            double c = m.Groups["coef"].Success ? double.Parse(m.Groups["coef"].Value, NumberStyles.Float, CultureInfo.InvariantCulture) : 1;
            string name = m.Groups["quoted"].Success ? m.Groups["quoted"].Value : m.Groups["name"].Value;
            terms.Add(new VectorTerm(m.Groups["sign"].Value == "-" ? -c : c, name));
            at += m.Length;
        }
        return terms;
    }

    /// <summary>Σ cᵢ·vᵢ over [layers + 1, hidden] tensors of one shape.</summary>
    public static Tensor Combine(IReadOnlyList<(double Coefficient, Tensor Vectors)> terms)
    {
        if (terms.Count == 0) throw new InvalidRequestException("nothing to combine");
        var shape = terms[0].Vectors.shape;
        foreach (var (_, v) in terms)
            if (!v.shape.SequenceEqual(shape)) throw new InvalidRequestException($"vectors of shapes [{string.Join(", ", shape)}] and [{string.Join(", ", v.shape)}] cannot be combined");
        using var scope = NewDisposeScope();
        var sum = zeros(shape, ScalarType.Float32);
        foreach (var (c, v) in terms) sum = HeldScalar.Add(sum, HeldScalar.Times(v.to(ScalarType.Float32), c));
        return sum.MoveToOuterDisposeScope();
    }

    /// <summary>At every layer, <paramref name="vectors"/> minus its component along <paramref name="direction"/> (a zero row of the direction removes nothing).</summary>
    public static Tensor ProjectOut(Tensor vectors, Tensor direction)
    {
        if (!vectors.shape.SequenceEqual(direction.shape)) throw new InvalidRequestException("a direction to project out must have the vector's shape");
        using var scope = NewDisposeScope();
        var d = direction.to(ScalarType.Float32);
        var norms = d.norm(1, keepdim: true);
        var unit = where(norms > Zero, d / norms.clamp_min(Tiny), zeros_like(d));
        var along = (vectors.to(ScalarType.Float32) * unit).sum(1, keepdim: true);
        return (vectors - along * unit).MoveToOuterDisposeScope();
    }
}
