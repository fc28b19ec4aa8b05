namespace LayerNet.Runner.Dashboard;

/// <summary>
/// What the Datasets page asks for: convert-imageset's arguments and options, every path relative to the root.
/// </summary>
/// <param name="Folder">The folder the list's image paths are relative to (convert-imageset's ROOT).</param>
/// <param name="List">The image list: one "path label" a line.</param>
/// <param name="Database">The LMDB folder to make; it must not exist. Its mean goes beside it as <c>DB_mean.binaryproto</c>.</param>
/// <param name="ResizeHeight">--resize-height (0: none).</param>
/// <param name="ResizeWidth">--resize-width (0: none).</param>
/// <param name="Gray">--gray.</param>
/// <param name="Shuffle">--shuffle.</param>
/// <param name="Seed">--seed, for a reproducible shuffle.</param>
/// <param name="Encoded">--encoded.</param>
/// <param name="EncodeType">--encode-type (png or jpg).</param>
/// <param name="CheckSize">--check-size.</param>
internal sealed record DatasetRequest(
    string? Folder, string? List, string? Database, int ResizeHeight, int ResizeWidth, bool Gray, bool Shuffle, long? Seed,
    bool Encoded, string? EncodeType, bool CheckSize);
