using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;

namespace LayerNet.Runner.Tests.Hostile;

/// <summary>
/// One hostile attempt on the real <c>layernet</c> executable, run as a user's shell would run it: a child process
/// under a memory bound (<c>ulimit -v</c>) and a time limit, with the files it could touch recorded before and after.
/// <see cref="HostileResult.AssertRefused"/> checks everything the issue promises of bad input at once: exit code 1,
/// exactly one line on standard error naming the place, no stack trace, no abort, no hang, nothing lost or replaced.
/// </summary>
internal static class HostileRun
{
    /// <summary>The address-space bound every attempt runs under (3 GiB: the runtime needs about 2 to start).</summary>
    public const long MemoryLimitKiB = 3L * 1024 * 1024;

    /// <summary>The time an attempt may take before it counts as a hang.</summary>
    public static readonly TimeSpan DefaultLimit = TimeSpan.FromSeconds(60);

    private const int KeptOutputChars = 64 * 1024;

    /// <summary>
    /// Runs <c>layernet ARGS</c> in <paramref name="folder"/> under <see cref="MemoryLimitKiB"/>; records every path
    /// under <paramref name="folder"/> and the <paramref name="watched"/> paths (files, links, devices, FIFOs) before
    /// and after. Standard input is empty unless <paramref name="input"/> is given; <paramref name="environment"/>
    /// adds or (with a null value) removes variables. <paramref name="redirect"/> is a shell redirection of the
    /// child's standard output (<c>&gt;/dev/full</c>, <c>&gt;&amp;-</c>), for attempts on an output that cannot be written;
    /// <paramref name="prefix"/> is a command that runs the executable (<c>setpriv ...</c>, to drop root's right to
    /// read any file).
    /// </summary>
    public static HostileResult Run(
        string folder,
        string[] args,
        IEnumerable<string>? watched = null,
        IReadOnlyDictionary<string, string?>? environment = null,
        TimeSpan? limit = null,
        string? input = null,
        string? redirect = null,
        IEnumerable<string>? prefix = null)
    {
        var watchedPaths = (watched ?? []).ToArray();
        var before = FileSnapshot.Take(folder, watchedPaths);
        var start = new ProcessStartInfo
        {
            FileName = "/bin/sh",
            WorkingDirectory = folder,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };

        // sh -c 'ulimit -v N && exec "$@"' sh dotnet layernet.dll ARGS: the bound applies to layernet alone. Signals a
        // background test run ignores are reset, as RunnerProcess does, so SIGINT tests mean what they say.
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add($"ulimit -v {MemoryLimitKiB} && exec /usr/bin/env --default-signal=HUP,INT,TERM \"$@\" {redirect}");
        start.ArgumentList.Add("sh");
        foreach (var word in prefix ?? [])
        {
            start.ArgumentList.Add(word);
        }

        start.ArgumentList.Add(DotnetHost());
        start.ArgumentList.Add(Commands.RunnerProcess.Executable);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        foreach (var (name, value) in environment ?? new Dictionary<string, string?>())
        {
            if (value is null)
            {
                start.Environment.Remove(name);
            }
            else
            {
                start.Environment[name] = value;
            }
        }

        using var process = new Process { StartInfo = start };
        var output = new BoundedText(KeptOutputChars);
        var error = new BoundedText(KeptOutputChars);
        process.OutputDataReceived += (_, e) => output.AppendLine(e.Data);
        process.ErrorDataReceived += (_, e) => error.AppendLine(e.Data);
        var clock = Stopwatch.StartNew();
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        if (input is not null)
        {
            process.StandardInput.Write(input);
        }

        process.StandardInput.Close();
        var timeLimit = limit ?? DefaultLimit;
        var timedOut = !process.WaitForExit(timeLimit);
        if (timedOut)
        {
            process.Kill(entireProcessTree: true);
        }

        process.WaitForExit();
        var after = FileSnapshot.Take(folder, watchedPaths);
        return new HostileResult(args, process.ExitCode, output.Text, error.Text, timedOut, clock.Elapsed, before, after);
    }

    private static string DotnetHost()
    {
        var host = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH");
        return !string.IsNullOrEmpty(host) && File.Exists(host) ? host : "dotnet";
    }

    /// <summary>Text received line by line, keeping the first <c>capacity</c> characters (a hostile attempt may print without end).</summary>
    private sealed class BoundedText(int capacity)
    {
        private readonly StringBuilder _text = new();

        public string Text
        {
            get
            {
                lock (_text)
                {
                    return _text.ToString();
                }
            }
        }

        public void AppendLine(string? line)
        {
            if (line is null)
            {
                return;
            }

            lock (_text)
            {
                if (_text.Length < capacity)
                {
                    _text.Append(line.AsSpan(0, Math.Min(line.Length, capacity - _text.Length))).Append('\n');
                }
            }
        }
    }
}

