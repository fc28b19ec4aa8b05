using LayerNet.Errors;
using Onnx;

namespace LayerNet.Layers.Onnx;

/// <summary>
/// Imports an ONNX model as a Caffe net (<c>layernet import model.onnx OUT_PREFIX</c>): a deploy net whose layers
/// compute what the graph computes, and its weights as a <c>.caffemodel</c> holds them.
/// </summary>
/// <remarks>
/// <para>
/// Operator sets 9 to 23 of the standard domain are read; each node becomes one or a few of the layers the
/// <see cref="LayerFactory"/> registers (<see cref="StandardLayers"/>), and nodes of constants are computed during
/// the import. A Pad node folds into the convolution or pooling that reads it, a MatMul into an InnerProduct with the
/// bias an Add after it gives, a Greater and its Cast to float into a Threshold.
/// </para>
/// <para>
/// What no Caffe layer computes exactly is refused, the first such node named with its operator, rather than
/// approximated: an operator without a layer (Resize, Transpose), a pooling whose window or divisor Caffe's Pooling
/// does not reproduce, padding Caffe's symmetric pad cannot express, a softmax over several axes.
/// </para>
/// </remarks>
public static class OnnxImport
{
    /// <summary>The oldest standard operator set LayerNet imports.</summary>
    public const int MinimumOpset = 9;

    /// <summary>The newest standard operator set LayerNet imports.</summary>
    public const int MaximumOpset = 23;

    /// <summary>Imports <paramref name="model"/>.</summary>
    /// <param name="model">The model, as parsed from its file.</param>
    /// <param name="layers">The layer factory: the layers are created and set up with it as they are mapped, to take their shapes.</param>
    /// <param name="options">Input shapes and the net's name; the defaults when null.</param>
    /// <returns>The deploy net and its weights.</returns>
    /// <exception cref="LayerNetException">
    /// The model cannot be imported exactly; the one-line message names the first node that does not map (its name and
    /// operator), or what else is wrong: an operator set older than 9 or newer than 21, an operator from another
    /// domain, model-local functions, a graph input that is not float or has no shape, a tensor whose dims claim more
    /// values than it holds, a graph that breaks ONNX's rules (a value written twice, read before it is written), or a
    /// model that needs more memory than is free.
    /// </exception>
    public static OnnxImportResult Import(ModelProto model, LayerFactory layers, OnnxImportOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(layers);
        var graph = model.Graph ?? throw new LayerNetException("the model has no graph");
        if (model.Functions.Count > 0)
        {
            throw new LayerNetException($"the model defines {model.Functions.Count} function(s) (the first is '{model.Functions[0].Name}'); LayerNet imports graphs of standard operators only, not model-local functions");
        }

        var opset = StandardOpset(model);
        try
        {
            return new OnnxGraphImporter(graph, opset, layers, options ?? new OnnxImportOptions()).Run();
        }
        catch (OutOfMemoryException exception)
        {
            // Every size is checked against the data the file holds before it is allocated; what is left is a model
            // whose real weights and blobs together exceed the memory there is.
            throw new LayerNetException($"the model needs more memory than is free to import ({exception.Message.ReplaceLineEndings(" ")})", exception);
        }
    }

    private static int StandardOpset(ModelProto model)
    {
        long? version = null;
        foreach (var import in model.OpsetImport)
        {
            if (import.Domain is "" or "ai.onnx")
            {
                version = import.Version;
            }
        }

        return version switch
        {
            null => throw new LayerNetException("the model imports no version of the standard operator set (domain ai.onnx)"),
            < MinimumOpset => throw new LayerNetException($"the model uses operator set {version}; LayerNet imports operator sets {MinimumOpset} to {MaximumOpset} (convert it with onnx.version_converter)"),
            > MaximumOpset => throw new LayerNetException($"the model uses operator set {version}, newer than LayerNet knows; it imports operator sets {MinimumOpset} to {MaximumOpset} (convert it with onnx.version_converter)"),
            _ => (int)version,
        };
    }
}
