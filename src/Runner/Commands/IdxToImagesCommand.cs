using System.CommandLine;
using System.Globalization;
using System.Text;
using LayerNet.Errors;
using LayerNet.Files;
using LayerNet.Layers.Data;
using SkiaSharp;

namespace LayerNet.Runner.Commands;

/// <summary>
/// <c>layernet idx-to-images</c>: writes the images of an IDX file (MNIST, Fashion-MNIST) as gray PNG files, one
/// per image, and an image list of <c>path label</c> lines for ImageData or convert-imageset.
/// </summary>
/// <remarks>
/// Image i is written as <c>OUT_FOLDER/NNNNN.png</c> (i zero-padded to the count's digits), its bytes unchanged
/// (PNG is lossless; the file is 8-bit gray, rows x columns as the IDX item). The list's paths are relative to the
/// list's own folder, so that folder (ending in '/') is the root_folder to give ImageData. The list is written to a
/// temporary file and renamed at the end: a failure leaves no list, only the images written so far.
/// </remarks>
internal static class IdxToImagesCommand
{
    public static Command Create(RunnerEnvironment environment)
    {
        var images = new Argument<string>("IMAGES") { Description = "The IDX file of images (count x rows x columns unsigned bytes; gzip compressed or raw)." };
        var labels = new Argument<string>("LABELS") { Description = "The IDX file of labels (one unsigned byte per image)." };
        var folder = new Argument<string>("OUT_FOLDER") { Description = "The folder to write the PNG files into (made if missing)." };
        var list = new Argument<string>("LIST") { Description = "The image list to write: one 'path label' line per image, paths relative to the list's folder." };
        var command = new Command("idx-to-images", """
            Write the images of an IDX file (MNIST, Fashion-MNIST) as gray PNG files, with an image list of
            'path label' lines (paths relative to the list's folder) for ImageData or convert-imageset.

            Example:
              layernet idx-to-images train-images-idx3-ubyte.gz train-labels-idx1-ubyte.gz data/train data/train.txt
            """)
        {
            images, labels, folder, list,
        };
        command.SetAction(result =>
        {
            Write(result.GetValue(images)!, result.GetValue(labels)!, result.GetValue(folder)!, result.GetValue(list)!, environment.Output);
            return 0;
        });
        return command;
    }

    private static void Write(string imagesPath, string labelsPath, string folder, string listPath, TextWriter log)
    {
        var images = IdxFile.Read(imagesPath);
        var labels = IdxFile.Read(labelsPath);
        if (images.Dimensions.Count != 3)
        {
            throw new LayerNetException($"IDX file '{imagesPath}' has {images.Dimensions.Count} dimensions; images are count x rows x columns (3)");
        }

        if (labels.Dimensions.Count != 1)
        {
            throw new LayerNetException($"IDX file '{labelsPath}' has {labels.Dimensions.Count} dimensions; labels are one byte per image (1)");
        }

        if (labels.Count != images.Count)
        {
            throw new LayerNetException($"IDX file '{labelsPath}' holds {labels.Count} labels but '{imagesPath}' holds {images.Count} images");
        }

        int rows = images.Dimensions[1], columns = images.Dimensions[2];
        var listFolder = Path.GetDirectoryName(Path.GetFullPath(listPath))!;
        var imageFolder = Path.GetFullPath(folder);
        try
        {
            Directory.CreateDirectory(imageFolder);
            Directory.CreateDirectory(listFolder);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            throw new LayerNetException($"cannot make folder '{folder}': {exception.Message}", exception);
        }

        var digits = Math.Max(5, (images.Count - 1).ToString(CultureInfo.InvariantCulture).Length);
        var relativeFolder = Path.GetRelativePath(listFolder, imageFolder).Replace('\\', '/');
        var text = new StringBuilder();
        using var bitmap = new SKBitmap(new SKImageInfo(columns, rows, SKColorType.Gray8, SKAlphaType.Opaque));
        for (var i = 0; i < images.Count; i++)
        {
            var name = i.ToString("D" + digits.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture) + ".png";
            var path = Path.Combine(imageFolder, name);
            images.Item(i).CopyTo(bitmap.GetPixelSpan());
            try
            {
                using var data = bitmap.Encode(SKEncodedImageFormat.Png, 100) ?? throw new IOException("the image library could not encode it as PNG");
                using var file = File.Create(path);
                data.SaveTo(file);
            }
            catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
            {
                throw new LayerNetException($"cannot write image {i} to '{path}': {exception.Message.Split('\n', 2)[0].Trim()}", exception);
            }

            text.Append(relativeFolder == "." ? name : relativeFolder + "/" + name).Append(' ')
                .Append(labels.Item(i)[0].ToString(CultureInfo.InvariantCulture)).Append('\n');
        }

        MessageFile.WriteAtomic(listPath, Encoding.UTF8.GetBytes(text.ToString()));

        log.WriteLine($"Wrote {images.Count} images of {rows} x {columns} to {folder} and their list to {listPath}.");
    }
}
