using Caffe;
using Google.Protobuf;
using LayerNet.Errors;
using LayerNet.Plugins;
using LayerNet.Text;

namespace LayerNet.Framework.Tests.Text;

/// <summary>
/// A plugin's parameters are proto2 extensions of caffe.LayerParameter (here from text_format_test_extensions.proto):
/// the reader sets them by bracketed full name or by bare name, and the writer prints them.
/// </summary>
public sealed class PrototxtExtensionTests
{
    // The registry refuses the file's second 'priority' (OtherPlugin's), as it would a second plugin's.
    private static readonly ParameterExtensions Schema = SchemaOf(TextFormatTestExtensionsReflection.Descriptor.Extensions.UnorderedExtensions
        .Where(e => e.FullName != "layernet.test.OtherPlugin.priority"));

    private static readonly PrototxtReader Reader = new(TextFormatTestExtensionsReflection.Descriptor.Extensions.UnorderedExtensions
        .Where(e => e.Name != "priority" || e.FullName == "layernet.test.priority"));

    [Test]
    public void An_extension_is_read_by_its_bracketed_full_name()
    {
        var layer = Reader.Parse<LayerParameter>("name: 'a' [layernet.test.scale_shift_param] { scale: 2 axes: [1, 2] } [layernet.test.tags]: 'x' [layernet.test.tags]: ['y'] [layernet.test.priority]: 0");

        Assert.That(layer.GetExtension(TextFormatTestExtensionsExtensions.ScaleShiftParam).Scale, Is.EqualTo(2f));
        Assert.That(layer.GetExtension(TextFormatTestExtensionsExtensions.ScaleShiftParam).Axes, Is.EqualTo(new[] { 1, 2 }));
        Assert.That(layer.GetExtension(TextFormatTestExtensionsExtensions.Tags), Is.EqualTo(new[] { "x", "y" }));
        Assert.That(layer.HasExtension(TextFormatTestExtensionsExtensions.Priority), Is.True);
    }

    [Test]
    public void An_extension_is_read_by_its_bare_name_when_unambiguous()
    {
        var (layer, source) = Reader.ParseDocument<LayerParameter>("scale_shift_param { shift: 1 } priority: 3", "net.prototxt");

        Assert.That(layer.GetExtension(TextFormatTestExtensionsExtensions.ScaleShiftParam).Shift, Is.EqualTo(1f));
        Assert.That(layer.GetExtension(TextFormatTestExtensionsExtensions.Priority), Is.EqualTo(3));
        Assert.That(source.Child(TextFormatTestExtensionsExtensions.ScaleShiftParam.FieldNumber)?.Position,
            Is.EqualTo(new SourcePosition("net.prototxt", 1, 1)));
    }

    [Test]
    public void Extensions_serialise_as_protoc_would()
    {
        var layer = Reader.Parse<LayerParameter>("[layernet.test.priority]: 5");

        // Field 50002, wire type 0: the tag (50002 << 3) = 400016 as a varint is 90 B5 18, then the value 5.
        Assert.That(layer.ToByteArray(), Is.EqualTo(new byte[] { 0x90, 0xB5, 0x18, 5 }));
    }

    [Test]
    public void A_bare_name_shared_by_two_known_extensions_is_ambiguous()
    {
        var reader = new PrototxtReader(TextFormatTestExtensionsReflection.Descriptor.Extensions.UnorderedExtensions
            .Concat(OtherPlugin.Descriptor.Extensions.UnorderedExtensions));

        var error = Assert.Throws<LayerNetException>(() => reader.Parse<LayerParameter>("priority: 1"))!;

        Assert.That(error.Message, Is.EqualTo("(1,1): field name 'priority' is ambiguous in caffe.LayerParameter: it may be [layernet.test.priority] or [layernet.test.OtherPlugin.priority]; write the full name in brackets"));
        Assert.That(reader.Parse<LayerParameter>("[layernet.test.OtherPlugin.priority]: 1").GetExtension(OtherPlugin.Extensions.Priority), Is.EqualTo(1));
    }

