namespace LayerNet.Runner.Commands;

/// <summary>What <c>layernet convert-imageset</c> was asked to do.</summary>
internal sealed record ConvertImagesetOptions(
    string Root, string List, string Database, int ResizeHeight, int ResizeWidth, bool Gray, bool Shuffle, long? Seed,
    bool Encoded, string? EncodeType, bool CheckSize, string Backend);
