using Caffe;
using LayerNet.Errors;

namespace LayerNet.Samples.Compat;

/// <summary>
/// <c>pooling_param { ceil_mode: false }</c> for the built-in Pooling layer, through a parameter rule
/// (<see cref="Plugins.LayerNetBuilder.AddParameterRule"/>): the fork's switch is Caffe's later <c>round_mode</c>
/// under another name. Both size the output as floor or ceil of (in + 2 pad - kernel) / stride, plus one, and then
/// drop a last window that would start in the padding; so the rule sets <c>round_mode</c> and the layer does the rest.
/// </summary>
public static class CeilModeRule
{
    /// <summary>The definition with <c>round_mode</c> set from <c>ceil_mode</c>; unchanged when <c>ceil_mode</c> is not given.</summary>
    /// <exception cref="LayerNetException">The definition also gives a <c>round_mode</c> that says the opposite.</exception>
    public static LayerParameter Apply(LayerParameter parameter)
    {
        ArgumentNullException.ThrowIfNull(parameter);
        var pooling = parameter.PoolingParam;
        if (pooling is null || !pooling.HasExtension(CompatExtensions.CeilMode))
        {
            return parameter;
        }

        var ceil = pooling.GetExtension(CompatExtensions.CeilMode);
        var mode = ceil ? PoolingParameter.Types.RoundMode.Ceil : PoolingParameter.Types.RoundMode.Floor;
        if (pooling.HasRoundMode && pooling.RoundMode != mode)
        {
            throw new LayerNetException($"pooling_param gives ceil_mode: {(ceil ? "true" : "false")} and round_mode: {pooling.RoundMode.ToString().ToUpperInvariant()}, which disagree; give one of them");
        }

        pooling.RoundMode = mode;
        return parameter;
    }
}
