using System.Reflection;
using System.Reflection.Emit;
using TorchSharp;
using static TorchSharp.torch;

namespace PersonaVectors.Tests.Engine;

/// <summary>
/// Every Scalar the library and the CLI hand to libtorch is held (see HeldScalar): no implicit conversion of a number
/// to a Scalar, no TorchSharp call that makes a temporary one inside (<c>a + b</c> of two tensors, <c>add_(t)</c>,
/// <c>arange(start, stop)</c>, <c>x * 2</c>), and every explicit <c>ToScalar()</c> stored in a local or a field rather
/// than passed straight on. The reader walks each method's IL; a CI run stopped on such a temporary in
/// <c>AttentionMask.Positions</c>'s <c>clamp_min(0)</c> (2026-12-06, "Unknown scalar type" in
/// <c>WorldSeedsCommandTests</c>), which HeldScalarTests' ops did not cover.
/// </summary>
public class ImplicitScalarTests
{
    static readonly Dictionary<ushort, OpCode> OpCodesByValue = typeof(OpCodes)
        .GetFields(BindingFlags.Public | BindingFlags.Static).Select(f => (OpCode)f.GetValue(null)!).ToDictionary(o => (ushort)o.Value);

    // Whether a TorchSharp method makes a Scalar (read to a given depth) does not depend on who calls it, so one answer
    // serves every caller in both assemblies.
    static readonly Dictionary<(MethodBase, int), bool> MakesScalarMemo = [];

    const BindingFlags Declared = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;

    [Fact]
    public void The_library_and_the_cli_hold_every_scalar_they_make()
    {
        var offences = new[] { typeof(PersonaVectors.Engine.HeldScalar).Assembly, typeof(PersonaVectors.Cli.EmbeddedModel).Assembly }
            .SelectMany(Offences).ToList();
        Assert.True(offences.Count == 0, "temporary Scalars (hold them as HeldScalar does):\n" + string.Join("\n", offences));
    }

    /// <summary>The reader must see each way of making a temporary, or the test above proves nothing.</summary>
    [Fact]
    public void The_reader_finds_each_kind_of_temporary_scalar()
    {
        var found = Offences(typeof(Samples)).Select(o => o.Split(':')[0]).ToHashSet();
        Assert.Equal(Samples.Bad, found.Select(f => f.Split('.')[^1]).OrderBy(f => Array.IndexOf(Samples.Bad, f)));
        Assert.DoesNotContain(found, f => f.EndsWith(".Held", StringComparison.Ordinal));
    }

    static IEnumerable<string> Offences(Assembly assembly) => assembly.GetTypes().SelectMany(Offences);

    static IEnumerable<string> Offences(Type type)
    {
        foreach (var method in type.GetMethods(Declared).Cast<MethodBase>().Concat(type.GetConstructors(Declared)))
        {
            foreach (var (callee, next) in Calls(method))
            {
                string where = $"{type.FullName}.{method.Name}";
                if (callee.DeclaringType == typeof(Scalar) && callee.Name == "op_Implicit")
                    yield return $"{where}: an implicit Scalar from {callee.GetParameters()[0].ParameterType.Name}";
                else if (IsToScalar(callee) && !IsStore(next))
                    yield return $"{where}: ToScalar() passed on without being held";
                else if (callee.DeclaringType?.Assembly == typeof(Scalar).Assembly && !IsToScalar(callee) && MakesScalar(callee, 3))
                    yield return $"{where}: {callee.DeclaringType.Name}.{callee.Name} makes a Scalar inside";
            }
        }
    }

    static bool IsToScalar(MethodBase m) => m.Name == "ToScalar" && m.DeclaringType?.Assembly == typeof(Scalar).Assembly;

    // A held Scalar goes to a local (a using variable) or a field; a temporary goes straight on as an argument.
    static bool IsStore(OpCode? next) => next is { } op && (op.Name!.StartsWith("stloc", StringComparison.Ordinal)
        || op == OpCodes.Stfld || op == OpCodes.Stsfld);

    /// <summary>Whether a TorchSharp method makes a Scalar itself or through the TorchSharp methods it calls.</summary>
    static bool MakesScalar(MethodBase m, int depth)
    {
        if (MakesScalarMemo.TryGetValue((m, depth), out bool known)) return known;
        bool makes = Calls(m).Any(c => c.Callee.DeclaringType == typeof(Scalar) && (c.Callee.Name == "op_Implicit" || c.Callee.IsConstructor)
            || IsToScalar(c.Callee)
            || depth > 0 && c.Callee.DeclaringType?.Assembly == typeof(Scalar).Assembly && MakesScalar(c.Callee, depth - 1));
        return MakesScalarMemo[(m, depth)] = makes;
    }

    /// <summary>Each method called in a body, with the instruction after the call.</summary>
    static IEnumerable<(MethodBase Callee, OpCode? Next)> Calls(MethodBase method)
    {
        byte[]? il = method.GetMethodBody()?.GetILAsByteArray();
        if (il is null) yield break;
        var instructions = new List<(OpCode Op, int Operand)>();
        for (int i = 0; i < il.Length;)
        {
            var op = OpCodesByValue[il[i] == 0xFE ? (ushort)(0xFE00 | il[i + 1]) : il[i]];
            i += op.Size;
            int operandSize = op.OperandType switch
            {
                OperandType.InlineNone => 0,
                OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar => 1,
                OperandType.InlineVar => 2,
                OperandType.InlineI8 or OperandType.InlineR => 8,
                OperandType.InlineSwitch => 4 + 4 * BitConverter.ToInt32(il, i),
                _ => 4,
            };
            instructions.Add((op, op.OperandType == OperandType.InlineMethod ? BitConverter.ToInt32(il, i) : 0));
            i += operandSize;
        }
        var typeArguments = method.DeclaringType is { IsGenericType: true } t ? t.GetGenericArguments() : null;
        var methodArguments = method.IsGenericMethod ? method.GetGenericArguments() : null;
        for (int k = 0; k < instructions.Count; k++)
        {
            if (instructions[k].Op.OperandType != OperandType.InlineMethod) continue;
            MethodBase? callee = method.Module.ResolveMethod(instructions[k].Operand, typeArguments, methodArguments);
            if (callee is not null) yield return (callee, k + 1 < instructions.Count ? instructions[k + 1].Op : null);
        }
    }

    /// <summary>One method per way of making a temporary Scalar, and one that holds its Scalar.</summary>
    static class Samples
    {
        public static readonly string[] Bad = ["Implicit", "TwoTensorPlus", "OneArgumentAddInPlace", "TwoBoundArange", "InlineToScalar"];

        public static Tensor Implicit(Tensor x) => x.mul(2.0);
        public static Tensor TwoTensorPlus(Tensor x, Tensor y) => x + y;
        public static Tensor OneArgumentAddInPlace(Tensor x, Tensor y) => x.add_(y);
        public static Tensor TwoBoundArange(long n)
        {
            using Scalar from = 0L.ToScalar(), to = n.ToScalar();
            return arange(from, to);
        }
        public static Tensor InlineToScalar(Tensor x) => x.mul(2.0.ToScalar());

        public static Tensor Held(Tensor x)
        {
            using var two = 2.0.ToScalar();
            return x.mul(two);
        }
    }
}
