using LayerNet.Fillers;

namespace LayerNet.Layers.Data;

/// <summary>
/// The order a data layer serves a list's items in (ImageData's lines, IdxData's images): as listed, or shuffled as
/// Caffe's ImageData shuffles, by a generator of the layer's own seeded from the net's at set-up, once then at the
/// end of every epoch. One place for the position, the wrap and the reshuffle, which the layer's batches and the
/// batches it passes over for other workers (<see cref="PassOver"/>) share.
/// </summary>
internal sealed class ItemOrder
{
    private readonly int[] _order;
    private readonly RandomSource? _shuffle;

    /// <summary>The identity order of <paramref name="count"/> items, shuffled when <paramref name="shuffle"/> is given (its first draw is made here).</summary>
    public ItemOrder(int count, RandomSource? shuffle)
    {
        _order = new int[count];
        for (var i = 0; i < count; i++)
        {
            _order[i] = i;
        }

        _shuffle = shuffle;
        _shuffle?.Shuffle(_order.AsSpan());
    }

    /// <summary>How many items there are.</summary>
    public int Count => _order.Length;

    /// <summary>The place in the order of the item served next (rand_skip may start it past 0).</summary>
    public int Position { get; set; }

    /// <summary>The item served next.</summary>
    public int Current => _order[Position];

    /// <summary>Moves to the next item; after the last, back to the first, reshuffled when shuffling (a new epoch).</summary>
    public void Advance()
    {
        if (++Position == _order.Length)
        {
            Position = 0;
            _shuffle?.Shuffle(_order.AsSpan());
        }
    }

    /// <summary>
    /// Passes over <paramref name="items"/> items as serving them would, without reading them: the same wraps and
    /// reshuffles, and the transformer's random draws for each (<see cref="DataTransformer.PassOver"/>).
    /// </summary>
    public void PassOver(long items, DataTransformer transformer, RandomSource transformRandom)
    {
        for (; items > 0; items--)
        {
            transformer.PassOver(transformRandom);
            Advance();
        }
    }
}