/// <summary>What one hostile attempt did: exit, outputs, whether it hung, and the files before and after.</summary>
internal sealed record HostileResult(
    string[] Args,
    int ExitCode,
    string Output,
    string Error,
    bool TimedOut,
    TimeSpan Elapsed,
    FileSnapshot Before,
    FileSnapshot After)
{
    /// <summary>Standard error's non-empty lines.</summary>
    public string[] ErrorLines =>
        [.. Error.Split('\n').Select(line => line.TrimEnd('\r')).Where(line => line.Length > 0)];

    /// <summary>
    /// Asserts the promise for bad input: no hang, exit code 1 (not a signal, not an abort), exactly one line on
    /// standard error containing <paramref name="expected"/>, no stack trace, and every recorded path as it was.
    /// </summary>
    public void AssertRefused(string expected) => AssertRefused(expected, exitCode: 1);

    /// <summary>As <see cref="AssertRefused(string)"/> with another exit code (130 for an interrupt).</summary>
    public void AssertRefused(string expected, int exitCode)
    {
        Assert.Multiple(() =>
        {
            Assert.That(TimedOut, Is.False, $"hung: no exit within the limit ({Describe()})");
            Assert.That(ExitCode, Is.EqualTo(exitCode), Describe());
            Assert.That(ErrorLines, Has.Length.EqualTo(1), Describe());
            Assert.That(Error, Does.Contain(expected), Describe());
            AssertNoCrashText();
            AssertFilesKept();
        });
    }

    /// <summary>Asserts a clean success: exit 0 within the limit, no stack trace.</summary>
    public void AssertSucceeded()
    {
        Assert.Multiple(() =>
        {
            Assert.That(TimedOut, Is.False, $"hung: no exit within the limit ({Describe()})");
            Assert.That(ExitCode, Is.EqualTo(0), Describe());
            AssertNoCrashText();
        });
    }

    /// <summary>Asserts that every recorded path has the same kind, content and link target as before.</summary>
    public void AssertFilesKept() =>
        Assert.That(After.Differences(Before), Is.Empty, $"files changed ({Describe()})");

    private void AssertNoCrashText()
    {
        foreach (var marker in new[] { "   at ", "Unhandled exception", "Out of memory.", "Stack overflow.", "Fatal error." })
        {
            Assert.That(Error + Output, Does.Not.Contain(marker), Describe());
        }
    }

    private string Describe() =>
        $"layernet {string.Join(' ', Args)} -> exit {ExitCode} after {Elapsed.TotalSeconds:F1} s\nstderr: {Error}\nstdout (start): {Output[..Math.Min(Output.Length, 2000)]}";
}

/// <summary>
/// The state of a set of paths: for each, its kind (file, folder, link, FIFO, device, missing), a link's target and
/// a regular file's length and SHA-256. Folders are walked (links are not followed).
/// </summary>
internal sealed partial class FileSnapshot
{
    private const int SFmt = 0xF000;
    private readonly SortedDictionary<string, string> _entries;

    private FileSnapshot(SortedDictionary<string, string> entries) => _entries = entries;

    /// <summary>Records <paramref name="folder"/> (recursively) and the <paramref name="paths"/> themselves.</summary>
    public static FileSnapshot Take(string folder, IEnumerable<string> paths)
    {
        var entries = new SortedDictionary<string, string>(StringComparer.Ordinal);
        Record(folder, entries, walk: true);
        foreach (var path in paths)
        {
            Record(path, entries, walk: false);
        }

        return new FileSnapshot(entries);
    }

    /// <summary>One line per path whose state differs from <paramref name="earlier"/>'s.</summary>
    public IReadOnlyList<string> Differences(FileSnapshot earlier)
    {
        var lines = new List<string>();
        foreach (var path in earlier._entries.Keys.Union(_entries.Keys).Order(StringComparer.Ordinal))
        {
            var was = earlier._entries.GetValueOrDefault(path, "missing");
            var now = _entries.GetValueOrDefault(path, "missing");
            if (was != now)
            {
                lines.Add($"{path}: {was} -> {now}");
            }
        }

        return lines;
    }

    private static void Record(string path, SortedDictionary<string, string> entries, bool walk)
    {
        var kind = Kind(path);
        switch (kind)
        {
            case "file":
                var info = new FileInfo(path);
                entries[path] = info.Length <= 256L * 1024 * 1024
                    ? $"file {info.Length} {Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(path)))[..16]}"
                    : $"file {info.Length} {info.LastWriteTimeUtc.Ticks}";
                break;
            case "link":
                entries[path] = $"link -> {new FileInfo(path).LinkTarget}";
                break;
            case "folder":
                entries[path] = "folder";
                if (walk)
                {
                    foreach (var child in Directory.EnumerateFileSystemEntries(path))
                    {
                        Record(child, entries, walk: true);
                    }
                }

                break;
            default:
                entries[path] = kind;
                break;
        }
    }

    /// <summary>The kind of <paramref name="path"/> itself (a link is not followed), from lstat's mode bits.</summary>
    public static string Kind(string path)
    {
        var buffer = new byte[256];
        if (LStat(path, buffer) != 0)
        {
            return "missing";
        }

        // struct stat: st_mode is at byte 24 on x86-64 (dev, ino, nlink are 8 bytes each) and at 16 on arm64.
        var modeOffset = RuntimeInformation.ProcessArchitecture == Architecture.X64 ? 24 : 16;
        var mode = BitConverter.ToInt32(buffer, modeOffset) & SFmt;
        return mode switch
        {
            0x8000 => "file",
            0x4000 => "folder",
            0xA000 => "link",
            0x1000 => "fifo",
            0x2000 => "char device",
            0x6000 => "block device",
            0xC000 => "socket",
            _ => $"mode {mode:x}",
        };
    }

    [LibraryImport("libc", EntryPoint = "lstat", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int LStat(string path, byte[] buffer);
}
