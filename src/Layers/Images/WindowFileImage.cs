namespace LayerNet.Layers.Images;

/// <summary>One image of a window file: its path as written, its declared shape, and the line of its path.</summary>
internal sealed record WindowFileImage(string Path, int Channels, int Height, int Width, int Line);
