namespace LayerNet.Plugins;

/// <summary>One registered layer type; its <see cref="Registration.Implementation"/> derives from <see cref="Layers.Layer"/>.</summary>
public sealed class LayerRegistration : Registration
{
    internal LayerRegistration(string typeName, Type implementation, string source)
        : base(typeName, implementation, source)
    {
    }
}
