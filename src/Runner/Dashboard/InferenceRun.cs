using System.Globalization;
using Caffe;
using LayerNet.Errors;
using LayerNet.Fillers;
using LayerNet.Runner.Commands;
using Microsoft.AspNetCore.Http;

namespace LayerNet.Runner.Dashboard;

/// <summary>
/// One classification from the Inference page: the form's fields read as <c>layernet classify</c>'s options (the
/// same preprocessing, labels file and <see cref="Classifier"/>), every path resolved under the root.
/// </summary>
internal static class InferenceRun
{
    /// <summary>How many classes the page shows.</summary>
    public const int Top = 5;

    /// <summary>
    /// Classifies the image file <paramref name="imageFile"/> (absolute: under the root, or an upload in a temporary
    /// folder) with the net, snapshot and options the form names; keeps its blobs in <paramref name="activations"/>.
    /// </summary>
    /// <exception cref="DashboardPathException">A path in the form leaves the root.</exception>
    /// <exception cref="LayerNetException">A missing or malformed field, or what classify would say of the files.</exception>
    public static InferenceResult Classify(DashboardRoot root, IFormCollection form, string imageFile, string imageName, InferenceActivations activations)
    {
        ArgumentNullException.ThrowIfNull(root);
        ArgumentNullException.ThrowIfNull(form);
        ArgumentNullException.ThrowIfNull(activations);
        var model = ModelFiles.ExistingFile(root, Field(form, "model"), "deploy net");
        var weights = ModelFiles.ExistingFile(root, Field(form, "weights"), "snapshot");
        var labelPath = Field(form, "labels");
        var labels = labelPath is null ? null : LabelFile.Read(ModelFiles.ExistingFile(root, labelPath, "labels file"));
        var mean = Field(form, "mean") is { } meanPath ? ModelFiles.ExistingFile(root, meanPath, "mean file") : null;
        var preprocess = ImagePreprocessingOptions.Create(
            mean, Field(form, "meanValues"), Number(form, "scale", 1), Number(form, "rawScale", 255), Field(form, "channelSwap"),
            Field(form, "imagesDim"), centerOnly: false, oversample: Field(form, "oversample") is "on" or "true");
        var net = NetLoading.BuildNet(ModelServices.Provider, model, Phase.Test, RandomSource.FromSeed(0), weights);
        var classifier = new Classifier(net, preprocess, batch: 1, outputName: null, labelPath, labels, keep: net.Blobs.Select(blob => blob.Name));
        var probabilities = classifier.Classify([imageFile], 0, 1)[0];
        var top = Classifier.TopClasses(probabilities, Top)
            .Select(c => new InferenceClass(c, probabilities[c], Classifier.Probability(probabilities[c]), labels?[c]))
            .ToList();
        var kept = new Dictionary<string, (int[] Shape, float[] Values)>(StringComparer.Ordinal);
        var blobs = new List<InferenceBlob>();
        foreach (var blob in net.Blobs)
        {
            // The first item only: one image (its first view, with oversampling) is what the page draws.
            var shape = blob.AxisCount >= 1 ? blob.Shape.Skip(1).ToArray() : [];
            var item = blob.AxisCount >= 1 ? blob.CountFrom(1) : blob.Count;
            kept[blob.Name] = (shape, blob.Data[..Math.Min(item, blob.Count)].ToArray());
            blobs.Add(new InferenceBlob(blob.Name, blob.AxisCount == 0 ? "(1)" : string.Join(' ', blob.Shape)));
        }

        return new InferenceResult(activations.Keep(kept), imageName, classifier.Output.Name, top, blobs);
    }

    // A form field, trimmed; null when absent or empty.
    private static string? Field(IFormCollection form, string name) =>
        form.TryGetValue(name, out var value) && value.ToString().Trim() is { Length: > 0 } text ? text : null;

    private static double Number(IFormCollection form, string name, double fallback)
    {
        var text = Field(form, name);
        if (text is null)
        {
            return fallback;
        }

        return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && double.IsFinite(value)
            ? value
            : throw new LayerNetException($"{name} '{text}' is not a number");
    }
}
