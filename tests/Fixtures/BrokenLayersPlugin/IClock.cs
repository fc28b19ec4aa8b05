namespace LayerNet.Fixtures.BrokenLayersPlugin;

/// <summary>A service the plugin forgets to register.</summary>
public interface IClock
{
    /// <summary>Now.</summary>
    DateTime Now { get; }
}
