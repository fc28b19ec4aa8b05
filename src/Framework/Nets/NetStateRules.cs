using Caffe;
using LayerNet.Errors;

namespace LayerNet.Nets;

/// <summary>Caffe's include/exclude filtering of layers by the net's state (phase, level, stages).</summary>
internal static class NetStateRules
{
    /// <summary>
    /// True when a layer belongs in a net with this state: with <c>include</c> rules, when any is met;
    /// otherwise when no <c>exclude</c> rule is met. Giving both is an error.
    /// </summary>
    public static bool Includes(NetState state, LayerParameter layer, Origin origin = default)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(layer);
        if (layer.Include.Count > 0 && layer.Exclude.Count > 0)
        {
            throw origin.Error($"layer '{layer.Name}' ({layer.Type}) has both include and exclude rules; give only one kind");
        }

        if (layer.Include.Count > 0)
        {
            foreach (var rule in layer.Include)
            {
                if (Meets(state, rule))
                {
                    return true;
                }
            }

            return false;
        }

        foreach (var rule in layer.Exclude)
        {
            if (Meets(state, rule))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>True when the state meets every condition the rule sets.</summary>
    public static bool Meets(NetState state, NetStateRule rule)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(rule);
        if (rule.HasPhase && rule.Phase != state.Phase)
        {
            return false;
        }

        if (rule.HasMinLevel && state.Level < rule.MinLevel)
        {
            return false;
        }

        if (rule.HasMaxLevel && state.Level > rule.MaxLevel)
        {
            return false;
        }

        foreach (var stage in rule.Stage)
        {
            if (!state.Stage.Contains(stage))
            {
                return false;
            }
        }

        foreach (var stage in rule.NotStage)
        {
            if (state.Stage.Contains(stage))
            {
                return false;
            }
        }

        return true;
    }
}
