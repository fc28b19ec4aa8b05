using LayerNet.Blobs;
using LayerNet.Layers;

namespace LayerNet.Nets;

/// <summary>
/// One layer in its place in a net: the blobs it reads and writes, and what backward does there. The net runs its
/// steps in order forward and in reverse backward, and hands each to a <see cref="NetObserver"/>.
/// </summary>
/// <param name="Index">The layer's index in <see cref="Net.Layers"/> (its execution order).</param>
/// <param name="Layer">The layer.</param>
/// <param name="Bottom">The blobs the layer reads.</param>
/// <param name="Top">The blobs the layer writes (an in-place top is its bottom).</param>
/// <param name="PropagateDown">Whether backward computes the gradient of each bottom.</param>
/// <param name="NeedsBackward">Whether the layer runs in backward at all (it feeds a loss and something below it needs a gradient).</param>
public sealed record NetStep(int Index, Layer Layer, IReadOnlyList<Blob> Bottom, IReadOnlyList<Blob> Top, IReadOnlyList<bool> PropagateDown, bool NeedsBackward);
