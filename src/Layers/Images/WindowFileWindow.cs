namespace LayerNet.Layers.Images;

/// <summary>One window of a window file: its image's index, class, overlap, inclusive corners and line.</summary>
internal readonly record struct WindowFileWindow(int Image, int Label, float Overlap, int X1, int Y1, int X2, int Y2, int Line);
