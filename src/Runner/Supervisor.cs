using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;
using LayerNet.Plugins;

namespace LayerNet.Runner;

/// <summary>
/// Runs a command that loads plugins in a child process of the same executable, because a plugin's code that
/// recurses without end overflows the stack, and a .NET process cannot survive that: the runtime prints its trace and
/// aborts. The child inherits standard input and output; its standard error comes through byte for byte (progress
/// lines included: the child is told when the parent's standard error is a terminal) until the runtime's "Stack
/// overflow." report, which the parent replaces with one line naming the method that recursed and its caller, exit 1.
/// SIGINT, SIGTERM and SIGHUP are passed on to the child; otherwise the child's exit code is the parent's.
/// </summary>
internal static partial class Supervisor
{
    /// <summary>Set in the child's environment: it runs the command itself.</summary>
    public const string ChildVariable = "LAYERNET_SUPERVISED";

    /// <summary>Set to 1 in the child's environment when the parent's standard error is a terminal.</summary>
    public const string ErrorTerminalVariable = "LAYERNET_STDERR_TERMINAL";

    private const int SignalKill = 9;
    private const int SetParentDeathSignal = 1;
    private const int KeptTraceBytes = 64 * 1024;
    private static readonly byte[] Marker = Encoding.ASCII.GetBytes("Stack overflow.");

    /// <summary>True in the child a supervisor started.</summary>
    public static bool IsChild => Environment.GetEnvironmentVariable(ChildVariable) == "1";

    /// <summary>True when standard error is a terminal, or is the pipe of a supervisor whose standard error is one.</summary>
    public static bool ErrorIsTerminal => !Console.IsErrorRedirected || (IsChild && Environment.GetEnvironmentVariable(ErrorTerminalVariable) == "1");

    /// <summary>True when this command line loads plugins (<c>--plugin</c> or LAYERNET_PLUGIN_PATH) and no supervisor runs it yet.</summary>
    public static bool IsNeeded(string[] args)
    {
        ArgumentNullException.ThrowIfNull(args);
        if (IsChild || OperatingSystem.IsWindows())
        {
            return false;
        }

        return !string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable(PluginLoader.PathVariable))
            || args.Any(a => a == "--plugin" || a.StartsWith("--plugin=", StringComparison.Ordinal) || a.StartsWith("--plugin:", StringComparison.Ordinal));
    }

    /// <summary>In the child: dies with the supervisor (a SIGKILL to the parent leaves no orphan behind).</summary>
    public static void FollowParent()
    {
        if (IsChild && OperatingSystem.IsLinux())
        {
            _ = SetProcessControl(SetParentDeathSignal, SignalKill);
        }
    }

    /// <summary>Runs <paramref name="args"/> in a supervised child and returns its exit code (1 after a stack overflow).</summary>
    public static int Run(string[] args)
    {
        var start = new ProcessStartInfo
        {
            FileName = Environment.ProcessPath ?? "dotnet",
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (Path.GetFileNameWithoutExtension(start.FileName) == "dotnet")
        {
            // `dotnet layernet.dll ...`: the child is started the same way.
            start.ArgumentList.Add(typeof(Supervisor).Assembly.Location);
        }

        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment[ChildVariable] = "1";
        start.Environment[ErrorTerminalVariable] = Console.IsErrorRedirected ? "0" : "1";
        using var child = Process.Start(start)!;
        void Forward(PosixSignalContext context)
        {
            context.Cancel = true;
            _ = Kill(child.Id, context.Signal switch { PosixSignal.SIGINT => 2, PosixSignal.SIGTERM => 15, _ => 1 });
        }

        using var onInterrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Forward);
        using var onTerminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Forward);
        using var onHangUp = PosixSignalRegistration.Create(PosixSignal.SIGHUP, Forward);
        var trace = Pump(child.StandardError.BaseStream, Console.OpenStandardError());
        child.WaitForExit();
        if (trace is null)
        {
            return child.ExitCode;
        }

        Console.Error.WriteLine(Describe(Encoding.UTF8.GetString(trace)));
        return 1;
    }

    /// <summary>The one line that replaces the runtime's stack-overflow report.</summary>
    internal static string Describe(string trace)
    {
        var frames = new List<string>();
        var repeated = new List<string>();
        string? times = null;
        var inRepeat = false;
        string? caller = null;
        foreach (var raw in trace.Split('\n'))
        {
            var line = raw.TrimEnd('\r');
            if (line.StartsWith("Repeated ", StringComparison.Ordinal))
            {
                times = line["Repeated ".Length..].Split(' ')[0];
                continue;
            }

            if (line.StartsWith("----", StringComparison.Ordinal))
            {
                inRepeat = times is not null && !inRepeat && repeated.Count == 0;
                continue;
            }

            if (!line.StartsWith("   at ", StringComparison.Ordinal))
            {
                continue;
            }

            var frame = line["   at ".Length..].Trim();
            if (inRepeat)
            {
                repeated.Add(frame);
            }
            else if (repeated.Count > 0)
            {
                caller ??= frame;
            }
            else
            {
                frames.Add(frame);
            }
        }

        if (repeated.Count > 0)
        {
            var from = caller is null ? string.Empty : $", called from {caller}";
            return $"stack overflow in {string.Join(" -> ", repeated)}{from}: it recursed without end ({times} times); the run stopped";
        }

        return frames.Count > 0
            ? $"stack overflow in {frames[0]}{(frames.Count > 1 ? $", called from {frames[1]}" : string.Empty)}: the run stopped"
            : "stack overflow: the run stopped";
    }

    // Copies the child's standard error through until "Stack overflow." begins a line; returns what follows it (up to
    // KeptTraceBytes), or null when it never came. A line start that might be the marker is held back until it is
    // known not to be.
    private static byte[]? Pump(Stream from, Stream to)
    {
        var buffer = new byte[16 * 1024];
        var held = new List<byte>();
        var atLineStart = true;
        MemoryStream? trace = null;
        int read;
        while ((read = from.Read(buffer)) > 0)
        {
            if (trace is not null)
            {
                trace.Write(buffer, 0, (int)Math.Min(read, Math.Max(0, KeptTraceBytes - trace.Length)));
                continue;
            }

            var pending = new List<byte>(held.Count + read);
            pending.AddRange(held);
            pending.AddRange(buffer.AsSpan(0, read));
            held.Clear();
            var data = pending.ToArray();
            var written = 0;
            for (var i = 0; i < data.Length; i++)
            {
                if (atLineStart && data[i] == Marker[0])
                {
                    var available = Math.Min(Marker.Length, data.Length - i);
                    if (data.AsSpan(i, available).SequenceEqual(Marker.AsSpan(0, available)))
                    {
                        if (available < Marker.Length)
                        {
                            to.Write(data, written, i - written);
                            held.AddRange(data.AsSpan(i));
                            written = data.Length;
                            break;
                        }

                        to.Write(data, written, i - written);
                        trace = new MemoryStream();
                        trace.Write(data, i, Math.Min(data.Length - i, KeptTraceBytes));
                        written = data.Length;
                        break;
                    }
                }

                atLineStart = data[i] is (byte)'\n' or (byte)'\r';
            }

            if (written < data.Length)
            {
                to.Write(data, written, data.Length - written);
            }

            to.Flush();
        }

        if (held.Count > 0)
        {
            to.Write([.. held]);
            to.Flush();
        }

        return trace?.ToArray();
    }

    [LibraryImport("libc", EntryPoint = "kill")]
    private static partial int Kill(int pid, int signal);

    [LibraryImport("libc", EntryPoint = "prctl")]
    private static partial int SetProcessControl(int option, long argument);
}
