using Caffe;
using Google.Protobuf;
using LayerNet.Blobs;
using LayerNet.Errors;
using LayerNet.Fillers;

namespace LayerNet.Layers;

/// <summary>
/// The layer kit: the steps most layers take in <see cref="LayerSetUp"/> and <see cref="Reshape"/>, each with the
/// standard error text, so a layer states what it needs in one line and every layer reports a mistake alike.
/// </summary>
public abstract partial class Layer
{
    /// <summary>
    /// Turns an axis parameter into an index into <paramref name="bottom"/>'s axes, negative values counting from
    /// the end (Caffe's Blob::CanonicalAxisIndex): -1 is the last axis.
    /// </summary>
    /// <param name="axis">The value given in the model file.</param>
    /// <param name="bottom">The blob whose axes are meant.</param>
    /// <param name="field">The parameter's name in the error, e.g. <c>softmax_param.axis</c>.</param>
    /// <returns>The axis, in [0, axis count).</returns>
    /// <exception cref="LayerNetException">
    /// The axis is outside [-axis count, axis count): "softmax_param.axis 3 is out of range for bottom 'ip2' of
    /// shape 2 5 (10); expected -2 &lt;= axis &lt; 2".
    /// </exception>
    protected int CanonicalAxis(int axis, Blob bottom, string field) =>
        CanonicalAxis(axis, bottom, field, bottomIndex: -1, countsFromEnd: true);

    /// <summary>
    /// <see cref="CanonicalAxis(int, Blob, string)"/> for a layer with several bottoms, whose error names the
    /// bottom by index too ("for bottom 0 'a'"), or for a legacy unsigned field (<c>concat_dim</c>, <c>slice_dim</c>)
    /// that does not count from the end.
    /// </summary>
    /// <param name="axis">The value given in the model file.</param>
    /// <param name="bottom">The blob whose axes are meant.</param>
    /// <param name="field">The parameter's name in the error.</param>
    /// <param name="bottomIndex">The bottom's index, named in the error; -1 to name the bottom alone.</param>
    /// <param name="countsFromEnd">False for a field whose negative values are not allowed.</param>
    /// <returns>The axis, in [0, axis count).</returns>
    /// <exception cref="LayerNetException">The axis is out of range.</exception>
    protected int CanonicalAxis(int axis, Blob bottom, string field, int bottomIndex, bool countsFromEnd)
    {
        ArgumentNullException.ThrowIfNull(bottom);
        var count = bottom.AxisCount;
        var lowest = countsFromEnd ? -count : 0;
        if (axis < lowest || axis >= count)
        {
            var which = bottomIndex < 0 ? $"'{bottom.Name}'" : $"{bottomIndex} '{bottom.Name}'";
            throw Error($"{field} {axis} is out of range for bottom {which} of shape {bottom.ShapeString}; expected {lowest} <= axis < {count}");
        }

        return axis < 0 ? axis + count : axis;
    }

    /// <summary>
    /// Refuses to run in place: for a layer whose top cannot be its bottom (it shares the bottom's storage, or its
    /// gradient needs what the top would overwrite). Call it from <see cref="ReshapeCore"/>.
    /// </summary>
    /// <param name="bottom">The bottom.</param>
    /// <param name="top">A top.</param>
    /// <param name="topIndex">The top's index, named in the error; -1 (the default) for a layer with one top.</param>
    /// <exception cref="LayerNetException">The top is the bottom: "top 'data' is the bottom; Flatten does not work in place".</exception>
    protected void RequireOutOfPlace(Blob bottom, Blob top, int topIndex = -1)
    {
        ArgumentNullException.ThrowIfNull(top);
        if (ReferenceEquals(bottom, top))
        {
            var which = topIndex < 0 ? $"'{top.Name}'" : $"{topIndex} '{top.Name}'";
            throw Error($"top {which} is the bottom; {Type} does not work in place");
        }
    }

