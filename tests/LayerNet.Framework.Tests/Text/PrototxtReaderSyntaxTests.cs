using Caffe;
using Google.Protobuf;
using LayerNet.Plugins;
using LayerNet.Errors;
using LayerNet.Text;

namespace LayerNet.Framework.Tests.Text;

/// <summary>Everything protoc's text parser accepts, the reader accepts, with the value protoc gives.</summary>
public sealed class PrototxtReaderSyntaxTests
{
    private static readonly PrototxtReader Reader = ParameterExtensions.None.Reader;

    private static AllTypes Read(string text) => Reader.Parse<AllTypes>(text);

    [Test]
    public void Comments_and_any_separator_between_fields_are_accepted()
    {
        var layer = Reader.Parse<LayerParameter>("# a layer\nname: \"a\" # trailing\n, type: 'Conv'; bottom: \"x\"\ttop: \"y\";");

        Assert.That(layer.Name, Is.EqualTo("a"));
        Assert.That(layer.Type, Is.EqualTo("Conv"));
        Assert.That(layer.Bottom, Is.EqualTo(new[] { "x" }));
        Assert.That(layer.Top, Is.EqualTo(new[] { "y" }));
    }

    [TestCase("pooling_param { pool: AVE }")]
    [TestCase("pooling_param: { pool: AVE }")]
    [TestCase("pooling_param < pool: AVE >")]
    [TestCase("pooling_param: < pool: AVE >")]
    public void A_message_value_takes_an_optional_colon_and_braces_or_angle_brackets(string text) =>
        Assert.That(Reader.Parse<LayerParameter>(text).PoolingParam.Pool, Is.EqualTo(PoolingParameter.Types.PoolMethod.Ave));

    [Test]
    public void Repeated_fields_can_repeat_or_be_lists()
    {
        var message = Read("r_int32: 1 r_int32: [2, 3] r_int32: [] r_int32: 4 r_string: ['a', \"b\"] r_color: [GREEN, 0]");

        Assert.That(message.RInt32, Is.EqualTo(new[] { 1, 2, 3, 4 }));
        Assert.That(message.RString, Is.EqualTo(new[] { "a", "b" }));
        Assert.That(message.RColor, Is.EqualTo(new[] { AllTypes.Types.Color.Green, AllTypes.Types.Color.Red }));
    }

    [Test]
    public void A_list_can_hold_messages()
    {
        var net = Reader.Parse<NetParameter>("layer [ { name: 'a' }, < name: 'b' > ] layer: { name: 'c' } layer: []");

        Assert.That(net.Layer.Select(l => l.Name), Is.EqualTo(new[] { "a", "b", "c" }));
    }

    [TestCase("f_color: BLUE", AllTypes.Types.Color.Blue)]
    [TestCase("f_color: 1", AllTypes.Types.Color.Green)]
    [TestCase("f_color: -2", AllTypes.Types.Color.Blue)]
    public void Enums_are_read_by_name_or_number(string text, AllTypes.Types.Color expected) =>
        Assert.That(Read(text).FColor, Is.EqualTo(expected));

    [TestCase(@"'a\nb'", "a\nb")]
    [TestCase(@"'\t\r\a\b\f\v'", "\t\r\a\b\f\v")]
    [TestCase(@"'\\ \' \"" \?'", "\\ ' \" ?")]
    [TestCase(@"""it's""", "it's")]
    [TestCase(@"'\x41\x4a\x7'", "AJ\a")]
    [TestCase(@"'\101\1012\0'", "AA2\0")]
    [TestCase(@"'\u00e9\U0001F600'", "é\U0001F600")]
    [TestCase(@"'\303\251'", "é")]
    [TestCase("'café'", "café")]
    [TestCase("'a' \"b\"\n 'c'", "abc")]
    [TestCase("''", "")]
    public void Strings_take_either_quote_C_escapes_and_adjacent_literals(string literal, string expected) =>
        Assert.That(Read("f_string: " + literal).FString, Is.EqualTo(expected));

    [Test]
    public void Strings_go_into_bytes_fields_byte_for_byte() =>
        Assert.That(Read(@"f_bytes: '\377\000a\xfe' r_bytes: 'x'").FBytes.ToByteArray(), Is.EqualTo(new byte[] { 0xFF, 0, (byte)'a', 0xFE }));

