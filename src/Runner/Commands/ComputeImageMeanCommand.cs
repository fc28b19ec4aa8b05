using System.CommandLine;
using System.Globalization;
using System.Text;
using Caffe;
using Google.Protobuf;
using LayerNet.Errors;
using LayerNet.Files;
using LayerNet.Layers.Data;
using LightningDB;

namespace LayerNet.Runner.Commands;

/// <summary>
/// <c>layernet compute-image-mean</c>: Caffe's tools/compute_image_mean. The mean of every Datum of an LMDB, as a
/// 1 x C x H x W BlobProto for <c>transform_param.mean_file</c>, and the mean of each channel.
/// </summary>
/// <remarks>
/// As Caffe computes it: sums in float (each byte, or float_data value, added in record order), each divided by
/// the record count; a channel's mean is the float sum of its mean values divided by H x W. Encoded datums are
/// decoded keeping their colour type (gray files gray, others B, G, R). Every record must hold the first one's
/// number of values.
/// </remarks>
internal static class ComputeImageMeanCommand
{
    private const int ReportEvery = 10000;

    public static Command Create(RunnerEnvironment environment)
    {
        var database = new Argument<string>("DB") { Description = "The LMDB database of Datum records (convert-imageset's output)." };
        var output = new Argument<string?>("OUTPUT") { Description = "The mean file to write (.binaryproto); without it only the channel means are printed.", Arity = ArgumentArity.ZeroOrOne };
        var backend = new Option<string>("--backend") { Description = "The database kind: lmdb (the only one LayerNet reads).", DefaultValueFactory = _ => "lmdb" };
        var command = new Command("compute-image-mean", """
            Compute the mean image of a database of Datum records (Caffe's compute_image_mean), for transform_param's
            mean_file, and print the mean of each channel (for mean_value).

            Examples:
              layernet compute-image-mean train_lmdb mean.binaryproto
              layernet compute-image-mean train_lmdb
            """)
        {
            database, output, backend,
        };
        command.SetAction(result =>
        {
            var kind = result.GetValue(backend)!;
            if (!string.Equals(kind, "lmdb", StringComparison.OrdinalIgnoreCase))
            {
                throw new LayerNetException($"--backend {kind} is not supported: LayerNet reads LMDB databases (--backend lmdb)");
            }

            var (databasePath, outputPath) = (result.GetValue(database)!, result.GetValue(output));
            if (outputPath is not null)
            {
                OutputFile.RequireOutside(databasePath, outputPath, "OUTPUT", "the database");
            }

            Compute(databasePath, outputPath, environment.Output);
            return 0;
        });
        return command;
    }

    /// <summary>
    /// Computes the mean image of the LMDB at <paramref name="path"/>, writes it to <paramref name="outputPath"/> (when
    /// given) and the command's log lines to <paramref name="log"/> (the dashboard's Datasets page calls it too).
    /// </summary>
    /// <exception cref="LayerNetException">The database cannot be read, holds no records or records of different sizes.</exception>
    public static BlobProto Compute(string path, string? outputPath, TextWriter log)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(log);
        LmdbDatabase database;
        try
        {
            database = LmdbDatabase.Open(path);
        }
        catch (Exception exception) when (exception is LightningException or IOException or InvalidDataException or UnauthorizedAccessException)
        {
            throw new LayerNetException($"cannot open LMDB database '{path}': {exception.Message}", exception);
        }

        BlobProto mean;
        using (database)
        {
            try
            {
                using var cursor = database.OpenCursor();
                mean = Sum(cursor, path, log);
            }
            catch (Exception exception) when (exception is LightningException or InvalidDataException)
            {
                throw new LayerNetException($"cannot read LMDB database '{path}': {exception.Message}", exception);
            }
        }

        if (outputPath is not null)
        {
            log.WriteLine($"Write to {outputPath}");
            MessageFile.WriteAtomic(outputPath, mean.ToByteArray());
        }

        log.WriteLine($"Number of channels: {mean.Channels}");
        var channels = ChannelMeans(mean);
        for (var c = 0; c < channels.Length; c++)
        {
            log.WriteLine($"mean_value channel [{c}]:{Number(channels[c])}");
        }

        return mean;
    }

    /// <summary>The mean of each channel of a mean image, as Caffe prints it: the float sum of the channel's values over H x W.</summary>
    public static float[] ChannelMeans(BlobProto mean)
    {
        ArgumentNullException.ThrowIfNull(mean);
        var plane = mean.Height * mean.Width;
        var channels = new float[mean.Channels];
        for (var c = 0; c < channels.Length; c++)
        {
            var sum = 0f;
            for (var i = 0; i < plane; i++)
            {
                sum += mean.Data[(plane * c) + i];
            }

            channels[c] = sum / plane;
        }

        return channels;
    }

    private static BlobProto Sum(LmdbRecordCursor cursor, string path, TextWriter log)
    {
        if (cursor.IsEmpty)
        {
            throw new LayerNetException($"LMDB database '{path}' holds no records");
        }

        var datum = new DatumRecord();
        var reader = new ImageFileReader();
        float[] sums = [];
        int channels = 0, height = 0, width = 0, count = 0;
        do
        {
            var record = cursor.Value;
            if (!datum.Decode(record))
            {
                throw new LayerNetException($"record '{Key(cursor)}' in '{path}' is not a Caffe Datum");
            }

            ReadOnlySpan<byte> bytes = record[datum.Data];
            int c = datum.Channels, h = datum.Height, w = datum.Width;
            if (datum.Encoded)
            {
                try
                {
                    reader.DecodeNative(bytes);
                }
                catch (InvalidDataException exception)
                {
                    throw new LayerNetException($"record '{Key(cursor)}' in '{path}': the encoded image {exception.Message}", exception);
                }

                bytes = reader.Planes;
                (c, h, w) = (reader.Channels, reader.Height, reader.Width);
            }

            var size = Math.Max(bytes.Length, datum.FloatCount);
            if (count == 0)
            {
                (channels, height, width) = (c, h, w);
                if ((long)c * h * w != size || size == 0)
                {
                    throw new LayerNetException($"record '{Key(cursor)}' in '{path}' declares {c} x {h} x {w} but holds {size} values");
                }

                sums = new float[size];
            }
            else if (size != sums.Length)
            {
                throw new LayerNetException($"record '{Key(cursor)}' in '{path}' holds {size} values; the first holds {sums.Length} ({channels} x {height} x {width}), and every record must hold as many");
            }

            if (bytes.Length > 0)
            {
                for (var i = 0; i < sums.Length; i++)
                {
                    sums[i] += bytes[i];
                }
            }
            else
            {
                var floats = datum.FloatData;
                for (var i = 0; i < sums.Length; i++)
                {
                    sums[i] += floats[i];
                }
            }

            if (++count % ReportEvery == 0)
            {
                log.WriteLine($"Processed {count} files.");
            }
        }
        while (cursor.MoveNext());

        if (count % ReportEvery != 0)
        {
            log.WriteLine($"Processed {count} files.");
        }

        var mean = new BlobProto { Num = 1, Channels = channels, Height = height, Width = width };
        for (var i = 0; i < sums.Length; i++)
        {
            mean.Data.Add(sums[i] / count);
        }

        return mean;
    }

    /// <summary>A float as C++'s stream prints it by default: 6 significant digits, %g style.</summary>
    private static string Number(float value) => value.ToString("G6", CultureInfo.InvariantCulture).Replace('E', 'e');

    private static string Key(LmdbRecordCursor cursor) => Encoding.UTF8.GetString(cursor.Key);
}
