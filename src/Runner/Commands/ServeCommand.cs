using System.CommandLine;
using System.Diagnostics;
using LayerNet.Runner.Dashboard;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace LayerNet.Runner.Commands;

/// <summary><c>layernet serve</c>: the training dashboard in the browser (runs, live curves, models, inference, datasets).</summary>
internal static class ServeCommand
{
    public static Command Create(RunnerEnvironment environment)
    {
        var port = new Option<int>("--port") { Description = $"The port (default {DashboardOptions.DefaultPort}; 0: any free one).", DefaultValueFactory = _ => DashboardOptions.DefaultPort };
        var root = new Option<string>("--root") { Description = "The folder the dashboard shows and works in (default: the current folder); nothing outside it is read or written.", DefaultValueFactory = _ => "." };
        var host = new Option<string>("--host") { Description = "The address to listen on (default localhost; anything else needs --token).", DefaultValueFactory = _ => "localhost" };
        var token = new Option<string?>("--token") { Description = "A secret every request must carry (?token= once in the browser, or the X-LayerNet-Token header)." };
        var open = new Option<bool>("--open") { Description = "Open the dashboard in the browser." };
        var command = new Command("serve", """
            The training dashboard: a local web page with the runs under the root and their live curves, new runs,
            models and their filters, inference on an image, and datasets made from image folders.

            Examples:
              layernet serve --root models --open
              layernet serve --root ~/experiments --port 8080
            """)
        {
            port, root, host, token, open,
        };
        command.SetAction(result =>
        {
            var options = new DashboardOptions
            {
                Root = result.GetValue(root)!,
                Port = result.GetValue(port),
                Host = result.GetValue(host)!,
                Token = result.GetValue(token),
            };
            if (options.Port is < 0 or > 65535)
            {
                throw new LayerNet.Errors.LayerNetException($"--port {options.Port}: expected 0 to 65535");
            }

            using var app = DashboardServer.Build(options);
            try
            {
                app.Start();
            }
            catch (Exception exception) when (exception is IOException or System.Net.Sockets.SocketException)
            {
                // A port in use, an address this machine does not have, a port below 1024 without the right to it.
                var reason = exception.GetBaseException().Message;
                throw new LayerNet.Errors.LayerNetException($"serve: cannot listen on {options.Host} port {options.Port}: {reason}");
            }

            var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault()
                ?? $"http://{options.Host}:{options.Port}";
            var url = address.Replace("127.0.0.1", "localhost", StringComparison.Ordinal) + "/";
            environment.Output.WriteLine($"LayerNet dashboard at {url} (root {app.Services.GetRequiredService<DashboardRoot>().FullPath}); Ctrl+C stops it");
            environment.Output.Flush();
            if (result.GetValue(open))
            {
                OpenBrowser(url + (options.Token is { } t ? $"?token={Uri.EscapeDataString(t)}" : ""), environment.Error);
            }

            app.WaitForShutdown();
            return 0;
        });
        return command;
    }

    private static void OpenBrowser(string url, TextWriter error)
    {
        try
        {
            using var process = Process.Start(new ProcessStartInfo("xdg-open", url) { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true });
        }
        catch (System.ComponentModel.Win32Exception)
        {
            error.WriteLine($"--open: no browser launcher (xdg-open) found; open {url} yourself");
        }
    }
}