    [TestCase("f_int32: 42", 42)]
    [TestCase("f_int32: -42", -42)]
    [TestCase("f_int32: 0x7fffffff", int.MaxValue)]
    [TestCase("f_int32: -0x80000000", int.MinValue)]
    [TestCase("f_int32: 017", 15)]
    [TestCase("f_int32: 0", 0)]
    [TestCase("f_int32: -2147483648", int.MinValue)]
    public void Integers_are_decimal_hex_or_octal_and_signed(string text, int expected) =>
        Assert.That(Read(text).FInt32, Is.EqualTo(expected));

    [Test]
    public void Every_integer_type_takes_its_full_range()
    {
        var message = Read("""
            f_int64: -9223372036854775808 f_uint32: 4294967295 f_uint64: 18446744073709551615
            f_sint32: -2147483648 f_sint64: 9223372036854775807 f_fixed32: 0xffffffff
            f_fixed64: 0xffffffffffffffff f_sfixed32: -1 f_sfixed64: -9223372036854775808
            """);

        Assert.That(message.FInt64, Is.EqualTo(long.MinValue));
        Assert.That(message.FUint32, Is.EqualTo(uint.MaxValue));
        Assert.That(message.FUint64, Is.EqualTo(ulong.MaxValue));
        Assert.That(message.FSint32, Is.EqualTo(int.MinValue));
        Assert.That(message.FSint64, Is.EqualTo(long.MaxValue));
        Assert.That(message.FFixed32, Is.EqualTo(uint.MaxValue));
        Assert.That(message.FFixed64, Is.EqualTo(ulong.MaxValue));
        Assert.That(message.FSfixed32, Is.EqualTo(-1));
        Assert.That(message.FSfixed64, Is.EqualTo(long.MinValue));
    }

    [TestCase("1.5", 1.5)]
    [TestCase("-1.5", -1.5)]
    [TestCase("1e-3", 1e-3)]
    [TestCase("2.5E+2", 250.0)]
    [TestCase(".5", 0.5)]
    [TestCase("5.", 5.0)]
    [TestCase("1.5f", 1.5)]
    [TestCase("2F", 2.0)]
    [TestCase("7", 7.0)]
    [TestCase("0x10", 16.0)]
    [TestCase("-3", -3.0)]
    [TestCase("123456789012345678901234567890", 1.2345678901234568e29)]
    [TestCase("inf", double.PositiveInfinity)]
    [TestCase("Infinity", double.PositiveInfinity)]
    [TestCase("-INF", double.NegativeInfinity)]
    public void Floats_take_every_protoc_spelling(string literal, double expected)
    {
        var message = Read($"f_double: {literal} f_float: {literal}");

        Assert.That(message.FDouble, Is.EqualTo(expected));
        Assert.That(message.FFloat, Is.EqualTo((float)expected));
    }

    [TestCase("nan")]
    [TestCase("NaN")]
    [TestCase("-nan")]
    public void Nan_is_read_in_any_case(string literal)
    {
        var message = Read($"f_double: {literal} f_float: {literal}");

        Assert.That(double.IsNaN(message.FDouble), Is.True);
        Assert.That(float.IsNaN(message.FFloat), Is.True);
        Assert.That(double.IsNegative(message.FDouble), Is.EqualTo(literal.StartsWith('-')));
    }

    [Test]
    public void Nan_is_the_quiet_nan_protoc_makes()
    {
        var message = Read("f_double: nan f_float: nan");

        Assert.That(BitConverter.DoubleToInt64Bits(message.FDouble), Is.EqualTo(0x7FF8_0000_0000_0000));
        Assert.That(BitConverter.SingleToInt32Bits(message.FFloat), Is.EqualTo(0x7FC0_0000));
    }

    [Test]
    public void Negative_zero_keeps_its_sign() =>
        Assert.That(double.IsNegative(Read("f_double: -0").FDouble), Is.True);

    [Test]
    public void A_float_is_read_as_double_then_narrowed_as_protoc_does() =>
        Assert.That(Read("f_float: 3.5e38").FFloat, Is.EqualTo(float.PositiveInfinity));

