using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using LayerNet.Blobs;
using LayerNet.Errors;
using LayerNet.Layers;
using LayerNet.Nets;

namespace LayerNet.Runner.Commands;

/// <summary>
/// <c>layernet forward</c>: one forward pass (and backward with <c>--backward</c>) over a model file, printing
/// every blob and every learnable parameter: values, and gradients after backward.
/// </summary>
internal static class ForwardCommand
{
    private const int FullPrintLimit = 64;

    public static Command Create(RunnerEnvironment environment)
    {
        var backward = new Option<bool>("--backward") { Description = "Run backward too (with force_backward, so inputs get gradients) and print gradients." };
        var json = new Option<bool>("--json") { Description = "Print one JSON object: {\"loss\", \"blobs\": [{name, shape, data, diff}], \"params\": [{layer, index, shape, data, diff}]}, streamed (constant memory, whatever the net)." };
        var blobs = new Option<string?>("--blobs") { Description = "NAME,...: print only these blobs (and no parameters)." };
        var arguments = new ModelArguments(defaultPhase: "test", weights: true, inputs: true);
        var preprocessing = new ImagePreprocessingOptions();
        var command = new Command("forward", """
            Run one forward pass (and optionally backward) and print every blob and parameter.

            Examples:
              layernet forward --model models/lecture/sigmoid_neuron.prototxt --backward
              layernet forward --model models/lecture/circuit.prototxt --input x=-2 --input y=5 --input z=-4 --backward --json
              layernet forward --model lenet.prototxt --weights lenet_iter_2000.caffemodel --phase test
              layernet forward --model deploy.prototxt --weights net.caffemodel --input data=batch.npy --blobs prob --json
              layernet forward --model deploy.prototxt --weights net.caffemodel --input data=cat.jpg --mean-values 104,117,123 --blobs prob
              layernet forward @args.txt   (a response file: one argument per line)

            --input NAME=FILE reads an image (.jpg, .jpeg, .png, .bmp, .gif, .webp; preprocessed as classify does, with
            the same options, the blob's first dimension becoming 1, or 10 with --oversample), a NumPy .npy file (float
            or integer) or a raw little-endian float32 file holding exactly the blob's number of values.
            """)
        {
            backward, json, blobs,
        };
        arguments.AddTo(command);
        preprocessing.AddTo(command);
        command.SetAction(result =>
        {
            using var interrupts = InterruptScope.Start(environment.Error);
            using var services = environment.BuildServices(result);
            var runBackward = result.GetValue(backward);
            var net = arguments.Build(result, services, forceBackward: runBackward, images: preprocessing.Create(result));
            var printed = PrintedBlobs(net, result.GetValue(blobs));
            if (!runBackward && !printed.Params)
            {
                // Only the named blobs are printed: every other one may share its buffer once its last reader has run.
                net.PlanMemory(printed.Blobs.Select(blob => blob.Name));
            }

            var loss = net.Forward();
            if (runBackward)
            {
                net.ClearParamDiffs();
                net.Backward();
            }

            if (result.GetValue(json))
            {
                WriteJson(environment.Output, net, printed, loss);
            }
            else
            {
                WriteText(environment.Output, net, printed, loss, runBackward);
            }

            return 0;
        });
        return command;
    }

    // The blobs --blobs names, in its order (an unknown name is an error before the pass), or every blob and parameter.
    private static (IReadOnlyList<Blob> Blobs, bool Params) PrintedBlobs(Net net, string? names)
    {
        if (names is null)
        {
            return (net.Blobs, true);
        }

        var picked = new List<Blob>();
        foreach (var name in names.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            if (!net.HasBlob(name))
            {
                throw new LayerNetException($"--blobs: the net has no blob '{name}'; its blobs are {string.Join(", ", net.Blobs.Select(b => b.Name))}");
            }

            picked.Add(net.Blob(name));
        }

        return picked.Count > 0 ? (picked, false) : throw new LayerNetException("--blobs: expected NAME,... (one blob name or more)");
    }