    /// <summary>
    /// The full path of a file (or folder) this layer's definition names, resolved as Caffe resolves it (against the
    /// working folder) and then against <paramref name="folder"/>: by default the folder of the model file the layer
    /// was defined in (its <see cref="Origin"/>), so a model runs from its own folder or from anywhere else.
    /// </summary>
    /// <param name="path">The path as the model file gives it.</param>
    /// <param name="description">What it is, as the error names it (e.g. "data_param.source 'train_lmdb'").</param>
    /// <param name="folder">The folder to try after the working folder; null for the model file's.</param>
    /// <param name="folderAllowed">True when a folder is what the layer wants (an LMDB).</param>
    /// <exception cref="LayerNetException">It exists in neither place: "... not found (tried '...' and '...')".</exception>
    public string ResolvePath(string path, string description, string? folder = null, bool folderAllowed = false)
    {
        ArgumentNullException.ThrowIfNull(path);
        var fromWorkingDirectory = Path.GetFullPath(path);
        if (Exists(fromWorkingDirectory, folderAllowed))
        {
            return fromWorkingDirectory;
        }

        folder ??= Origin.Folder;
        if (Path.IsPathRooted(path) || folder is null)
        {
            throw Error($"{description} not found (tried '{fromWorkingDirectory}')");
        }

        var fromFolder = Path.GetFullPath(Path.Combine(folder, path));
        if (Exists(fromFolder, folderAllowed))
        {
            return fromFolder;
        }

        throw Error($"{description} not found (tried '{fromWorkingDirectory}' and '{fromFolder}')");

        static bool Exists(string candidate, bool folderAllowed) => File.Exists(candidate) || (folderAllowed && Directory.Exists(candidate));
    }

    /// <summary>
    /// Requires an image batch: a bottom of 4 axes (num, channels, height, width), as Caffe's spatial layers
    /// (pooling, LRN) do. Call it from <see cref="ReshapeCore"/>.
    /// </summary>
    /// <param name="bottom">The bottom.</param>
    /// <param name="what">What needs it, as the error names it (e.g. "pooling", "LRN").</param>
    /// <exception cref="LayerNetException">"bottom 'x' has shape 2 3 (6); pooling needs 4 axes (num, channels, height, width)".</exception>
    protected void RequireImageAxes(Blob bottom, string what)
    {
        ArgumentNullException.ThrowIfNull(bottom);
        if (bottom.AxisCount != 4)
        {
            throw Error($"bottom '{bottom.Name}' has shape {bottom.ShapeString}; {what} needs 4 axes (num, channels, height, width)");
        }
    }

    /// <summary>A count the model file gives that must be at least 1 (a <c>top_k</c>), as an <see cref="int"/>.</summary>
    /// <param name="value">The value given.</param>
    /// <param name="field">The field, as the error names it (e.g. "accuracy_param.top_k").</param>
    /// <exception cref="LayerNetException">"accuracy_param.top_k 0 is out of range; expected at least 1".</exception>
    protected int PositiveCount(uint value, string field)
    {
        if (value == 0 || value > int.MaxValue)
        {
            throw Error($"{field} {value} is out of range; expected at least 1");
        }

        return (int)value;
    }

    /// <summary>
    /// When learnable blobs were given (<see cref="BlobsGiven"/>), checks that there are as many as the layer
    /// declares; call it before <see cref="LearnableBlob"/>. With none given it does nothing: the layer fills.
    /// </summary>
    /// <param name="names">What each blob is, in order (e.g. "weight", "bias"); named in the error.</param>
    /// <exception cref="LayerNetException">
    /// The count differs: "expected 2 learnable blobs (weight, bias), the model gives 1".
    /// </exception>
    protected void RequireLearnableBlobCount(params ReadOnlySpan<string> names)
    {
        if (_blobs.Count > 0 && _blobs.Count != names.Length)
        {
            throw Error(names.Length == 0
                ? $"expected no learnable blobs, the model gives {_blobs.Count}"
                : $"expected {names.Length} learnable blob{(names.Length == 1 ? string.Empty : "s")} ({string.Join(", ", names)}), the model gives {_blobs.Count}");
        }
    }

