using System.CommandLine;
using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;
using Caffe;
using Google.Protobuf;
using LayerNet.Errors;
using LayerNet.Fillers;
using LayerNet.Layers.Data;
using LightningDB;
using SkiaSharp;

namespace LayerNet.Runner.Commands;

/// <summary>
/// <c>layernet convert-imageset</c>: Caffe's tools/convert_imageset. Reads the images a list names into an LMDB of
/// Datum records (keys <c>%08d_path</c>, the line's index after shuffling), raw (C x H x W bytes, B, G, R) or
/// encoded (the image file's bytes, or the image re-encoded when resized or another format is asked for).
/// </summary>
/// <remarks>
/// Records are committed every 1,000 as Caffe does, into a folder beside DB that is renamed to DB at the end: a
/// failure leaves nothing at DB. Unlike Caffe, which logs an unreadable image and goes on, an image that cannot be
/// read stops the conversion, naming it and its list line. An interrupt (SIGINT, SIGTERM, SIGHUP) stops it before
/// the next image, removes the folder and exits 130, saying how many images were in.
/// </remarks>
internal static class ConvertImagesetCommand
{
    private const int CommitEvery = 1000;

    public static Command Create(RunnerEnvironment environment)
    {
        var root = new Argument<string>("ROOT") { Description = "The folder the list's paths are relative to, ending in '/' (its text is put before each path, as Caffe does)." };
        var list = new Argument<string>("LIST") { Description = "The image list: one 'path label' per line (split at the last space)." };
        var database = new Argument<string>("DB") { Description = "The LMDB folder to write; it must not exist." };
        var resizeHeight = new Option<int>("--resize-height") { Description = "Resize every image to this height (with --resize-width), as OpenCV's bilinear resize." };
        var resizeWidth = new Option<int>("--resize-width") { Description = "Resize every image to this width (with --resize-height)." };
        var gray = new Option<bool>("--gray") { Description = "Read the images in gray (one channel) instead of colour (B, G, R)." };
        var shuffle = new Option<bool>("--shuffle") { Description = "Shuffle the list's order (Caffe's shuffle; seeded by --seed, else by the clock)." };
        var seed = new Option<long?>("--seed") { Description = "The seed of --shuffle, for a reproducible order." };
        var encoded = new Option<bool>("--encoded") { Description = "Store the images encoded (compressed) instead of as raw pixels." };
        var encodeType = new Option<string?>("--encode-type") { Description = "With --encoded: png or jpg (default: each file's own format, stored as it is)." };
        var checkSize = new Option<bool>("--check-size") { Description = "Check that every raw image has the first one's size." };
        var backend = new Option<string>("--backend") { Description = "The database kind: lmdb (the only one LayerNet writes).", DefaultValueFactory = _ => "lmdb" };
        var command = new Command("convert-imageset", """
            Convert a list of images with labels into an LMDB database of Caffe Datum records (Caffe's convert_imageset),
            for the Data layer. Writes into a temporary folder beside DB, renamed to DB when every image is in.

            Examples:
              layernet convert-imageset --resize-height 32 --resize-width 32 --shuffle images/ train.txt train_lmdb
              layernet convert-imageset --gray --check-size digits/ digits.txt digits_lmdb
              layernet convert-imageset --encoded --encode-type png photos/ photos.txt photos_lmdb
            """)
        {
            root, list, database, resizeHeight, resizeWidth, gray, shuffle, seed, encoded, encodeType, checkSize, backend,
        };
        command.SetAction(result =>
        {
            var options = new ConvertImagesetOptions(
                result.GetValue(root)!, result.GetValue(list)!, result.GetValue(database)!, result.GetValue(resizeHeight), result.GetValue(resizeWidth),
                result.GetValue(gray), result.GetValue(shuffle), result.GetValue(seed), result.GetValue(encoded), result.GetValue(encodeType),
                result.GetValue(checkSize), result.GetValue(backend)!);
            try
            {
                ConvertWithSignals(options, environment);
            }
            catch (OperationCanceledException interrupted)
            {
                // Ctrl+C, kill or a hang-up: the temporary folder is gone, DB was never made; exit as a shell's 128 + SIGINT.
                environment.Error.WriteLine(interrupted.Message);
                return 130;
            }

            return 0;
        });
        return command;
    }

