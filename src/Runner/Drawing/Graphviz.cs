using System.Diagnostics;
using LayerNet.Errors;

namespace LayerNet.Runner.Drawing;

/// <summary>Renders DOT text to SVG or PNG with Graphviz's <c>dot</c> program, found on PATH.</summary>
internal static class Graphviz
{
    /// <summary>The program's name.</summary>
    public const string Program = "dot";

    /// <summary>The full path of <c>dot</c> on PATH, or null when it is not installed.</summary>
    public static string? Find()
    {
        var path = Environment.GetEnvironmentVariable("PATH") ?? string.Empty;
        foreach (var folder in path.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            foreach (var name in OperatingSystem.IsWindows() ? new[] { Program + ".exe", Program } : [Program])
            {
                var candidate = Path.Combine(folder, name);
                if (File.Exists(candidate))
                {
                    return candidate;
                }
            }
        }

        return null;
    }

    /// <summary>The full path of <c>dot</c>; a one-line error naming the package when it is missing.</summary>
    /// <exception cref="LayerNetException"><c>dot</c> is not on PATH.</exception>
    public static string Require(string outputFile, string format)
    {
        ArgumentNullException.ThrowIfNull(outputFile);
        ArgumentNullException.ThrowIfNull(format);
        return Find() ?? throw new LayerNetException(
            $"'{outputFile}': drawing {format.ToUpperInvariant()} needs Graphviz's '{Program}' program, which is not on PATH; " +
            $"install the package graphviz (apt-get install graphviz), or write DOT with -o {Path.ChangeExtension(Path.GetFileName(outputFile), ".dot")}");
    }

    /// <summary>Writes <paramref name="dot"/> rendered as <paramref name="format"/> (svg or png) to <paramref name="outputFile"/>.</summary>
    /// <exception cref="LayerNetException"><c>dot</c> is missing, fails, or the file cannot be written.</exception>
    public static void Render(string dot, string format, string outputFile)
    {
        ArgumentNullException.ThrowIfNull(dot);
        var program = Require(outputFile, format);
        var start = new ProcessStartInfo
        {
            FileName = program,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardInputEncoding = new System.Text.UTF8Encoding(encoderShouldEmitUTF8Identifier: false),
        };
        start.ArgumentList.Add($"-T{format}");
        start.ArgumentList.Add("-o");
        start.ArgumentList.Add(Path.GetFullPath(outputFile));
        using var process = Process.Start(start) ?? throw new LayerNetException($"'{outputFile}': could not start '{program}'");
        var error = process.StandardError.ReadToEndAsync();
        var output = process.StandardOutput.ReadToEndAsync();
        process.StandardInput.Write(dot);
        process.StandardInput.Close();
        process.WaitForExit();
        var message = error.GetAwaiter().GetResult();
        output.GetAwaiter().GetResult();
        if (process.ExitCode != 0 || !File.Exists(outputFile))
        {
            var firstLine = message.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault() ?? $"exit code {process.ExitCode}";
            throw new LayerNetException($"'{outputFile}': {Program} failed: {firstLine}");
        }
    }
}
