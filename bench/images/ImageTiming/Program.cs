using System.Diagnostics;
using System.Globalization;
using LayerNet.Layers.Data;

// image-timing ROOT LIST HEIGHT WIDTH [ROUNDS]: decodes every file of a Caffe image list (colour) and resizes it to
// HEIGHT x WIDTH with the reader ImageData and convert-imageset use (SkiaSharp decode, OpenCV's INTER_LINEAR, the
// C x H x W BGR layout of a datum), ROUNDS times; prints the best round's seconds and images per second. One thread.
if (args.Length is < 4 or > 5)
{
    Console.Error.WriteLine("usage: image-timing ROOT LIST HEIGHT WIDTH [ROUNDS]");
    return 1;
}

var root = args[0];
var paths = File.ReadLines(args[1]).Where(line => line.Trim().Length > 0).Select(line => root + line[..line.LastIndexOf(' ')]).ToArray();
var height = int.Parse(args[2], CultureInfo.InvariantCulture);
var width = int.Parse(args[3], CultureInfo.InvariantCulture);
var rounds = args.Length == 5 ? int.Parse(args[4], CultureInfo.InvariantCulture) : 1;
var reader = new ImageFileReader();
long checksum = 0;
var best = double.MaxValue;
for (var round = 0; round < rounds; round++)
{
    var clock = Stopwatch.StartNew();
    foreach (var path in paths)
    {
        reader.Read(path, color: true, height, width);
        checksum += reader.Planes[reader.Planes.Length / 2];
    }

    best = Math.Min(best, clock.Elapsed.TotalSeconds);
}

Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{best:F3} s, {paths.Length / best:F0} images/s ({paths.Length} images, best of {rounds}, checksum {checksum})"));
return 0;