    // The command: Ctrl+C, kill or a hang-up stops the conversion before the next image (the process is not killed),
    // and a person watching a terminal sees a progress bar on standard error.
    private static void ConvertWithSignals(ConvertImagesetOptions options, RunnerEnvironment environment)
    {
        var terminal = Supervisor.ErrorIsTerminal && ReferenceEquals(environment.Error, Console.Error);
        var clock = terminal ? Stopwatch.StartNew() : null;
        var interrupted = false;
        void OnSignal(PosixSignalContext context)
        {
            context.Cancel = true;
            interrupted = true;
        }

        void Draw(int count, int total)
        {
            if (clock is { ElapsedMilliseconds: >= 100 } || (clock is not null && count == total))
            {
                clock.Restart();
                var filled = count * 30 / total;
                environment.Error.Write($"\r\u001b[K[{new string('#', filled)}{new string('.', 30 - filled)}] {count}/{total} images");
                environment.Error.Flush();
            }
        }

        void Clear()
        {
            if (clock is not null)
            {
                environment.Error.Write("\r\u001b[K");
                environment.Error.Flush();
            }
        }

        using var onInterrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
        using var onTerminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
        using var onHangUp = PosixSignalRegistration.Create(PosixSignal.SIGHUP, OnSignal);
        Convert(options, environment.Output, new ImagesetProgress(Draw, Clear, () => interrupted));
    }

    /// <summary>
    /// Converts the list into a new LMDB as the command does, writing its log lines to <paramref name="output"/> and
    /// telling <paramref name="progress"/> of each image (the dashboard's Datasets page runs it as a job).
    /// </summary>
    /// <exception cref="LayerNetException">A bad option, list or image, or a database that cannot be written; nothing is left at DB.</exception>
    /// <exception cref="OperationCanceledException"><see cref="ImagesetProgress.Stopped"/> said so; nothing is left at DB.</exception>
    public static void Convert(ConvertImagesetOptions options, TextWriter output, ImagesetProgress progress)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(progress);
        var format = Check(options);
        var target = Path.GetFullPath(options.Database);
        if (Directory.Exists(target) || File.Exists(target))
        {
            throw new LayerNetException($"'{options.Database}' already exists: convert-imageset writes a new database (Caffe: mkdir {options.Database} failed)");
        }

        ImageListLine[] lines;
        try
        {
            lines = ImageListLine.ReadAll(options.List);
        }
        catch (FormatException exception)
        {
            throw new LayerNetException($"image list '{options.List}' {exception.Message}", exception);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            throw new LayerNetException($"cannot read image list '{options.List}': {exception.Message}", exception);
        }

        if (lines.Length == 0)
        {
            throw new LayerNetException($"image list '{options.List}' holds no images");
        }

        if (options.Shuffle)
        {
            (options.Seed is { } value ? RandomSource.FromSeed(value) : RandomSource.FromClock()).Shuffle(lines.AsSpan());
        }

        output.WriteLine($"A total of {lines.Length} images.");
        var parent = Path.GetDirectoryName(target) ?? ".";
        if (!Directory.Exists(parent))
        {
            throw new LayerNetException($"cannot write '{options.Database}': folder '{parent}' does not exist");
        }

        var temporary = Path.Combine(parent, $".{Path.GetFileName(target)}.partial-{Guid.NewGuid():N}");
        try
        {
            Directory.CreateDirectory(temporary);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            throw new LayerNetException($"cannot write '{options.Database}': cannot make a folder in '{parent}': {exception.Message}", exception);
        }

