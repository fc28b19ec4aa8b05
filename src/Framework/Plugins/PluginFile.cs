using System.Runtime.InteropServices;

namespace LayerNet.Plugins;

/// <summary>
/// What a path in a plugin folder is, found without opening it (opening a FIFO blocks until someone writes): a
/// regular file, something else (FIFO, device, socket, folder), or a link to nothing. And whether anyone but its
/// owner may write it.
/// </summary>
internal static partial class PluginFile
{
    private const int TypeMask = 0xF000;
    private const int RegularType = 0x8000;

    /// <summary>What <see cref="Classify"/> finds.</summary>
    public enum Kind
    {
        /// <summary>A regular file (or a link to one).</summary>
        Regular,

        /// <summary>A FIFO, device, socket or folder (or a link to one).</summary>
        Other,

        /// <summary>A link whose target does not exist.</summary>
        DanglingLink,

        /// <summary>Nothing at all.</summary>
        Missing,
    }

    /// <summary>Classifies <paramref name="path"/>, following links, with stat(2).</summary>
    public static Kind Classify(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            return File.Exists(path) ? Kind.Regular : Directory.Exists(path) ? Kind.Other : Kind.Missing;
        }

        var buffer = new byte[256];
        if (Stat(path, buffer) == 0)
        {
            // struct stat: st_mode follows dev, ino and nlink (8 bytes each) on x86-64; dev and ino elsewhere (arm64).
            var modeOffset = RuntimeInformation.ProcessArchitecture == Architecture.X64 ? 24 : 16;
            return (BitConverter.ToInt32(buffer, modeOffset) & TypeMask) == RegularType ? Kind.Regular : Kind.Other;
        }

        return new FileInfo(path).LinkTarget is null ? Kind.Missing : Kind.DanglingLink;
    }

    /// <summary>True when the group or others may write <paramref name="path"/> (a file or a folder; links followed).</summary>
    public static bool WritableByOthers(string path) =>
        !OperatingSystem.IsWindows() && (File.GetUnixFileMode(path) & (UnixFileMode.GroupWrite | UnixFileMode.OtherWrite)) != 0;

    [LibraryImport("libc", EntryPoint = "stat", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Stat(string path, byte[] buffer);
}
