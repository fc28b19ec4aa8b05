namespace LayerNet.Plugins;

/// <summary>One registered layer type: the type string a model file names, the class, and where it comes from.</summary>
/// <param name="TypeName">The <c>type</c> string in a model file, e.g. "InnerProduct".</param>
/// <param name="Implementation">The layer class; it derives from <see cref="Layers.Layer"/>.</param>
/// <param name="Source">Where the registration came from: "built in" or a plugin's path.</param>
public sealed record LayerRegistration(string TypeName, Type Implementation, string Source);
