namespace LayerNet.Runner.Dashboard;

/// <summary>How <c>layernet serve</c> runs: the folder it shows, where it listens, and who may ask.</summary>
internal sealed class DashboardOptions
{
    /// <summary>The default port.</summary>
    public const int DefaultPort = 5000;

    /// <summary>The default largest upload, in bytes (an image for inference).</summary>
    public const long DefaultMaxUploadBytes = 16L << 20;

    /// <summary>The folder whose files the dashboard lists, reads and writes; nothing outside it is touched.</summary>
    public required string Root { get; init; }

    /// <summary>The port to listen on (0: any free port, as the tests use).</summary>
    public int Port { get; init; } = DefaultPort;

    /// <summary>
    /// The address to bind: <c>localhost</c> (the default, loopback only) or anything else, which needs
    /// <see cref="Token"/>: a dashboard that starts training runs must not be open to a whole network.
    /// </summary>
    public string Host { get; init; } = "localhost";

    /// <summary>The token every request must carry (header <c>X-LayerNet-Token</c>, cookie or <c>?token=</c>); null: none asked.</summary>
    public string? Token { get; init; }

    /// <summary>The largest request body accepted, in bytes.</summary>
    public long MaxUploadBytes { get; init; } = DefaultMaxUploadBytes;

    /// <summary>Whether the address is loopback only.</summary>
    public bool IsLoopback => Host is "localhost" or "127.0.0.1" or "::1" or "[::1]";
}
