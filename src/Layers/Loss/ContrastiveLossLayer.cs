using Caffe;
using LayerNet.Blobs;

namespace LayerNet.Layers.Loss;

/// <summary>
/// The contrastive loss of pairs of features (Caffe's ContrastiveLoss; <c>contrastive_loss_param</c>: margin,
/// default 1; legacy_version, default false): bottoms a and b (N x C), and bottom 2 the similarity of each pair
/// (N values, 1 = similar, 0 = dissimilar, truncated to an integer as Caffe reads it).
/// </summary>
/// <remarks>
/// <para>
/// With d = ||a_n - b_n|| for each pair: loss = sum_n (similar ? d^2 : max(margin - d, 0)^2) / 2N; the legacy
/// version uses max(margin - d^2, 0) for a dissimilar pair.
/// </para>
/// <para>
/// Backward, with w the top's gradient and s = +1 for a, -1 for b: a similar pair gets s w (a_n - b_n) / N; a
/// dissimilar one with a positive margin term gets -s w (margin - d) / (d + 1e-4) (a_n - b_n) / N (legacy: -s w
/// (a_n - b_n) / N), as Caffe computes them; the others get 0. The similarity gets no gradient.
/// </para>
/// </remarks>
public sealed class ContrastiveLossLayer : Layer
{
    private readonly float _margin;
    private readonly bool _legacy;
    private float[] _difference = [];
    private float[] _distanceSquared = [];
    private int _num;
    private int _channels;

    /// <summary>Creates the layer from its definition (<c>contrastive_loss_param</c>).</summary>
    /// <param name="parameter">The layer's definition.</param>
    public ContrastiveLossLayer(LayerParameter parameter)
        : base(parameter, BlobArity.Exactly(3), BlobArity.Exactly(1))
    {
        var p = parameter.ContrastiveLossParam ?? new ContrastiveLossParameter();
        _margin = p.Margin;
        _legacy = p.LegacyVersion;
    }

    /// <inheritdoc/>
    protected override bool IsLoss => true;

    /// <inheritdoc/>
    public override bool AutoTopBlobs => true;

    /// <inheritdoc/>
    public override bool AllowForceBackward(int bottomIndex) => bottomIndex != 2;

    /// <inheritdoc/>
    protected override void ReshapeCore(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        var (a, b, similar) = (bottom[0], bottom[1], bottom[2]);
        foreach (var blob in bottom)
        {
            if (blob.AxisCount is 0 or > 4)
            {
                throw Error($"bottom '{blob.Name}' has shape {blob.ShapeString}; ContrastiveLoss reads 1 to 4 axes (N, C, 1, 1)");
            }
        }

        if (a.Num != b.Num || a.Channels != b.Channels || a.Height != 1 || a.Width != 1 || b.Height != 1 || b.Width != 1)
        {
            throw Error($"bottoms 0 '{a.Name}' ({a.ShapeString}) and 1 '{b.Name}' ({b.ShapeString}) must both be N x C features (further axes 1) of the same N and C");
        }

        if (similar.Num != a.Num || similar.Channels != 1 || similar.Height != 1 || similar.Width != 1)
        {
            throw Error($"bottom 2 '{similar.Name}' ({similar.ShapeString}) must hold one similarity per pair: {a.Num} values (further axes 1)");
        }

        _num = a.Num;
        _channels = a.Channels;
        if (_difference.Length != a.Count)
        {
            _difference = new float[a.Count];
            _distanceSquared = new float[_num];
        }

        top[0].Reshape([]);
    }

    /// <inheritdoc/>
    protected override void ForwardCore(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        ReadOnlySpan<float> a = bottom[0].Data;
        ReadOnlySpan<float> b = bottom[1].Data;
        ReadOnlySpan<float> similar = bottom[2].Data;
        var loss = 0f;
        for (var n = 0; n < _num; n++)
        {
            var squared = 0f;
            for (var c = 0; c < _channels; c++)
            {
                var i = (n * _channels) + c;
                var d = a[i] - b[i];
                _difference[i] = d;
                squared += d * d;
            }

            _distanceSquared[n] = squared;
            if ((int)similar[n] != 0)
            {
                loss += squared;
            }
            else if (_legacy)
            {
                loss += MathF.Max(_margin - squared, 0f);
            }
            else
            {
                var gap = MathF.Max(_margin - MathF.Sqrt(squared), 0f);
                loss += gap * gap;
            }
        }

        top[0].Data[0] = loss / _num / 2f;
    }

    /// <inheritdoc/>
    protected override void BackwardCore(IReadOnlyList<Blob> top, IReadOnlyList<bool> propagateDown, IReadOnlyList<Blob> bottom)
    {
        ReadOnlySpan<float> similar = bottom[2].Data;
        for (var k = 0; k < 2; k++)
        {
            if (!propagateDown[k])
            {
                continue;
            }

            var alpha = (k == 0 ? 1f : -1f) * top[0].Diff[0] / _num;
            var dx = bottom[k].Diff;
            for (var n = 0; n < _num; n++)
            {
                float scale;
                if ((int)similar[n] != 0)
                {
                    scale = alpha;
                }
                else
                {
                    float gap;
                    if (_legacy)
                    {
                        gap = _margin - _distanceSquared[n];
                        scale = -alpha;
                    }
                    else
                    {
                        var distance = MathF.Sqrt(_distanceSquared[n]);
                        gap = _margin - distance;
                        scale = -alpha * gap / (distance + 1e-4f);
                    }

                    if (!(gap > 0f))
                    {
                        scale = 0f;
                    }
                }

                for (var c = 0; c < _channels; c++)
                {
                    var i = (n * _channels) + c;
                    dx[i] = scale * _difference[i];
                }
            }
        }
    }
}
