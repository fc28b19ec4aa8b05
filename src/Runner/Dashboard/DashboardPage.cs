using System.Net;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace LayerNet.Runner.Dashboard;

/// <summary>
/// The frame every page shares: the navigation bar, the style sheet and the scripts, all served by the dashboard
/// itself (no CDN: the page works offline). A page's own HTML is the body; text from files or clients goes through
/// <see cref="Encode"/>.
/// </summary>
internal static class DashboardPage
{
    /// <summary>A whole page as an HTML result.</summary>
    public static IResult Render(string title, string activePath, string body, IEnumerable<IDashboardArea> areas, params string[] scripts)
    {
        ArgumentNullException.ThrowIfNull(areas);
        var html = new StringBuilder(body.Length + 2048);
        html.Append("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">")
            .Append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">")
            .Append("<title>").Append(Encode(title)).Append(" · LayerNet</title>")
            .Append("<link rel=\"stylesheet\" href=\"/static/dashboard.css\"></head><body>")
            .Append("<nav><a class=\"brand\" href=\"/\">LayerNet</a>");
        foreach (var area in areas)
        {
            html.Append("<a href=\"").Append(Encode(area.Path)).Append('"')
                .Append(area.Path == activePath ? " class=\"active\"" : "")
                .Append('>').Append(Encode(area.Title)).Append("</a>");
        }

        html.Append("</nav><main>").Append(body).Append("</main>");
        html.Append("<script src=\"/static/dashboard.js\"></script>");
        foreach (var script in scripts)
        {
            html.Append("<script src=\"").Append(Encode(script)).Append("\"></script>");
        }

        html.Append("</body></html>");
        return Results.Content(html.ToString(), "text/html; charset=utf-8");
    }

    /// <summary>Text made safe inside HTML (element text and quoted attributes).</summary>
    public static string Encode(string? text) => WebUtility.HtmlEncode(text ?? "");
}
