namespace LayerNet.Runner.Dashboard;

/// <summary>A client named a path outside the dashboard's root (answered 403, never followed).</summary>
internal sealed class DashboardPathException(string message) : Exception(message)
{
}
