// What moving data between two cores costs on this machine, the bound on splitting one image's layers over cores:
// a buffer written by one thread and then read by another (the reader's time), the writer's next write of a buffer
// the other thread has read, and the same write and read on one thread. Pin it to two cores (taskset -c 0,1).
// Usage: cross-core [BYTES ...]   (default 65536 409600 1638400)
using System.Diagnostics;
using System.Numerics.Tensors;

var sizes = args.Length > 0 ? args.Select(int.Parse).ToArray() : [65536, 409600, 1638400];
Console.WriteLine($"processors {Environment.ProcessorCount}");
foreach (var bytes in sizes)
{
    Measure(bytes);
}

static void Measure(int bytes)
{
    const int Rounds = 2000, Warm = 100;
    var buffer = new float[bytes / 4];
    var posted = 0;
    var done = 0;
    var sink = 0f;
    var reader = new Thread(() =>
    {
        for (var i = 1; i <= Rounds; i++)
        {
            while (Volatile.Read(ref posted) != i)
            {
            }

            sink += TensorPrimitives.Sum(buffer);
            Volatile.Write(ref done, i);
        }
    });
    reader.Start();
    double write = 0, read = 0;
    for (var i = 1; i <= Rounds; i++)
    {
        var clock = Stopwatch.StartNew();
        buffer.AsSpan().Fill(i);
        var written = clock.Elapsed.TotalMicroseconds;
        Volatile.Write(ref posted, i);
        while (Volatile.Read(ref done) != i)
        {
        }

        if (i > Warm)
        {
            write += written;
            read += clock.Elapsed.TotalMicroseconds - written;
        }
    }

    reader.Join();
    var local = Stopwatch.StartNew();
    for (var i = 0; i < Rounds - Warm; i++)
    {
        buffer.AsSpan().Fill(i);
        sink += TensorPrimitives.Sum(buffer);
    }

    var n = Rounds - Warm;
    Console.WriteLine(
        $"{bytes,9} bytes: write after the other core read it {write / n,7:F1} us; read on the other core (hand-over included) {read / n,7:F1} us; " +
        $"write and read on one core {local.Elapsed.TotalMicroseconds / n,7:F1} us{(sink == 1 ? " " : string.Empty)}");
}
