using LayerNet.Runner.Dashboard;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace LayerNet.Dashboard.Tests;

/// <summary>
/// A dashboard over a temporary root, served in memory (TestServer) or on a free loopback port (for a browser);
/// disposing it deletes the root.
/// </summary>
internal sealed class DashboardHost : IAsyncDisposable
{
    private DashboardHost(WebApplication app, string root, Uri? address)
    {
        App = app;
        Root = root;
        Address = address;
        Client = address is null ? app.GetTestClient() : new HttpClient { BaseAddress = address };
    }

    /// <summary>The address a browser opens (a real server on 127.0.0.1), or null in memory.</summary>
    public Uri? Address { get; }

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
        return new DashboardHost(app, root, null);
    }

    /// <summary>Starts a dashboard on a free port of localhost, for a browser.</summary>
    public static async Task<DashboardHost> StartListeningAsync(Action<string>? fill = null, string? token = null)
    {
        var root = Directory.CreateTempSubdirectory("layernet-dashboard-").FullName;
        fill?.Invoke(root);
        var app = DashboardServer.Build(new DashboardOptions { Root = root, Port = 0, Token = token, Host = "127.0.0.1" });
        await app.StartAsync().ConfigureAwait(false);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new DashboardHost(app, root, new Uri(address.Replace("127.0.0.1", "localhost", StringComparison.Ordinal) + "/"));
    }

    /// <summary>The absolute address of a path on the listening server.</summary>
    public string Url(string pathAndQuery) => new Uri(Address ?? throw new InvalidOperationException("not listening"), pathAndQuery.TrimStart('/')).ToString();

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await App.StopAsync().ConfigureAwait(false);
        await App.DisposeAsync().ConfigureAwait(false);
        Directory.Delete(Root, recursive: true);
    }
}
