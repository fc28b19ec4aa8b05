using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;

namespace LayerNet.Runner.Tests.Commands;

/// <summary>
/// The real <c>layernet</c> executable as a child process (<c>dotnet layernet.dll ...</c>): its standard output
/// line by line as it comes, its standard error, POSIX signals, and its exit.
/// </summary>
internal sealed partial class RunnerProcess : IDisposable
{
    public const int SignalHangUp = 1;
    public const int SignalInterrupt = 2;
    public const int SignalKill = 9;
    public const int SignalTerminate = 15;

    private readonly Process _process;
    private readonly Lock _gate = new();
    private readonly List<string> _lines = [];
    private readonly StringBuilder _error = new();

    private RunnerProcess(Process process)
    {
        _process = process;
    }

    /// <summary>The executable beside the test assembly (the test project references the runner).</summary>
    public static string Executable => Path.Combine(AppContext.BaseDirectory, "layernet.dll");

    /// <summary>The child's process id (the one signals go to).</summary>
    public int Id => _process.Id;

    /// <summary>True once the child has exited.</summary>
    public bool HasExited => _process.HasExited;

    /// <summary>Standard output so far.</summary>
    public string Output
    {
        get
        {
            lock (_gate)
            {
                return string.Join('\n', _lines);
            }
        }
    }

    /// <summary>Standard error so far.</summary>
    public string Error
    {
        get
        {
            lock (_gate)
            {
                return _error.ToString();
            }
        }
    }

    /// <summary>Starts <c>dotnet layernet.dll ARGS</c> in <paramref name="workingDirectory"/> with redirected output.</summary>
    public static RunnerProcess Start(string workingDirectory, params string[] args)
    {
        var start = new ProcessStartInfo
        {
            FileName = DotnetHost(),
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        if (SignalsIgnoredHere())
        {
            // A child inherits ignored signals (a test run started in the background ignores SIGINT, one under
            // nohup SIGHUP), and .NET does not handle a signal that was ignored when it started. Reset them.
            start.FileName = "/usr/bin/env";
            start.ArgumentList.Add("--default-signal=HUP,INT,TERM");
            start.ArgumentList.Add(DotnetHost());
        }

        start.ArgumentList.Add(Executable);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        var process = new Process { StartInfo = start };
        var runner = new RunnerProcess(process);
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (runner._gate)
                {
                    runner._lines.Add(e.Data);
                }
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (runner._gate)
                {
                    runner._error.Append(e.Data).Append('\n');
                }
            }
        };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return runner;
    }

    /// <summary>Runs <c>dotnet layernet.dll ARGS</c> to its end (at most a minute).</summary>
    public static CommandRun Run(string workingDirectory, params string[] args)
    {
        using var runner = Start(workingDirectory, args);
        var code = runner.WaitForExit(TimeSpan.FromSeconds(60));
        return new CommandRun(code, runner.Output, runner.Error);
    }

    /// <summary>Waits for a line of standard output that <paramref name="predicate"/> accepts, looking at the lines after <paramref name="from"/>; fails the test on timeout or exit.</summary>
    public (string Line, int Index) WaitForLine(Func<string, bool> predicate, TimeSpan timeout, int from = 0)
    {
        var clock = Stopwatch.StartNew();
        var next = from;
        while (true)
        {
            lock (_gate)
            {
                for (; next < _lines.Count; next++)
                {
                    if (predicate(_lines[next]))
                    {
                        return (_lines[next], next);
                    }
                }
            }

            if (_process.HasExited)
            {
                // Let the last lines arrive before deciding.
                _process.WaitForExit();
                lock (_gate)
                {
                    if (next == _lines.Count)
                    {
                        Assert.Fail($"layernet exited ({_process.ExitCode}) before the expected line.\nstdout (end): {Tail()}\nstderr: {Error}");
                    }
                }

                continue;
            }

            if (clock.Elapsed > timeout)
            {
                Assert.Fail($"the expected line did not come within {timeout.TotalSeconds} s.\nstdout (end): {Tail()}\nstderr: {Error}");
            }

            Thread.Sleep(20);
        }
    }

    /// <summary>Sends a POSIX signal to the child.</summary>
    public void Signal(int signal)
    {
        if (Kill(_process.Id, signal) != 0)
        {
            Assert.Fail($"kill({_process.Id}, {signal}) failed: errno {Marshal.GetLastPInvokeError()}");
        }
    }

    /// <summary>Waits for the exit and returns the exit code; kills the child and fails the test on timeout.</summary>
    public int WaitForExit(TimeSpan timeout)
    {
        if (!_process.WaitForExit(timeout))
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
            Assert.Fail($"layernet did not exit within {timeout.TotalSeconds} s.\nstdout (end): {Tail()}\nstderr: {Error}");
        }

        // The parameterless wait also waits for the redirected streams to be read to their end.
        _process.WaitForExit();
        return _process.ExitCode;
    }

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit();
            }
        }
        catch (InvalidOperationException)
        {
            // Never started, or already gone.
        }

        _process.Dispose();
    }

    private string Tail()
    {
        lock (_gate)
        {
            return string.Join('\n', _lines.Skip(Math.Max(0, _lines.Count - 20)));
        }
    }

    private static string DotnetHost()
    {
        var host = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH");
        return !string.IsNullOrEmpty(host) && File.Exists(host) ? host : "dotnet";
    }

    /// <summary>True when this process ignores SIGHUP, SIGINT or SIGTERM (bits 0, 1 and 14 of SigIgn).</summary>
    private static bool SignalsIgnoredHere()
    {
        const string statusFile = "/proc/self/status";
        if (!File.Exists(statusFile))
        {
            return false;
        }

        foreach (var line in File.ReadLines(statusFile))
        {
            if (line.StartsWith("SigIgn:", StringComparison.Ordinal))
            {
                var mask = Convert.ToUInt64(line["SigIgn:".Length..].Trim(), 16);
                return (mask & ((1UL << (SignalHangUp - 1)) | (1UL << (SignalInterrupt - 1)) | (1UL << (SignalTerminate - 1)))) != 0;
            }
        }

        return false;
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}
