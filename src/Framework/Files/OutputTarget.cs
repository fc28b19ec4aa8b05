using System.Runtime.InteropServices;
using LayerNet.Errors;
using Microsoft.Win32.SafeHandles;

namespace LayerNet.Files;

/// <summary>
/// Writes one output file as the user means it, whatever the path names: a regular file (or a new one) is replaced
/// atomically (a temporary file beside it, flushed, then renamed over it); a symbolic link is written through (the
/// rename happens beside the link's final target, and the link stays a link); a character device (<c>/dev/full</c>,
/// <c>/dev/null</c>) is written in place; a FIFO is written in place when something reads it, opened without
/// blocking so that a FIFO nobody reads is a refusal, never a hang; a folder or any other kind is refused.
/// Every failure is a <see cref="LayerNetException"/> of one line that names the path as the user gave it.
/// </summary>
internal static partial class OutputTarget
{
    private const int SFmt = 0xF000;
    private const int SIfReg = 0x8000;
    private const int SIfDir = 0x4000;
    private const int SIfChr = 0x2000;
    private const int SIfIfo = 0x1000;
    private const int SIfBlk = 0x6000;
    private const int SIfSock = 0xC000;
    private const int OWrOnly = 0x1;
    private const int ONoCtty = 0x100;
    private const int ONonBlock = 0x800;
    private const int OCloExec = 0x80000;
    private const int FGetFl = 3;
    private const int FSetFl = 4;
    private const int Enxio = 6;

    /// <summary>The kinds of path an output may name, as <c>stat</c> tells them (links followed).</summary>
    internal enum Kind
    {
        /// <summary>Nothing there yet.</summary>
        Missing,

        /// <summary>A regular file.</summary>
        File,

        /// <summary>A folder.</summary>
        Folder,

        /// <summary>A character device (<c>/dev/full</c>, a terminal).</summary>
        CharacterDevice,

        /// <summary>A named pipe.</summary>
        Fifo,

        /// <summary>A block device.</summary>
        BlockDevice,

        /// <summary>A Unix socket.</summary>
        Socket,

        /// <summary>Anything else.</summary>
        Other,
    }

    /// <summary>Writes <paramref name="bytes"/> to <paramref name="path"/> as the kind of path it names requires (see the class).</summary>
    /// <exception cref="LayerNetException">The path is a folder or a kind that is not written, nothing reads the FIFO, or the write fails.</exception>
    public static void Write(string path, ReadOnlySpan<byte> bytes)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var target = FinalTarget(path);
        switch (KindOf(target))
        {
            case Kind.Missing:
            case Kind.File:
                WriteAtomic(path, target, bytes);
                break;
            case Kind.CharacterDevice:
            case Kind.Fifo:
                WriteInPlace(path, target, bytes);
                break;
            case Kind.Folder:
                throw new LayerNetException($"cannot write '{path}': it is a folder, expected a file");
            case var other:
                throw new LayerNetException($"cannot write '{path}': it is a {Describe(other)}, not a file, a character device or a FIFO; give a file");
        }
    }

    /// <summary>
    /// The path a write to <paramref name="path"/> lands on: the path itself, or a link's final target (a relative
    /// target taken from the link's folder). A link that leads nowhere still gives its final target, which the write creates.
    /// </summary>
    /// <exception cref="LayerNetException">The links loop or cannot be read.</exception>
    public static string FinalTarget(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        try
        {
            var current = Path.GetFullPath(path);
            for (var hops = 0; hops < 40; hops++)
            {
                var info = new FileInfo(current);
                if (info.LinkTarget is not { } next)
                {
                    return current;
                }

                current = Path.GetFullPath(next, Path.GetDirectoryName(current)!);
            }

            throw new LayerNetException($"cannot write '{path}': too many symbolic links (a loop?)");
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            throw new LayerNetException($"cannot write '{path}': {exception.Message}", exception);
        }
    }

    /// <summary>The kind of <paramref name="path"/> (a link followed to its target).</summary>
    public static Kind KindOf(string path)
    {
        var buffer = new byte[256];
        if (Stat(path, buffer) != 0)
        {
            return Kind.Missing;
        }

        // struct stat: st_mode is at byte 24 on x86-64 (dev, ino, nlink are 8 bytes each) and at 16 on arm64.
        var modeOffset = RuntimeInformation.ProcessArchitecture == Architecture.X64 ? 24 : 16;
        return (BitConverter.ToInt32(buffer, modeOffset) & SFmt) switch
        {
            SIfReg => Kind.File,
            SIfDir => Kind.Folder,
            SIfChr => Kind.CharacterDevice,
            SIfIfo => Kind.Fifo,
            SIfBlk => Kind.BlockDevice,
            SIfSock => Kind.Socket,
            _ => Kind.Other,
        };
    }

    private static string Describe(Kind kind) => kind switch
    {
        Kind.BlockDevice => "block device",
        Kind.Socket => "socket",
        _ => "special file",
    };

    private static void WriteAtomic(string path, string target, ReadOnlySpan<byte> bytes)
    {
        var folder = Path.GetDirectoryName(target)!;
        if (!Directory.Exists(folder))
        {
            throw new LayerNetException($"cannot write '{path}': folder '{folder}' does not exist");
        }

        var temporary = Path.Combine(folder, $".{Path.GetFileName(target)}.{Environment.ProcessId}.tmp");
        try
        {
            using (var stream = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None))
            {
                stream.Write(bytes);
                stream.Flush(flushToDisk: true);
            }

            File.Move(temporary, target, overwrite: true);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException or ArgumentOutOfRangeException)
        {
            // ArgumentOutOfRangeException: .NET's report of EFBIG, a write past the file size limit (ulimit -f).
            TryDelete(temporary);
            throw new LayerNetException($"cannot write '{path}': {exception.Message.Replace(" (Parameter 'value')", string.Empty, StringComparison.Ordinal)}", exception);
        }
    }

    private static void WriteInPlace(string path, string target, ReadOnlySpan<byte> bytes)
    {
        // O_NONBLOCK: opening a FIFO for writing waits for a reader; without one it fails at once with ENXIO.
        var descriptor = Open(target, OWrOnly | ONonBlock | ONoCtty | OCloExec);
        if (descriptor < 0)
        {
            var error = Marshal.GetLastPInvokeError();
            throw new LayerNetException(error switch
            {
                Enxio => $"cannot write '{path}': it is a FIFO and nothing reads it; start the reader first, or give a file",
                _ => $"cannot write '{path}': {Marshal.GetPInvokeErrorMessage(error)}",
            });
        }

        using var handle = new SafeFileHandle((IntPtr)descriptor, ownsHandle: true);

        // Writes block again (a reader that is slow is waited for, as a shell's redirection would).
        var flags = ControlFlags(descriptor, FGetFl, 0);
        if (flags >= 0)
        {
            _ = ControlFlags(descriptor, FSetFl, flags & ~ONonBlock);
        }

        try
        {
            using var stream = new FileStream(handle, FileAccess.Write, bufferSize: 0);
            stream.Write(bytes);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            throw new LayerNetException($"cannot write '{path}': {exception.Message}", exception);
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
            // The temporary file may not exist or may be held; the target is intact either way.
        }
        catch (UnauthorizedAccessException)
        {
            // As above.
        }
    }

    [LibraryImport("libc", EntryPoint = "stat", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Stat(string path, byte[] buffer);

    [LibraryImport("libc", EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fcntl", SetLastError = true)]
    private static partial int ControlFlags(int descriptor, int command, int argument);
}
