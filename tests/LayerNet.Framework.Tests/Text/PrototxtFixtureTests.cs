using Google.Protobuf;
using Google.Protobuf.Reflection;
using LayerNet.Testing;
using LayerNet.Plugins;
using LayerNet.Text;

namespace LayerNet.Framework.Tests.Text;

/// <summary>
/// Every prototxt of Caffe's examples and models, against the binary protoc made of it with Caffe's caffe.proto:
/// the reader must build the message protoc built, byte for byte, and the writer's text must read back equal.
/// </summary>
public sealed class PrototxtFixtureTests
{
    private static IEnumerable<TestCaseData> CaffeFiles()
    {
        foreach (var line in File.ReadAllLines(Fixtures.File("caffe-prototxt", "INDEX.txt")))
        {
            var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length == 2)
            {
                yield return new TestCaseData(parts[0], parts[1]).SetName($"{{m}}({parts[0]})");
            }
        }
    }

    private static MessageDescriptor DescriptorOf(string typeName) =>
        Caffe.CaffeReflection.Descriptor.FindTypeByName<MessageDescriptor>(typeName["caffe.".Length..])
        ?? throw new AssertionException($"caffe.proto has no message {typeName}");

    [Test]
    public void The_index_lists_every_fixture() =>
        Assert.That(CaffeFiles().Count(), Is.EqualTo(54));

    [TestCaseSource(nameof(CaffeFiles))]
    public void Reading_gives_the_bytes_protoc_gave(string file, string typeName)
    {
        var message = ParameterExtensions.None.Reader.ReadDocument(DescriptorOf(typeName), Fixtures.File("caffe-prototxt", file)).Message;

        var expected = File.ReadAllBytes(Fixtures.File("caffe-prototxt", Path.ChangeExtension(file, ".pb")));
        Assert.That(message.ToByteArray(), Is.EqualTo(expected));
    }

    [TestCaseSource(nameof(CaffeFiles))]
    public void Writing_and_reading_back_gives_an_equal_message(string file, string typeName)
    {
        var descriptor = DescriptorOf(typeName);
        var reader = ParameterExtensions.None.Reader;
        var message = reader.ReadDocument(descriptor, Fixtures.File("caffe-prototxt", file)).Message;

        var text = PrototxtWriter.Write(message, ParameterExtensions.None);

        Assert.That(reader.ParseDocument(descriptor, text).Message, Is.EqualTo(message));
    }
}
