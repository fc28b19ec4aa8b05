using System.Reflection;

namespace LayerNet.Plugins;

/// <summary>
/// What an exception thrown by a plugin's code says, in one line: reflection's wrapper taken off, a failed static
/// constructor named with what it threw, line breaks folded (a message ends up on one line of stderr).
/// </summary>
internal static class PluginFault
{
    /// <summary>The exception a plugin's code threw, without <see cref="TargetInvocationException"/>s around it.</summary>
    public static Exception Unwrap(Exception exception)
    {
        while (exception is TargetInvocationException { InnerException: { } inner })
        {
            exception = inner;
        }

        return exception;
    }

    /// <summary>True for the exceptions that mean a plugin was built against another version of an assembly it uses.</summary>
    public static bool IsIncompatibility(Exception exception) =>
        exception is TypeLoadException or MissingMemberException or FileNotFoundException or FileLoadException;

    /// <summary>The file of the plugin that defines <paramref name="type"/>, or null for a type of the runner's own.</summary>
    public static string? PluginOf(Type type) =>
        System.Runtime.Loader.AssemblyLoadContext.GetLoadContext(type.Assembly) is PluginLoadContext ? type.Assembly.Location : null;

    /// <summary>"Type: message", or for a static constructor "the static constructor of X failed: Type: message".</summary>
    public static string Describe(Exception exception)
    {
        var what = exception is TypeInitializationException { InnerException: { } cause } initialization
            ? $"the static constructor of {initialization.TypeName} failed: {Describe(Unwrap(cause))}"
            : $"{exception.GetType().Name}: {exception.Message}";
        return what.ReplaceLineEndings(" ");
    }
}