    [Test]
    public void An_unknown_extension_lists_the_known_ones()
    {
        var error = Assert.Throws<LayerNetException>(() => Reader.Parse<LayerParameter>("name: 'a'\n[layernet.test.nope] { }"))!;

        Assert.That(error.Message, Is.EqualTo("(2,1): unknown extension '[layernet.test.nope]' for caffe.LayerParameter; known extensions: [layernet.test.priority], [layernet.test.scale_shift_param], [layernet.test.tags]"));
    }

    [Test]
    public void An_extension_the_reader_was_not_given_is_unknown()
    {
        var error = Assert.Throws<LayerNetException>(() => ParameterExtensions.None.Reader.Parse<LayerParameter>("[layernet.test.priority]: 1"))!;

        Assert.That(error.Message, Is.EqualTo("(1,1): unknown extension '[layernet.test.priority]' for caffe.LayerParameter; no extensions of it are registered with the reader"));
    }

    [Test]
    public void An_extension_of_another_message_is_an_error()
    {
        var error = Assert.Throws<LayerNetException>(() => Reader.Parse<NetParameter>("[layernet.test.priority]: 1"))!;

        Assert.That(error.Message, Is.EqualTo("(1,1): extension '[layernet.test.priority]' extends caffe.LayerParameter, not caffe.NetParameter"));
    }

    [Test]
    public void An_extension_given_twice_is_an_error()
    {
        var error = Assert.Throws<LayerNetException>(() => Reader.Parse<LayerParameter>("priority: 1\n[layernet.test.priority]: 2"))!;

        Assert.That(error.Message, Is.EqualTo("(2,1): field '[layernet.test.priority]' given twice (first at line 1)"));
    }

    [Test]
    public void A_misspelt_bare_extension_name_gets_a_suggestion()
    {
        var error = Assert.Throws<LayerNetException>(() => Reader.Parse<LayerParameter>("scale_shfit_param { }"))!;

        Assert.That(error.Message, Is.EqualTo("(1,1): unknown field 'scale_shfit_param' in caffe.LayerParameter; did you mean 'scale_shift_param'?"));
    }

    [Test]
    public void A_normal_field_is_not_accepted_as_an_extension() =>
        Assert.Throws<ArgumentException>(() => _ = new PrototxtReader([LayerParameter.Descriptor.FindFieldByName("name")]));

    [Test]
    public void Set_extensions_are_written_and_read_back()
    {
        var layer = new LayerParameter { Name = "a", Type = "ScaleShift" };
        layer.SetExtension(TextFormatTestExtensionsExtensions.ScaleShiftParam, new ScaleShiftParameter { Scale = 0.5f, Axes = { 1 } });
        layer.GetOrInitializeExtension(TextFormatTestExtensionsExtensions.Tags).Add(["t1", "t2"]);
        layer.SetExtension(TextFormatTestExtensionsExtensions.Priority, 0);

        var text = PrototxtWriter.Write(layer, Schema);

        Assert.That(text, Is.EqualTo("""
            name: "a"
            type: "ScaleShift"
            scale_shift_param {
              scale: 0.5
              axes: 1
            }
            tags: "t1"
            tags: "t2"
            priority: 0

            """.ReplaceLineEndings("\n")));
        Assert.That(Reader.Parse<LayerParameter>(text), Is.EqualTo(layer));
    }

    [Test]
    public void Writing_does_not_touch_unset_extensions()
    {
        var layer = new LayerParameter { Name = "a" };
        var before = layer.Clone();

        Assert.That(PrototxtWriter.Write(layer, Schema), Is.EqualTo("name: \"a\"\n"));
        Assert.That(layer, Is.EqualTo(before));
    }

    private static ParameterExtensions SchemaOf(IEnumerable<Google.Protobuf.Reflection.FieldDescriptor> fields)
    {
        var schema = new ParameterExtensions();
        foreach (var field in fields)
        {
            schema.Add(field);
        }

        return schema;
    }
}
