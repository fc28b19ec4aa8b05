using Caffe;
using LayerNet.Blobs;
using LayerNet.Errors;
using LayerNet.Fillers;

namespace LayerNet.Layers.Data;

/// <summary>
/// Produces tops filled by fillers (Caffe's DummyData), for tests and for timing a net without real data.
/// </summary>
/// <remarks>
/// <para>
/// Shapes come from <c>dummy_data_param.shape</c> or the legacy <c>num</c>/<c>channels</c>/<c>height</c>/<c>width</c>:
/// given once for every top, or once per top. <c>data_filler</c> is given once for every top, once per top, or not
/// at all (constant 0).
/// </para>
/// <para>
/// Forward: a top with a constant filler keeps the value written at set-up; every other top is refilled with
/// fresh draws on each pass (Caffe's rule). No backward.
/// </para>
/// </remarks>
public sealed class DummyDataLayer : Layer
{
    private Filler[] _fillers = [];
    private bool[] _refill = [];
    private int[][] _topShapes = [];
    private Blob?[]? _scratch;

    /// <summary>Creates the layer from its definition (<c>dummy_data_param</c>).</summary>
    public DummyDataLayer(LayerParameter parameter)
        : base(parameter, bottoms: BlobArity.Exactly(0), tops: BlobArity.AtLeast(1))
    {
    }

    /// <inheritdoc/>
    public override bool HasBackward => false;

    /// <inheritdoc/>
    protected override void LayerSetUp(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        var p = Parameter.DummyDataParam ?? new DummyDataParameter();
        ShapeTops(p, top);
        CreateFillers(p, top.Count);
        _topShapes = [.. top.Select(blob => blob.Shape.ToArray())];

        // Constant tops are written once, here; the others are drawn on every forward pass. A trial fill from a
        // throwaway generator finds a filler that does not suit its top's shape now, without using this layer's draws.
        var trial = new RandomSource(0);
        for (var i = 0; i < top.Count; i++)
        {
            var index = FillerIndex(i);
            try
            {
                _fillers[index].Fill(top[i], _refill[index] ? trial : Random);
            }
            catch (LayerNetException exception)
            {
                throw Error($"data_filler for top {i}: {exception.Message}");
            }
        }
    }

    /// <inheritdoc/>
    protected override void ReshapeCore(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        // The shapes are fixed by the definition and set in LayerSetUp.
    }

    /// <inheritdoc/>
    protected override void ForwardCore(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        for (var i = 0; i < top.Count; i++)
        {
            var index = FillerIndex(i);
            if (_refill[index])
            {
                _fillers[index].Fill(top[i], Random);
            }
        }
    }

    /// <inheritdoc/>
    /// <remarks>
    /// A gaussian filler's draws vary in number (the ziggurat rejects some), so the skipped passes are drawn for real,
    /// into a scratch blob per refilled top (made at the first call).
    /// </remarks>
    public override bool SkipForwardDraws(int passes)
    {
        _scratch ??= new Blob?[_topShapes.Length];
        for (var pass = 0; pass < passes; pass++)
        {
            for (var i = 0; i < _topShapes.Length; i++)
            {
                var index = FillerIndex(i);
                if (_refill[index])
                {
                    var scratch = _scratch[i] ??= new Blob(_topShapes[i]);
                    _fillers[index].Fill(scratch, Random);
                }
            }
        }

        return true;
    }

    private int FillerIndex(int topIndex) => _fillers.Length > 1 ? topIndex : 0;

    private void ShapeTops(DummyDataParameter p, IReadOnlyList<Blob> top)
    {
        var legacyCount = p.Num.Count;
        if (p.Channels.Count != legacyCount || p.Height.Count != legacyCount || p.Width.Count != legacyCount)
        {
            throw Error($"dummy_data_param num, channels, height and width must be given equally often: {p.Num.Count}, {p.Channels.Count}, {p.Height.Count} and {p.Width.Count} given");
        }

        if (legacyCount > 0 && p.Shape.Count > 0)
        {
            throw Error("dummy_data_param gives both shape and the legacy num/channels/height/width; use one");
        }

        var shapeCount = legacyCount > 0 ? legacyCount : p.Shape.Count;
        var field = legacyCount > 0 ? "num/channels/height/width" : "shape";
        if (shapeCount != 1 && shapeCount != top.Count)
        {
            throw Error($"dummy_data_param.{field} must be given once or once per top blob: {shapeCount} given for {top.Count} tops");
        }

        for (var i = 0; i < top.Count; i++)
        {
            var s = shapeCount == 1 ? 0 : i;
            try
            {
                if (legacyCount > 0)
                {
                    top[i].Reshape([Dimension(p.Num[s]), Dimension(p.Channels[s]), Dimension(p.Height[s]), Dimension(p.Width[s])]);
                }
                else
                {
                    top[i].Reshape(p.Shape[s]);
                }
            }
            catch (LayerNetException exception)
            {
                throw Error($"dummy_data_param.{field} for top {i}: {exception.Message}");
            }
        }
    }

    private void CreateFillers(DummyDataParameter p, int topCount)
    {
        var given = p.DataFiller;
        if (given.Count > 1 && given.Count != topCount)
        {
            throw Error($"dummy_data_param.data_filler must be given once, once per top blob, or not at all: {given.Count} given for {topCount} tops");
        }

        FillerParameter[] parameters = given.Count == 0 ? [new FillerParameter { Type = "constant", Value = 0f }] : [.. given];
        _fillers = new Filler[parameters.Length];
        _refill = new bool[parameters.Length];
        for (var i = 0; i < parameters.Length; i++)
        {
            try
            {
                _fillers[i] = new Filler(parameters[i]);
            }
            catch (LayerNetException exception)
            {
                throw Error($"data_filler {i}: {exception.Message}");
            }

            // A constant top never changes, so it is written once at set-up instead of on every pass.
            _refill[i] = parameters[i].Type != "constant";
        }
    }

    private int Dimension(uint value) =>
        value <= int.MaxValue ? (int)value : throw Error($"dummy_data_param dimension {value} is too large");
}
