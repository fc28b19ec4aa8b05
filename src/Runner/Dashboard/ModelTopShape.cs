namespace LayerNet.Runner.Dashboard;

/// <summary>A top blob and its shape (such as <c>64 20 24 24</c>), or null when the net was not built.</summary>
internal sealed record ModelTopShape(string Name, string? Shape);
