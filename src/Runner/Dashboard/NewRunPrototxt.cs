using System.Collections;
using Caffe;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using LayerNet.Errors;
using LayerNet.Files;
using LayerNet.Plugins;

namespace LayerNet.Runner.Dashboard;

/// <summary>
/// The checks a solver or net text passes before it is saved or trained: the prototxt reader's own (errors at
/// file(line,col)), and, because the training child reads and writes what these files name, that every file they
/// name (net, test nets, weights, snapshot prefix, data sources, mean files) lies under the root, read from the folder
/// the child trains in (the solver's) and from the naming file's folder.
/// </summary>
internal static class NewRunPrototxt
{
    /// <summary>The largest prototxt the editor loads or saves.</summary>
    public const int MaxBytes = 1 << 20;

    private static readonly HashSet<string> FileFields = new(StringComparer.Ordinal) { "source", "mean_file", "file_name" };

    /// <summary>The kind of a text: <paramref name="kind"/> when given (solver or net), else by its file name.</summary>
    /// <exception cref="LayerNetException">An unknown kind.</exception>
    public static string KindOf(string? kind, string path) => kind switch
    {
        "solver" or "net" => kind,
        null or "" => System.IO.Path.GetFileName(path).Contains("solver", StringComparison.OrdinalIgnoreCase) ? "solver" : "net",
        _ => throw new LayerNetException($"kind '{kind}': expected solver or net"),
    };

    /// <summary>Checks a text to be saved as <paramref name="relative"/> (a .prototxt under the root).</summary>
    public static NewRunCheck Check(DashboardRoot root, string relative, string kind, string text)
    {
        ArgumentNullException.ThrowIfNull(root);
        try
        {
            Require(root, relative, kind, text);
            return new NewRunCheck(true, kind, null, null, null);
        }
        catch (LayerNetException exception)
        {
            return new NewRunCheck(false, kind, LayerNetCommandLine.OneLine(exception.Message), exception.Position?.Line, exception.Position?.Column);
        }
    }

    /// <summary>The file <paramref name="relative"/> must be a .prototxt path under the root.</summary>
    /// <exception cref="DashboardPathException">It leaves the root.</exception>
    /// <exception cref="LayerNetException">It is no .prototxt file name.</exception>
    public static string RequirePrototxtPath(DashboardRoot root, string? relative)
    {
        ArgumentNullException.ThrowIfNull(root);
        var full = root.Resolve(relative);
        if (!full.EndsWith(".prototxt", StringComparison.OrdinalIgnoreCase) || Directory.Exists(full))
        {
            throw new LayerNetException($"'{relative}': only .prototxt files are read and written here");
        }

        return full;
    }

    /// <summary>Reads a .prototxt file under the root (at most <see cref="MaxBytes"/>).</summary>
    public static string ReadText(DashboardRoot root, string? relative)
    {
        var full = RequirePrototxtPath(root, relative);
        if (!File.Exists(full))
        {
            throw new LayerNetException($"'{relative}': no such file under the root");
        }

        if (new FileInfo(full).Length > MaxBytes)
        {
            throw new LayerNetException($"'{relative}': larger than {MaxBytes >> 20} MiB, not a prototxt to edit here");
        }

        return MessageFile.ReadAllText(full);
    }

    /// <summary>The solver file on disk, and the net it names, must read and stay under the root: what a run is started from.</summary>
    /// <exception cref="LayerNetException">What the reader or the checks found, at its file, line and column.</exception>
    public static void RequireValidSolver(DashboardRoot root, string? relative)
    {
        ArgumentNullException.ThrowIfNull(root);
        Require(root, relative!, "solver", ReadText(root, relative));
    }

    /// <summary>For a solver file, the net file it names, relative to the root, or null (an inline net, or none found).</summary>
    public static string? NetOf(DashboardRoot root, string relative, string text)
    {
        ArgumentNullException.ThrowIfNull(root);
        try
        {
            var solver = ParameterExtensions.None.Reader.Parse<SolverParameter>(text, relative);
            var net = solver.Net.Length > 0 ? solver.Net : solver.TrainNet;
            return net.Length > 0 && Locate(root, relative, net) is { } full && File.Exists(full) ? root.Relative(full) : null;
        }
        catch (LayerNetException)
        {
            return null;
        }
    }

