using System.Buffers.Binary;
using System.Xml.Linq;
using LayerNet.Runner.Drawing;

namespace LayerNet.Runner.Tests.Pictures;

/// <summary>What the picture tests read back: PNG sizes, SVG text, and whether Graphviz is installed.</summary>
internal static class PictureFiles
{
    /// <summary>True when Graphviz's dot is on PATH (CI installs it; see .ci/run).</summary>
    public static bool HasGraphviz => Graphviz.Find() is not null;

    /// <summary>Ignores the test when Graphviz is missing: SVG and PNG drawings need it; the .dot tests run without it.</summary>
    public static void RequireGraphviz()
    {
        if (!HasGraphviz)
        {
            Assert.Ignore("Graphviz's dot is not installed (apt-get install graphviz); .ci/run installs it.");
        }
    }

    /// <summary>The width and height in a PNG's IHDR chunk, after checking the signature.</summary>
    public static (int Width, int Height) PngSize(string path)
    {
        var bytes = File.ReadAllBytes(path);
        byte[] signature = [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];
        Assert.That(bytes.Length, Is.GreaterThan(33), path);
        Assert.That(bytes[..8], Is.EqualTo(signature), $"{path} is not a PNG");
        Assert.That(System.Text.Encoding.ASCII.GetString(bytes, 12, 4), Is.EqualTo("IHDR"));
        return (BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(16, 4)), BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(20, 4)));
    }

    /// <summary>Parses an SVG file as XML (failing the test when it is not) and returns its root.</summary>
    public static XElement Svg(string path)
    {
        var document = XDocument.Load(path);
        Assert.That(document.Root, Is.Not.Null);
        Assert.That(document.Root!.Name.LocalName, Is.EqualTo("svg"));
        return document.Root;
    }

    /// <summary>The text of every text element of an SVG, entities decoded.</summary>
    public static string[] SvgTexts(XElement svg) =>
        [.. svg.Descendants().Where(element => element.Name.LocalName == "text").Select(element => element.Value.Trim())];

    /// <summary>A new temporary folder.</summary>
    public static string TemporaryFolder() => Directory.CreateTempSubdirectory("layernet-pictures-").FullName;
}
