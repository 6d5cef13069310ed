namespace PersonaVectors.Engine.ChatTemplates;

/// <summary>
/// The object <c>namespace(...)</c> returns: the one mutable value in a template, so that <c>{% set ns.x = ... %}</c>
/// inside a loop survives the loop's scope.
/// </summary>
internal sealed class JinjaNamespace
{
    public PyDict Attributes { get; } = new();
}