    private static void WriteText(TextWriter output, Net net, (IReadOnlyList<Blob> Blobs, bool Params) printed, float loss, bool withDiff)
    {
        output.WriteLine($"loss = {Format(loss)}");
        foreach (var blob in printed.Blobs)
        {
            output.WriteLine($"blob {blob.Name} [{blob.ShapeString}]");
            output.WriteLine($"  data: {Describe(blob.Data)}");
            if (withDiff)
            {
                output.WriteLine($"  diff: {Describe(blob.Diff)}");
            }
        }

        foreach (var (layer, index, blob) in printed.Params ? Params(net) : [])
        {
            output.WriteLine($"param {layer.Name}[{index}] [{blob.ShapeString}]");
            output.WriteLine($"  data: {Describe(blob.Data)}");
            if (withDiff)
            {
                output.WriteLine($"  diff: {Describe(blob.Diff)}");
            }
        }
    }

    // Streamed: the writer's buffer goes out whenever it holds 64 KiB, so memory stays constant however large the net.
    private static void WriteJson(TextWriter output, Net net, (IReadOnlyList<Blob> Blobs, bool Params) printed, float loss)
    {
        using var stream = new TextWriterStream(output);
        using (var writer = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = false }))
        {
            writer.WriteStartObject();
            writer.WritePropertyName("loss");
            WriteNumber(writer, loss);
            writer.WriteStartArray("blobs");
            foreach (var blob in printed.Blobs)
            {
                writer.WriteStartObject();
                writer.WriteString("name", blob.Name);
                WriteBlob(writer, blob);
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteStartArray("params");
            foreach (var (layer, index, blob) in printed.Params ? Params(net) : [])
            {
                writer.WriteStartObject();
                writer.WriteString("layer", layer.Name);
                writer.WriteNumber("index", index);
                WriteBlob(writer, blob);
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        output.WriteLine();
    }

    private static IEnumerable<(Layer Layer, int Index, Blob Blob)> Params(Net net)
    {
        foreach (var layer in net.Layers)
        {
            for (var i = 0; i < layer.Blobs.Count; i++)
            {
                yield return (layer, i, layer.Blobs[i]);
            }
        }
    }

    private static void WriteBlob(Utf8JsonWriter writer, Blob blob)
    {
        writer.WriteStartArray("shape");
        foreach (var dim in blob.Shape)
        {
            writer.WriteNumberValue(dim);
        }

        writer.WriteEndArray();
        writer.WriteStartArray("data");
        WriteNumbers(writer, blob.Data);

        writer.WriteEndArray();
        writer.WriteStartArray("diff");
        WriteNumbers(writer, blob.Diff);

        writer.WriteEndArray();
    }

    private static void WriteNumbers(Utf8JsonWriter writer, ReadOnlySpan<float> values)
    {
        foreach (var value in values)
        {
            WriteNumber(writer, value);
            if (writer.BytesPending >= 65_536)
            {
                writer.Flush();
            }
        }
    }

    private static void WriteNumber(Utf8JsonWriter writer, float value)
    {
        // JSON has no NaN or infinity; they are written as strings, as Python's json module would read back with a hook.
        if (float.IsFinite(value))
        {
            writer.WriteNumberValue(value);
        }
        else
        {
            writer.WriteStringValue(value.ToString(CultureInfo.InvariantCulture));
        }
    }

    private static string Describe(ReadOnlySpan<float> values)
    {
        if (values.Length <= FullPrintLimit)
        {
            var parts = new string[values.Length];
            for (var i = 0; i < values.Length; i++)
            {
                parts[i] = Format(values[i]);
            }

            return string.Join(' ', parts);
        }

        var mean = System.Numerics.Tensors.TensorPrimitives.Sum(values) / values.Length;
        var variance = 0.0;
        foreach (var v in values)
        {
            variance += (v - mean) * (v - mean);
        }

        var std = Math.Sqrt(variance / values.Length);
        var first = new string[8];
        for (var i = 0; i < first.Length; i++)
        {
            first[i] = Format(values[i]);
        }

        return $"{string.Join(' ', first)} ... ({values.Length} values; mean {Format(mean)}, std {Format((float)std)}, " +
            $"min {Format(System.Numerics.Tensors.TensorPrimitives.Min(values))}, max {Format(System.Numerics.Tensors.TensorPrimitives.Max(values))})";
    }

    private static string Format(float value) => value.ToString("G6", CultureInfo.InvariantCulture);
}