    private static void Require(DashboardRoot root, string relative, string kind, string text)
    {
        var working = System.IO.Path.GetDirectoryName(RequirePrototxtPath(root, relative))!;
        if (kind == "net")
        {
            var net = ParameterExtensions.None.Reader.Parse<NetParameter>(text, relative);
            RequireNamedFilesUnderRoot(root, working, relative, net);
            return;
        }

        var solver = ParameterExtensions.None.Reader.Parse<SolverParameter>(text, relative);
        var nets = new[] { solver.Net, solver.TrainNet }.Concat(solver.TestNet).Where(n => n.Length > 0).ToList();
        if (nets.Count == 0 && solver.NetParam is null && solver.TrainNetParam is null)
        {
            throw new LayerNetException($"{relative}: the solver names no net (net: \"net.prototxt\")");
        }

        foreach (var name in nets.Concat(solver.Weights))
        {
            var full = RequireUnderRoot(root, working, relative, name, "net");
            if (!File.Exists(full))
            {
                throw new LayerNetException($"{relative}: '{name}': no such file under the root");
            }

            if (name.EndsWith(".prototxt", StringComparison.OrdinalIgnoreCase))
            {
                var netRelative = root.Relative(full);
                var net = ParameterExtensions.None.Reader.Parse<NetParameter>(ReadText(root, netRelative), netRelative);
                RequireNamedFilesUnderRoot(root, working, netRelative, net);
            }
        }

        foreach (var inline in new IMessage?[] { solver.NetParam, solver.TrainNetParam }.Concat(solver.TestNetParam).OfType<IMessage>())
        {
            RequireNamedFilesUnderRoot(root, working, relative, inline);
        }

        if (solver.SnapshotPrefix.Length > 0)
        {
            RequireUnderRoot(root, working, relative, solver.SnapshotPrefix, "snapshot_prefix");
        }
    }

    // Every data source, mean file and output file in a net: the child reads or writes them.
    private static void RequireNamedFilesUnderRoot(DashboardRoot root, string working, string relative, IMessage message)
    {
        foreach (var field in message.Descriptor.Fields.InDeclarationOrder())
        {
            var value = field.Accessor.GetValue(message);
            if (field.FieldType == FieldType.Message)
            {
                var items = field.IsRepeated ? ((IList)value).Cast<IMessage>() : field.Accessor.HasValue(message) ? [(IMessage)value] : [];
                foreach (var item in items)
                {
                    RequireNamedFilesUnderRoot(root, working, relative, item);
                }
            }
            else if (field.FieldType == FieldType.String && FileFields.Contains(field.Name) && !field.IsRepeated && value is string { Length: > 0 } file)
            {
                RequireUnderRoot(root, working, relative, file, field.Name);
            }
        }
    }

    // A file a solver or net names, as the child resolves it: from its working folder (the solver's) when there, else
    // beside the naming file; both readings must stay under the root.
    private static string RequireUnderRoot(DashboardRoot root, string working, string naming, string name, string what)
    {
        var beside = System.IO.Path.Combine(System.IO.Path.GetDirectoryName(root.Resolve(naming))!, name);
        var fromWorking = System.IO.Path.Combine(working, name);
        if (Inside(root, fromWorking) is not { } first || Inside(root, beside) is not { } second)
        {
            throw new LayerNetException($"{naming}: {what} '{name}' is outside the dashboard's root; a run started here reads and writes only under it");
        }

        return File.Exists(first) || Directory.Exists(first) ? first : second;
    }

    private static string? Locate(DashboardRoot root, string naming, string name)
    {
        try
        {
            return RequireUnderRoot(root, System.IO.Path.GetDirectoryName(root.Resolve(naming))!, naming, name, "file");
        }
        catch (LayerNetException)
        {
            return null;
        }
    }

    private static string? Inside(DashboardRoot root, string path) =>
        root.TryResolve(root.Relative(System.IO.Path.GetFullPath(path)));
}