    /// <summary>
    /// Declares learnable blob <paramref name="index"/>: when the blobs were given, checks the given one's shape
    /// (<see cref="RequireBlobShape"/>); otherwise creates it (blobs are created in index order) and fills it with
    /// the layer's <see cref="Random"/>.
    /// </summary>
    /// <param name="index">The blob's place in <see cref="Blobs"/>.</param>
    /// <param name="what">What the blob is, for the shape error (e.g. "weight").</param>
    /// <param name="shape">The shape the layer needs.</param>
    /// <param name="filler">How to fill a new blob; null fills zeros.</param>
    /// <param name="fillerField">The filler's parameter name, for the filler's error (e.g. "convolution_param.weight_filler").</param>
    /// <returns>The given or new blob.</returns>
    /// <exception cref="LayerNetException">The given blob has another shape, or the filler is wrong.</exception>
    protected Blob LearnableBlob(int index, string what, ReadOnlySpan<int> shape, FillerParameter? filler, string fillerField)
    {
        if (index < _blobs.Count)
        {
            RequireBlobShape(index, shape, what);
            return _blobs[index];
        }

        if (index != _blobs.Count)
        {
            throw new InvalidOperationException($"learnable blob {index} ({what}) declared before blob {_blobs.Count}");
        }

        var blob = AddBlob(shape.ToArray());
        Fill(blob, filler, fillerField);
        return blob;
    }

    /// <summary>
    /// Fills <paramref name="blob"/> with <paramref name="filler"/> and the layer's <see cref="Random"/>; a wrong
    /// filler becomes this layer's error, prefixed with <paramref name="fillerField"/>.
    /// </summary>
    /// <param name="blob">The blob to fill.</param>
    /// <param name="filler">The filler; null fills zeros.</param>
    /// <param name="fillerField">The filler's parameter name (e.g. "bias_param.filler").</param>
    /// <exception cref="LayerNetException">The filler's type is unknown or its parameters do not fit the blob.</exception>
    protected void Fill(Blob blob, FillerParameter? filler, string fillerField)
    {
        try
        {
            new Filler(filler).Fill(blob, Random);
        }
        catch (LayerNetException exception)
        {
            throw Error($"{fillerField}: {exception.Message}");
        }
    }

    /// <summary>
    /// The layer's parameter message carried by a proto2 extension of <c>LayerParameter</c> (a plugin's or
    /// LayerNet's own, e.g. <c>softplus_param</c>): the value given in the model file, or a new message holding
    /// the defaults when the model file gives none.
    /// </summary>
    /// <typeparam name="T">The extension's message type.</typeparam>
    /// <param name="extension">The generated extension field (e.g. <c>SoftplusExtensions.SoftplusParam</c>).</param>
    /// <returns>The given message, or a default one.</returns>
    protected T ExtensionParameter<T>(Extension<LayerParameter, T> extension)
        where T : IMessage<T>, new()
    {
        ArgumentNullException.ThrowIfNull(extension);
        return Parameter.HasExtension(extension) ? Parameter.GetExtension(extension) : new T();
    }

    /// <summary>
    /// The layer's parameter message carried by a proto2 extension of <c>LayerParameter</c>, for a layer that
    /// cannot run on the defaults.
    /// </summary>
    /// <typeparam name="T">The extension's message type.</typeparam>
    /// <param name="extension">The generated extension field.</param>
    /// <param name="whenMissing">The error when the model file does not give it (e.g. "idx_data_param is required (images, batch_size)").</param>
    /// <returns>The given message.</returns>
    /// <exception cref="LayerNetException">The model file does not give the parameter.</exception>
    protected T RequiredExtensionParameter<T>(Extension<LayerParameter, T> extension, string whenMissing)
        where T : IMessage<T>, new()
    {
        ArgumentNullException.ThrowIfNull(extension);
        return Parameter.HasExtension(extension) ? Parameter.GetExtension(extension) : throw Error(whenMissing);
    }
}
