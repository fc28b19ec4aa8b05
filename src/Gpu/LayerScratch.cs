using System.Runtime.CompilerServices;
using ILGPU;
using ILGPU.Runtime;
using LayerNet.Layers;

namespace LayerNet.Gpu;

/// <summary>
/// Device memory a family keeps per layer between its passes (what the CPU layer keeps in its own fields: a dropout
/// mask, a saved input, batch statistics), numbered slots per layer, grown as the layer's blobs grow. A layer's
/// buffers go with the layer (a weak table) or with the accelerator.
/// </summary>
internal sealed class LayerScratch(Accelerator accelerator)
{
    private readonly ConditionalWeakTable<Layer, Dictionary<int, MemoryBuffer1D<float, Stride1D.Dense>>> _buffers = [];

    /// <summary>Slot <paramref name="slot"/> of <paramref name="layer"/>: at least <paramref name="length"/> floats (contents kept while it does not grow).</summary>
    public ArrayView<float> Get(Layer layer, int slot, int length)
    {
        var slots = _buffers.GetOrCreateValue(layer);
        if (!slots.TryGetValue(slot, out var buffer) || buffer.Length < length)
        {
            buffer?.Dispose();
            buffer = accelerator.Allocate1D<float>(Math.Max(1, length));
            slots[slot] = buffer;
        }

        ArrayView<float> view = buffer.View;
        return view.SubView(0, length);
    }
}