    [TestCase("true", true)]
    [TestCase("True", true)]
    [TestCase("t", true)]
    [TestCase("1", true)]
    [TestCase("false", false)]
    [TestCase("False", false)]
    [TestCase("f", false)]
    [TestCase("0", false)]
    public void Bools_take_every_protoc_spelling(string literal, bool expected)
    {
        var message = Read("f_bool: " + literal);

        Assert.That(message.FBool, Is.EqualTo(expected));
        Assert.That(message.HasFBool, Is.True);
    }

    [Test]
    public void Setting_a_field_to_its_default_still_marks_it_present()
    {
        var pooling = Reader.Parse<PoolingParameter>("pool: MAX stride: 1 global_pooling: false");

        Assert.That(pooling.HasPool, Is.True);
        Assert.That(pooling.HasStride, Is.True);
        Assert.That(pooling.HasGlobalPooling, Is.True);
        Assert.That(pooling.ToByteArray(), Is.EqualTo(new byte[] { 8, 0, 24, 1, 96, 0 }));
    }

    [Test]
    public void Empty_text_gives_an_empty_message()
    {
        Assert.That(Reader.Parse<NetParameter>(""), Is.EqualTo(new NetParameter()));
        Assert.That(Reader.Parse<NetParameter>("  # only a comment\n"), Is.EqualTo(new NetParameter()));
    }

    [Test]
    public void Nested_messages_and_oneofs_are_set()
    {
        var message = Read("child { child { f_int32: 3 } } choice_text: 'x' with_required { id: 0 }");

        Assert.That(message.Child.Child.FInt32, Is.EqualTo(3));
        Assert.That(message.ChoiceCase, Is.EqualTo(AllTypes.ChoiceOneofCase.ChoiceText));
        Assert.That(message.WithRequired.HasId, Is.True);
    }

    [Test]
    public void An_empty_message_body_still_sets_the_field() =>
        Assert.That(Reader.Parse<LayerParameter>("pooling_param { }").PoolingParam, Is.Not.Null);

    [Test]
    public void The_descriptor_overload_builds_the_described_message()
    {
        var message = Reader.ParseDocument(LayerParameter.Descriptor, "name: 'a'", "net.prototxt").Message;

        Assert.That(message, Is.EqualTo(new LayerParameter { Name = "a" }));
    }

    [Test]
    public void Positions_are_kept_for_the_top_level_and_every_nested_message()
    {
        var net = Reader.ParseDocument<NetParameter>("\n  name: 'n'\nlayer {\n  name: 'a'\n\tinclude { phase: TRAIN }\n}\nlayer [ { name: 'b' } ]", "net.prototxt").Source;

        Assert.That(net.Position, Is.EqualTo(new SourcePosition("net.prototxt", 2, 3)));
        Assert.That(net.Child(NetParameter.LayerFieldNumber, 0)?.Position, Is.EqualTo(new SourcePosition("net.prototxt", 3, 1)));
        Assert.That(net.Child(NetParameter.LayerFieldNumber, 0)?.Child(LayerParameter.IncludeFieldNumber, 0)?.Position, Is.EqualTo(new SourcePosition("net.prototxt", 5, 2)));
        Assert.That(net.Child(NetParameter.LayerFieldNumber, 1)?.Position, Is.EqualTo(new SourcePosition("net.prototxt", 7, 9)));
    }

    [Test]
    public void An_empty_text_is_positioned_at_its_start() =>
        Assert.That(Reader.ParseDocument<NetParameter>("", "x").Source.Position, Is.EqualTo(new SourcePosition("x", 1, 1)));

    [Test]
    public void A_large_file_is_read_quickly()
    {
        var text = new System.Text.StringBuilder();
        for (var i = 0; i < 50_000; i++)
        {
            text.Append("layer { name: \"conv").Append(i).Append("\" type: \"Convolution\" bottom: \"data\" top: \"conv\" ")
                .Append("param { lr_mult: 1 } convolution_param { num_output: 96 kernel_size: 11 stride: 4 weight_filler { type: \"gaussian\" std: 0.01 } } }\n");
        }

        Assert.That(text.Length, Is.GreaterThan(10_000_000));
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var net = Reader.Parse<NetParameter>(text.ToString());

        Assert.That(net.Layer, Has.Count.EqualTo(50_000));
        Assert.That(watch.Elapsed, Is.LessThan(TimeSpan.FromSeconds(10)));
    }
}
