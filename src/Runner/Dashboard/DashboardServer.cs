using System.Security.Cryptography;
using System.Text;
using LayerNet.Errors;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace LayerNet.Runner.Dashboard;

/// <summary>
/// <c>layernet serve</c>'s web application: the areas, the static files, and the checks every request passes before it
/// reaches one (the token, the host name, cross-site writes, paths under the root, the upload size).
/// </summary>
internal static class DashboardServer
{
    /// <summary>The header, cookie and query names that carry the token.</summary>
    public const string TokenHeader = "X-LayerNet-Token";

    /// <summary>The cookie set once a page was opened with <c>?token=</c>, so the page's own requests carry it.</summary>
    public const string TokenCookie = "layernet_token";

    /// <summary>
    /// The header every request that changes something (POST, PUT, DELETE) must carry; a form or script on another site
    /// cannot add it without the browser asking this server first, which it refuses.
    /// </summary>
    public const string RequestHeader = "X-LayerNet-Request";

    /// <summary>Builds the application; <paramref name="configure"/> lets a test swap the server (TestServer) or add services.</summary>
    public static WebApplication Build(DashboardOptions options, Action<WebApplicationBuilder>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        // Kestrel listens on every interface for a name it cannot parse as an address: a host name given here would
        // open the dashboard wider than its user asked, so only addresses (and localhost) are taken.
        if (!options.IsLoopback && !System.Net.IPAddress.TryParse(options.Host, out _))
        {
            throw new LayerNetException($"serve --host '{options.Host}': expected an IP address (such as 127.0.0.1, 0.0.0.0 or ::) or localhost");
        }

        if (!options.IsLoopback && string.IsNullOrEmpty(options.Token))
        {
            throw new LayerNetException($"serve --host {options.Host}: listening beyond localhost needs --token (every request must then carry it)");
        }

        var root = new DashboardRoot(options.Root);
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            ContentRootPath = root.FullPath,
            EnvironmentName = "Production",
            ApplicationName = typeof(DashboardServer).Assembly.GetName().Name,
        });
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Limits.MaxRequestBodySize = options.MaxUploadBytes;
            kestrel.AddServerHeader = false;
        });
        builder.WebHost.UseUrls($"http://{(options.Host == "::1" ? "[::1]" : options.Host)}:{options.Port}");
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton(root);
        builder.Services.AddSingleton<JobsQueue>();
        foreach (var area in AreaTypes)
        {
            builder.Services.AddSingleton(typeof(IDashboardArea), area);
        }

        configure?.Invoke(builder);
        var app = builder.Build();
        app.Use(async (context, next) =>
        {
            if (Refusal(context, options) is { } refusal)
            {
                context.Response.StatusCode = refusal.Status;
                context.Response.ContentType = "text/plain; charset=utf-8";
                await context.Response.WriteAsync(refusal.Message, context.RequestAborted).ConfigureAwait(false);
                return;
            }

            context.Response.Headers["Content-Security-Policy"] = "default-src 'self'; img-src 'self' data: blob:; style-src 'self'; frame-ancestors 'none'";
            context.Response.Headers["X-Content-Type-Options"] = "nosniff";
            context.Response.Headers["Referrer-Policy"] = "no-referrer";
            try
            {
                await next(context).ConfigureAwait(false);
            }
            catch (DashboardPathException exception) when (!context.Response.HasStarted)
            {
                context.Response.StatusCode = StatusCodes.Status403Forbidden;
                context.Response.ContentType = "text/plain; charset=utf-8";
                await context.Response.WriteAsync(exception.Message, context.RequestAborted).ConfigureAwait(false);
            }
            catch (LayerNetException exception) when (!context.Response.HasStarted)
            {
                context.Response.StatusCode = StatusCodes.Status400BadRequest;
                context.Response.ContentType = "text/plain; charset=utf-8";
                await context.Response.WriteAsync(LayerNetCommandLine.OneLine(exception.Message), context.RequestAborted).ConfigureAwait(false);
            }
        });
        var areas = app.Services.GetServices<IDashboardArea>().ToList();
        StaticAssets.Map(app);
        app.MapGet("/", () => Results.Redirect(areas.Count > 0 ? areas[0].Path : "/files"));
        app.MapGet("/api/files", (string? path, string? ext) => RootFiles.List(root, path, ext));
        foreach (var area in areas)
        {
            area.Map(app);
        }

        return app;
    }

    /// <summary>The areas in navigation order; an area is added here and nowhere else.</summary>
    internal static IReadOnlyList<Type> AreaTypes { get; } =
    [
        typeof(RunsArea),
        typeof(NewRunArea),
        typeof(ModelArea),
        typeof(InferenceArea),
        typeof(DatasetsArea),
    ];

    /// <summary>Why a request is refused before any area sees it, or null when it may go on.</summary>
    internal static (int Status, string Message)? Refusal(HttpContext context, DashboardOptions options)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(options);
        var request = context.Request;
        // DNS rebinding: a page on another site whose name resolves to 127.0.0.1 reaches a loopback server with its own
        // Host header; a loopback dashboard answers only to loopback names.
        if (options.IsLoopback && !IsLoopbackHost(request.Host.Host))
        {
            return (StatusCodes.Status403Forbidden, $"host '{request.Host.Host}' refused: this dashboard answers to localhost only");
        }

        if (!string.IsNullOrEmpty(options.Token) && !CarriesToken(context, options.Token))
        {
            return (StatusCodes.Status401Unauthorized, "this dashboard needs its token: open it with ?token=... or send the X-LayerNet-Token header");
        }

        if (!HttpMethods.IsGet(request.Method) && !HttpMethods.IsHead(request.Method))
        {
            if (!request.Headers.ContainsKey(RequestHeader))
            {
                return (StatusCodes.Status403Forbidden, $"a request that changes something must carry the {RequestHeader} header");
            }

            if (request.Headers.Origin is { Count: > 0 } origin
                && (!Uri.TryCreate(origin.ToString(), UriKind.Absolute, out var from) || !string.Equals(from.Authority, request.Host.Value, StringComparison.OrdinalIgnoreCase)))
            {
                return (StatusCodes.Status403Forbidden, $"origin '{origin}' refused: only this dashboard's own pages may change things");
            }
        }

        return null;
    }

    private static bool IsLoopbackHost(string host) =>
        host is "localhost" or "127.0.0.1" or "[::1]" or "::1";

    private static bool CarriesToken(HttpContext context, string token)
    {
        var request = context.Request;
        var given = request.Headers[TokenHeader].ToString();
        if (given.Length == 0)
        {
            given = request.Cookies[TokenCookie] ?? "";
        }

        if (given.Length == 0 && request.Query.TryGetValue("token", out var query))
        {
            given = query.ToString();
            if (SameText(given, token))
            {
                context.Response.Cookies.Append(TokenCookie, given, new CookieOptions { HttpOnly = true, SameSite = SameSiteMode.Strict, Path = "/" });
            }
        }

        return SameText(given, token);
    }

    private static bool SameText(string given, string token) =>
        CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(given), Encoding.UTF8.GetBytes(token));
}
