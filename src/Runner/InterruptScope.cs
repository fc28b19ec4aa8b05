using System.Runtime.InteropServices;
using System.Runtime.Loader;
using LayerNet.Layers;
using LayerNet.Nets;

namespace LayerNet.Runner;

/// <summary>
/// SIGINT and SIGTERM while a command runs nets (train, test, forward, time, classify). Where the command can stop
/// cleanly (training, after the current iteration), the first signal asks it to; a signal that comes while such a
/// request is still waiting (a layer that does not return never lets it be served), or any signal where the command
/// has no clean stop, exits at once with code 130 and one line naming the layer that was running, read from
/// <see cref="Net.CurrentLayer"/>.
/// </summary>
internal sealed class InterruptScope : IDisposable
{
    /// <summary>The exit code of an interrupted run (128 + SIGINT, as a shell reports it).</summary>
    public const int ExitCode = 130;

    private const long EchoMilliseconds = 250;

    private readonly TextWriter _error;
    private readonly Action? _stop;
    private readonly bool _ignore;
    private readonly PosixSignalRegistration _interrupt;
    private readonly PosixSignalRegistration _terminate;
    private int _pending;
    private long _lastSignalAt;
    private PosixSignal _lastSignal;

    private InterruptScope(TextWriter error, Action? stop, bool ignore)
    {
        _error = error;
        _stop = stop;
        _ignore = ignore;
        _interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
        _terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
    }

    /// <summary>
    /// Handles SIGINT and SIGTERM until disposed: <paramref name="stop"/> (when given) asks the run to stop cleanly
    /// at the first signal; <paramref name="ignore"/> makes both signals do nothing (train's <c>--sigint_effect none</c>).
    /// </summary>
    public static InterruptScope Start(TextWriter error, Action? stop = null, bool ignore = false)
    {
        ArgumentNullException.ThrowIfNull(error);
        return new InterruptScope(error, stop, ignore);
    }

    /// <summary>The line an interrupt prints: the layer running and where it comes from, if one is.</summary>
    public static string Describe(Layer? layer)
    {
        if (layer is null)
        {
            return "interrupted";
        }

        var type = layer.GetType();
        var source = AssemblyLoadContext.GetLoadContext(type.Assembly) == AssemblyLoadContext.Default
            ? "built in"
            : $"plugin '{type.Assembly.Location}'";
        return $"interrupted: layer '{layer.Name}' (type '{layer.Type}', {source}) did not return";
    }

    /// <summary>The run has reached a point where it reads the stop request: a later signal asks again.</summary>
    public void Served() => Volatile.Write(ref _pending, 0);

    /// <inheritdoc/>
    public void Dispose()
    {
        _interrupt.Dispose();
        _terminate.Dispose();
    }

    // Under a supervisor, a Ctrl+C reaches the child twice: from the terminal (the whole process group) and passed
    // on by the parent. The same signal again within EchoMilliseconds is that echo, not a second request.
    private bool IsEcho(PosixSignal signal)
    {
        var now = Environment.TickCount64;
        var echo = Supervisor.IsChild && signal == _lastSignal && now - _lastSignalAt < EchoMilliseconds;
        _lastSignal = signal;
        _lastSignalAt = now;
        return echo;
    }

    private void OnSignal(PosixSignalContext context)
    {
        context.Cancel = true;
        if (_ignore || IsEcho(context.Signal))
        {
            return;
        }

        if (_stop is not null && Interlocked.Exchange(ref _pending, 1) == 0)
        {
            _stop();
            return;
        }

        _error.WriteLine(Describe(Net.CurrentLayer));
        _error.Flush();
        Environment.Exit(ExitCode);
    }
}
