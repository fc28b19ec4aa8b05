using Caffe;
using Google.Protobuf;
using LayerNet.Errors;
using LayerNet.Files;
using LayerNet.Plugins;
using LayerNet.Testing;
using LayerNet.Text;

namespace LayerNet.Framework.Tests.Text;

/// <summary>
/// Fields the schema does not know (a fork's field in a binary file) survive text: printed by number as protoc
/// prints unknown fields, and read back to the same bytes.
/// </summary>
public sealed class UnknownFieldTests
{
    private static readonly PrototxtReader Reader = ParameterExtensions.None.Reader;

    [Test]
    public void Each_wire_type_prints_as_protoc_prints_it()
    {
        var loss = LossParameter.Parser.ParseFrom(Bytes(output =>
        {
            output.WriteTag(LossParameter.NormalizationFieldNumber, WireFormat.WireType.Varint);
            output.WriteEnum((int)LossParameter.Types.NormalizationMode.Full);
            output.WriteTag(4, WireFormat.WireType.Varint);
            output.WriteUInt64(4);
            output.WriteTag(5, WireFormat.WireType.Fixed32);
            output.WriteFixed32(0x3f800000);
            output.WriteTag(6, WireFormat.WireType.Fixed64);
            output.WriteFixed64(0x0123456789abcdef);
            output.WriteTag(7, WireFormat.WireType.LengthDelimited);
            output.WriteBytes(ByteString.CopyFrom([0xff, (byte)'a']));
            output.WriteTag(8, WireFormat.WireType.LengthDelimited);
            output.WriteBytes(ByteString.CopyFrom(Bytes(inner =>
            {
                inner.WriteTag(1, WireFormat.WireType.Varint);
                inner.WriteUInt64(300);
            })));
        }));

        var text = PrototxtWriter.Write(loss, ParameterExtensions.None);

        Assert.That(text, Is.EqualTo("""
            normalization: FULL
            4: 4
            5: 0x3f800000
            6: 0x0123456789abcdef
            7: "\377a"
            8 {
              1: 300
            }

            """.ReplaceLineEndings("\n")));
    }

    [Test]
    public void Unknown_fields_read_back_to_the_same_bytes()
    {
        var text = "normalization: FULL\n4: 4\n5: 0x3f800000\n6: 0x0123456789abcdef\n7: \"\\377a\"\n8 { 1: 300 }\n9: -1\n";

        var loss = Reader.Parse<LossParameter>(text, "loss.prototxt");

        Assert.That(PrototxtWriter.Write(loss, ParameterExtensions.None), Is.EqualTo(PrototxtWriter.Write(Reader.Parse<LossParameter>(PrototxtWriter.Write(loss, ParameterExtensions.None)), ParameterExtensions.None)));
        Assert.That(loss.Normalization, Is.EqualTo(LossParameter.Types.NormalizationMode.Full));
        Assert.That(PrototxtWriter.Write(loss, ParameterExtensions.None), Does.Contain("9: 18446744073709551615\n"), "a negative varint is its two's complement, as protoc writes it");
    }

    [Test]
    public void A_number_that_names_a_known_field_is_still_an_error()
    {
        var error = Assert.Throws<LayerNetException>(() => Reader.Parse<LossParameter>("1: 3", "loss.prototxt"));

        Assert.That(error.Message, Does.StartWith("loss.prototxt(1,1): expected a field name, found "));
    }

    [TestCase("4:", "loss.prototxt(1,3): expected a number, a string or '{' for unknown field 4, found end of file")]
    [TestCase("4: abc", "loss.prototxt(1,4): expected a number, a string or '{' for unknown field 4, found ")]
    [TestCase("4 { 5: 1", "loss.prototxt(1,9): unexpected end of file: expected '}' to close unknown field 4 opened at (1,3)")]
    [TestCase("4 { name: 1 }", "loss.prototxt(1,5): expected a field number inside unknown field 4, found ")]
    [TestCase("536870912: 1", "loss.prototxt(1,1): expected a field name, found ")]
    public void A_malformed_unknown_field_is_one_located_error(string text, string expected)
    {
        var error = Assert.Throws<LayerNetException>(() => Reader.Parse<LossParameter>(text, "loss.prototxt"));

        Assert.That(error.Message, Does.StartWith(expected));
        Assert.That(error.Message, Does.Not.Contain('\n'));
    }

    [Test]
    public void Unknown_fields_nested_past_the_depth_limit_are_an_error_not_a_stack_overflow()
    {
        var text = string.Concat(Enumerable.Repeat("4 { ", 5000)) + string.Concat(Enumerable.Repeat("} ", 5000));

        var error = Assert.Throws<LayerNetException>(() => Reader.Parse<LossParameter>(text, "loss.prototxt"));

        Assert.That(error.Message, Does.Contain("messages nest deeper than 100 levels"));
    }

    [Test]
    public void MTCNNs_det3_caffemodel_converted_to_text_and_back_is_byte_identical()
    {
        var path = Fixtures.File("zoo", "mtcnn_det3.caffemodel");
        var net = MessageFile.ReadBinary<NetParameter>(path, ParameterExtensions.None);

        var text = PrototxtWriter.Write(net, ParameterExtensions.None);
        var back = Reader.Parse<NetParameter>(text, "det3.prototxt");

        Assert.That(text, Does.Contain("  loss_param {\n    normalization: FULL\n    4: 4\n  }\n"));
        Assert.That(back.ToByteArray(), Is.EqualTo(File.ReadAllBytes(path)));
    }

    private static byte[] Bytes(Action<CodedOutputStream> write)
    {
        var stream = new MemoryStream();
        var output = new CodedOutputStream(stream);
        write(output);
        output.Flush();
        return stream.ToArray();
    }
}