        try
        {
            Write(lines, options, format, temporary, output, progress);
            Directory.Move(temporary, target);
        }
        catch
        {
            Directory.Delete(temporary, recursive: true);
            throw;
        }
        finally
        {
            progress.Clear();
        }
    }

    private static void Write(ImageListLine[] lines, ConvertImagesetOptions options, SKEncodedImageFormat? format, string folder, TextWriter output, ImagesetProgress progress)
    {
        var reader = new ImageFileReader();
        var checkedSize = -1;
        var count = 0;
        try
        {
            using var writer = LmdbWriter.Create(folder);
            for (var id = 0; id < lines.Length; id++)
            {
                if (progress.Stopped())
                {
                    throw new OperationCanceledException($"convert-imageset interrupted after {count} of {lines.Length} images; nothing written to '{options.Database}'");
                }

                var line = lines[id];
                var path = options.Root + line.Path;
                var datum = new Datum { Label = line.Label };
                try
                {
                    reader.Read(path, !options.Gray, options.ResizeHeight, options.ResizeWidth);
                    if (options.Encoded)
                    {
                        datum.Encoded = true;
                        datum.Data = StoredAsItIs(line.Path, options, format)
                            ? ByteString.CopyFrom(File.ReadAllBytes(path))
                            : ByteString.CopyFrom(reader.Encode(format ?? OwnFormat(line.Path)));
                    }
                    else
                    {
                        (datum.Channels, datum.Height, datum.Width) = (reader.Channels, reader.Height, reader.Width);
                        datum.Data = ByteString.CopyFrom(reader.Planes);
                    }
                }
                catch (Exception exception) when (exception is InvalidDataException or IOException or UnauthorizedAccessException)
                {
                    throw new LayerNetException($"image '{path}' {Completion(exception)} (image list '{options.List}', line {line.Number}); nothing written to '{options.Database}'", exception);
                }

                if (options.CheckSize && !options.Encoded)
                {
                    if (checkedSize < 0)
                    {
                        checkedSize = datum.Data.Length;
                    }
                    else if (datum.Data.Length != checkedSize)
                    {
                        throw new LayerNetException($"image '{path}' (image list '{options.List}', line {line.Number}) holds {datum.Data.Length} values ({reader.Channels} x {reader.Height} x {reader.Width}); the first holds {checkedSize} (--check-size); nothing written to '{options.Database}'");
                    }
                }

                writer.Put(Encoding.UTF8.GetBytes($"{id:D8}_{line.Path}"), datum.ToByteArray());
                if (++count % CommitEvery == 0)
                {
                    writer.Commit();
                    progress.Clear();
                    output.WriteLine($"Processed {count} files.");
                }

                progress.Image(count, lines.Length);
            }

            if (count % CommitEvery != 0)
            {
                writer.Commit();
                progress.Clear();
                output.WriteLine($"Processed {count} files.");
            }
        }
        catch (LightningException exception)
        {
            throw new LayerNetException($"cannot write LMDB database '{options.Database}' (after {count} images): {exception.Message}", exception);
        }
    }

    /// <summary>
    /// Caffe stores an image file's own bytes when it is not resized and its extension is the encoding asked for
    /// (each file's own when none is): a jpeg file counts as jpg.
    /// </summary>
    private static bool StoredAsItIs(string path, ConvertImagesetOptions options, SKEncodedImageFormat? format)
    {
        if (options.ResizeHeight > 0 || format is null)
        {
            return options.ResizeHeight == 0;
        }

        var extension = Path.GetExtension(path).TrimStart('.').ToLowerInvariant();
        return format == SKEncodedImageFormat.Png ? extension == "png" : extension is "jpg" or "jpeg";
    }

    /// <summary>The format of a file's extension, for a resized image re-encoded without --encode-type (PNG unless it is a JPEG).</summary>
    private static SKEncodedImageFormat OwnFormat(string path) =>
        Path.GetExtension(path).ToLowerInvariant() is ".jpg" or ".jpeg" ? SKEncodedImageFormat.Jpeg : SKEncodedImageFormat.Png;

    private static string Completion(Exception exception) =>
        exception is InvalidDataException ? exception.Message : $"cannot be read: {exception.Message}";

    private static SKEncodedImageFormat? Check(ConvertImagesetOptions options)
    {
        if (!string.Equals(options.Backend, "lmdb", StringComparison.OrdinalIgnoreCase))
        {
            throw new LayerNetException($"--backend {options.Backend} is not supported: LayerNet writes LMDB databases (--backend lmdb)");
        }

        if (options.ResizeHeight < 0 || options.ResizeWidth < 0 || (options.ResizeHeight == 0) != (options.ResizeWidth == 0))
        {
            throw new LayerNetException($"--resize-height and --resize-width go together, both positive (got {options.ResizeHeight} and {options.ResizeWidth})");
        }

        if (options.EncodeType is null)
        {
            return null;
        }

        if (!options.Encoded)
        {
            throw new LayerNetException("--encode-type needs --encoded");
        }

        return options.EncodeType.ToLowerInvariant() switch
        {
            "png" => SKEncodedImageFormat.Png,
            "jpg" or "jpeg" => SKEncodedImageFormat.Jpeg,
            _ => throw new LayerNetException($"--encode-type must be png or jpg, got '{options.EncodeType}'"),
        };
    }
}
