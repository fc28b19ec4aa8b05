using System.Globalization;

namespace LayerNet.Layers.Tests.Zoo;

/// <summary>The zoo fixtures' input and expected-output files (MTCNN's O-Net), read for the tests that run it.</summary>
internal static class ZooInput
{
    // The fixture's expected outputs: '#' comments, then one blob a line (name, then its values).
    public static Dictionary<string, float[]> ReadExpected(string path)
    {
        var blobs = new Dictionary<string, float[]>();
        foreach (var line in File.ReadLines(path))
        {
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }

            var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            blobs[fields[0]] = [.. fields.Skip(1).Select(f => float.Parse(f, CultureInfo.InvariantCulture))];
        }

        return blobs;
    }

    // A little-endian float32, C-order .npy file of the given shape (NumPy format version 1 or 2).
    public static float[] ReadNpyFloat32(string path, int[] shape)
    {
        var bytes = File.ReadAllBytes(path);
        Assert.That(bytes.AsSpan(0, 6).ToArray(), Is.EqualTo(new byte[] { 0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y' }));
        var major = bytes[6];
        var headerLength = major == 1 ? BitConverter.ToUInt16(bytes, 8) : (int)BitConverter.ToUInt32(bytes, 8);
        var headerStart = major == 1 ? 10 : 12;
        var header = System.Text.Encoding.ASCII.GetString(bytes, headerStart, headerLength);
        Assert.That(header, Does.Contain("'descr': '<f4'").And.Contain("'fortran_order': False").And.Contain($"'shape': ({string.Join(", ", shape)}),"));
        var data = bytes.AsSpan(headerStart + headerLength);
        var values = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(data).ToArray();
        Assert.That(values, Has.Length.EqualTo(shape.Aggregate(1, (a, b) => a * b)));
        return values;
    }
}
