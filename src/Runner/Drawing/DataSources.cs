using Caffe;
using LayerNet.Layers;
using LayerNet.Nets;

namespace LayerNet.Runner.Drawing;

/// <summary>
/// The files a net's data layers open when the net is built (an LMDB, an image list, an HDF5 source list, IDX files,
/// a window file, a mean file), looked for as the layers look for them: from the working directory, then from the
/// model file's folder. A drawing needs none of them; when one is missing, it is drawn from the definition alone.
/// </summary>
internal static class DataSources
{
    /// <summary>
    /// The first data file that a net in <paramref name="phase"/> would open and that is not there, as
    /// <c>layer 'mnist': data_param.source 'mnist_train_lmdb'</c>; null when every one is there.
    /// </summary>
    /// <param name="parameter">The net's definition.</param>
    /// <param name="phase">The phase whose layers count.</param>
    /// <param name="modelFile">The model file (relative paths resolve against its folder after the working directory).</param>
    public static string? FirstMissing(NetParameter parameter, Phase phase, string modelFile)
    {
        ArgumentNullException.ThrowIfNull(parameter);
        ArgumentNullException.ThrowIfNull(modelFile);
        var state = parameter.State?.Clone() ?? new NetState();
        state.Phase = phase;
        var folder = Path.GetDirectoryName(Path.GetFullPath(modelFile));
        foreach (var layer in parameter.Layer)
        {
            if (!Net.Includes(state, layer))
            {
                continue;
            }

            foreach (var (field, path, folderAllowed) in Files(layer))
            {
                if (path.Length > 0 && !Exists(path, folder, folderAllowed))
                {
                    return $"layer '{layer.Name}': {field} '{path}'";
                }
            }
        }

        return null;
    }

    private static (string Field, string Path, bool FolderAllowed)[] Files(LayerParameter layer)
    {
        (string Field, string Path, bool FolderAllowed)[] files = layer.Type switch
        {
            "Data" when layer.DataParam is { } data => [("data_param.source", data.Source, true), ("data_param.mean_file", data.MeanFile, false)],
            "ImageData" when layer.ImageDataParam is { } images => [("image_data_param.source", images.Source, false), ("image_data_param.mean_file", images.MeanFile, false)],
            "HDF5Data" when layer.Hdf5DataParam is { } hdf5 => [("hdf5_data_param.source", hdf5.Source, false)],
            "WindowData" when layer.WindowDataParam is { } window => [("window_data_param.source", window.Source, false), ("window_data_param.mean_file", window.MeanFile, false)],
            "IdxData" when layer.HasExtension(LayernetExtensions.IdxDataParam) && layer.GetExtension(LayernetExtensions.IdxDataParam) is { } idx =>
                [("idx_data_param.images", idx.Images, false), ("idx_data_param.labels", idx.Labels, false)],
            _ => [],
        };
        return layer.TransformParam is { } transform ? [.. files, ("transform_param.mean_file", transform.MeanFile, false)] : files;
    }

    private static bool Exists(string path, string? folder, bool folderAllowed)
    {
        bool There(string candidate) => File.Exists(candidate) || (folderAllowed && Directory.Exists(candidate));
        return There(Path.GetFullPath(path)) || (!Path.IsPathRooted(path) && folder is not null && There(Path.GetFullPath(Path.Combine(folder, path))));
    }
}
