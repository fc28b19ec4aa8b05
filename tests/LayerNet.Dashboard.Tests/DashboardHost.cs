using LayerNet.Runner.Dashboard;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.TestHost;

namespace LayerNet.Dashboard.Tests;

/// <summary>A dashboard over a temporary root, served in memory (TestServer); disposing it deletes the root.</summary>
internal sealed class DashboardHost : IAsyncDisposable
{
    private DashboardHost(WebApplication app, string root)
    {
        App = app;
        Root = root;
        Client = app.GetTestClient();
    }

    /// <summary>The application.</summary>
    public WebApplication App { get; }

    /// <summary>The root folder (a fresh temporary folder).</summary>
    public string Root { get; }

    /// <summary>A client of the in-memory server (its requests carry Host: localhost).</summary>
    public HttpClient Client { get; }

    /// <summary>Starts a dashboard over a new temporary root; <paramref name="fill"/> puts files there first.</summary>
    public static async Task<DashboardHost> StartAsync(Action<string>? fill = null, string? token = null, string host = "localhost")
    {
        var root = Directory.CreateTempSubdirectory("layernet-dashboard-").FullName;
        fill?.Invoke(root);
        var app = DashboardServer.Build(new DashboardOptions { Root = root, Port = 0, Token = token, Host = host }, builder => builder.WebHost.UseTestServer());
        await app.StartAsync().ConfigureAwait(false);
        return new DashboardHost(app, root);
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await App.StopAsync().ConfigureAwait(false);
        await App.DisposeAsync().ConfigureAwait(false);
        Directory.Delete(Root, recursive: true);
    }
}
