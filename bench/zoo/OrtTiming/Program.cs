// ort-timing MODEL.onnx BATCH THREADS [ITER]: ONNX Runtime's forward time of MODEL at BATCH with THREADS intra-op
// threads (one inter-op thread, sequential execution, all graph optimisations), the median of ITER timed runs after
// a tenth as many (at least 3) untimed ones. Prints `MODEL BATCH THREADS median_ms`.
using System.Diagnostics;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

if (args.Length < 3)
{
    Console.Error.WriteLine("usage: ort-timing MODEL.onnx BATCH THREADS [ITER]");
    return 2;
}

var path = args[0];
var batch = int.Parse(args[1]);
var threads = int.Parse(args[2]);
var iterations = args.Length > 3 ? int.Parse(args[3]) : 20;

using var options = new SessionOptions
{
    IntraOpNumThreads = threads,
    InterOpNumThreads = 1,
    ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
    GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
};
if (threads == 1)
{
    // One thread means the caller's: no spinning pool beside it.
    options.AddSessionConfigEntry("session.intra_op.allow_spinning", "0");
}

using var session = new InferenceSession(path, options);
var input = session.InputMetadata.First();
var dims = input.Value.Dimensions.ToArray();
dims[0] = batch;
var tensor = new DenseTensor<float>(dims);
var random = new Random(0);
var span = tensor.Buffer.Span;
for (var i = 0; i < span.Length; i++)
{
    span[i] = (float)(random.NextDouble() * 2 - 1);
}

var inputs = new List<NamedOnnxValue> { NamedOnnxValue.CreateFromTensor(input.Key, tensor) };
for (var i = 0; i < Math.Max(3, iterations / 10); i++)
{
    using var warm = session.Run(inputs);
}

var times = new double[iterations];
for (var i = 0; i < iterations; i++)
{
    var watch = Stopwatch.StartNew();
    using var result = session.Run(inputs);
    times[i] = watch.Elapsed.TotalMilliseconds;
}

Array.Sort(times);
var median = iterations % 2 == 1 ? times[iterations / 2] : (times[iterations / 2 - 1] + times[iterations / 2]) / 2;
Console.WriteLine($"{Path.GetFileNameWithoutExtension(path)} {batch} {threads} {median:F2}");
return 0;
