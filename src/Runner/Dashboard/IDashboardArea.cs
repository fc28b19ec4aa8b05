using Microsoft.AspNetCore.Routing;

namespace LayerNet.Runner.Dashboard;

/// <summary>
/// One area of the dashboard (Runs, New run, Model, Inference, Datasets): its place in the navigation bar and its
/// endpoints. Areas are registered in <see cref="DashboardServer"/>; each maps its pages under its own <see cref="Path"/>
/// and its JSON, event streams and pictures under <c>/api</c> + <see cref="Path"/>.
/// </summary>
internal interface IDashboardArea
{
    /// <summary>The title in the navigation bar.</summary>
    string Title { get; }

    /// <summary>The page's path, such as <c>/runs</c>.</summary>
    string Path { get; }

    /// <summary>Maps the area's endpoints.</summary>
    void Map(IEndpointRouteBuilder endpoints);
}
