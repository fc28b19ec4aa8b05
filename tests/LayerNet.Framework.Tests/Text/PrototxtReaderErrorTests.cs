using Caffe;
using LayerNet.Plugins;
using LayerNet.Errors;
using LayerNet.Text;

namespace LayerNet.Framework.Tests.Text;

/// <summary>Every mistake raises a LayerNetException at file(line,col) with a message that says what to change.</summary>
public sealed class PrototxtReaderErrorTests
{
    private static readonly PrototxtReader Reader = ParameterExtensions.None.Reader;

    private static LayerNetException ErrorReading<T>(string text)
        where T : Google.Protobuf.IMessage<T>, new() =>
        Assert.Throws<LayerNetException>(() => Reader.Parse<T>(text, "net.prototxt"))!;

    private static void AssertError<T>(string text, int line, int column, string detail)
        where T : Google.Protobuf.IMessage<T>, new()
    {
        var error = ErrorReading<T>(text);
        Assert.That(error.Detail, Is.EqualTo(detail));
        Assert.That(error.Position, Is.EqualTo(new SourcePosition("net.prototxt", line, column)));
        Assert.That(error.Message, Is.EqualTo($"net.prototxt({line},{column}): {detail}"));
    }

    [Test]
    public void An_unknown_field_suggests_the_nearest_name() =>
        AssertError<LayerParameter>("name: 'a'\n  nmae: 'b'", 2, 3, "unknown field 'nmae' in caffe.LayerParameter; did you mean 'name'?");

    [Test]
    public void An_unknown_field_far_from_any_name_gets_no_suggestion() =>
        AssertError<LayerParameter>("colour: 'b'", 1, 1, "unknown field 'colour' in caffe.LayerParameter; a field a Caffe fork added needs the plugin that declares it (--plugin)");

    [Test]
    public void An_unknown_enum_value_lists_the_valid_names() =>
        AssertError<LayerParameter>("pooling_param {\n  pool: MAXX\n}", 2, 9,
            "unknown value 'MAXX' for enum caffe.PoolingParameter.PoolMethod; expected one of MAX, AVE, STOCHASTIC");

    [Test]
    public void An_unknown_enum_number_lists_the_valid_names() =>
        AssertError<PoolingParameter>("pool: 7", 1, 7,
            "unknown value '7' for enum caffe.PoolingParameter.PoolMethod; expected one of MAX, AVE, STOCHASTIC");

    [Test]
    public void A_string_for_an_integer_is_a_wrong_value_type() =>
        AssertError<ConvolutionParameter>("num_output: \"96\"", 1, 13, "expected a non-negative integer for field 'num_output' (uint32), found \"96\"");

    [Test]
    public void A_float_for_an_integer_is_a_wrong_value_type() =>
        AssertError<AllTypes>("f_int32: 1.5", 1, 10, "expected an integer for field 'f_int32' (int32), found '1.5'");

    [Test]
    public void A_brace_for_a_scalar_is_a_wrong_value_type() =>
        AssertError<LayerParameter>("name { }", 1, 6, "expected ':' after field 'name' (string), found '{'");

    [Test]
    public void A_scalar_for_a_message_is_a_wrong_value_type() =>
        AssertError<LayerParameter>("pooling_param: 3", 1, 16, "field 'pooling_param' is a message (caffe.PoolingParameter); expected '{' to open it, found '3'");

    [Test]
    public void An_identifier_for_a_string_is_a_wrong_value_type() =>
        AssertError<LayerParameter>("name: conv1", 1, 7, "expected a quoted string for field 'name' (string), found 'conv1'");

    [Test]
    public void A_word_for_a_bool_is_a_wrong_value_type() =>
        AssertError<AllTypes>("f_bool: yes", 1, 9, "expected true or false for field 'f_bool' (bool), found 'yes'");

    [Test]
    public void A_list_for_a_singular_field_is_a_wrong_value_type() =>
        AssertError<AllTypes>("f_int32: [1]", 1, 10, "expected an integer for field 'f_int32' (int32), found '['");

    [TestCase("f_int32: 2147483648", 10, "integer 2147483648 is out of range for field 'f_int32' (int32: -2147483648 to 2147483647)")]
    [TestCase("f_int32: -2147483649", 10, "integer -2147483649 is out of range for field 'f_int32' (int32: -2147483648 to 2147483647)")]
    [TestCase("f_int32: 0xffffffff", 10, "integer 0xffffffff is out of range for field 'f_int32' (int32: -2147483648 to 2147483647)")]
    [TestCase("f_sint32: 3000000000", 11, "integer 3000000000 is out of range for field 'f_sint32' (sint32: -2147483648 to 2147483647)")]
    [TestCase("f_sfixed32: 3000000000", 13, "integer 3000000000 is out of range for field 'f_sfixed32' (sfixed32: -2147483648 to 2147483647)")]
    [TestCase("f_int64: 9223372036854775808", 10, "integer 9223372036854775808 is out of range for field 'f_int64' (int64: -9223372036854775808 to 9223372036854775807)")]
    [TestCase("f_sint64: 99999999999999999999", 11, "integer 99999999999999999999 is out of range for field 'f_sint64' (sint64: -9223372036854775808 to 9223372036854775807)")]
    [TestCase("f_sfixed64: -9223372036854775809", 13, "integer -9223372036854775809 is out of range for field 'f_sfixed64' (sfixed64: -9223372036854775808 to 9223372036854775807)")]
    [TestCase("f_uint32: 4294967296", 11, "integer 4294967296 is out of range for field 'f_uint32' (uint32: 0 to 4294967295)")]
    [TestCase("f_fixed32: 4294967296", 12, "integer 4294967296 is out of range for field 'f_fixed32' (fixed32: 0 to 4294967295)")]
    [TestCase("f_uint64: 18446744073709551616", 11, "integer 18446744073709551616 is out of range for field 'f_uint64' (uint64: 0 to 18446744073709551615)")]
    [TestCase("f_fixed64: 0x10000000000000000", 12, "integer 0x10000000000000000 is out of range for field 'f_fixed64' (fixed64: 0 to 18446744073709551615)")]
    [TestCase("f_uint32: -1", 11, "negative value -1 for field 'f_uint32' (uint32: 0 to 4294967295)")]
    [TestCase("f_bool: 2", 9, "expected true or false for field 'f_bool' (bool), found '2'")]
    [TestCase("f_color: 2147483648", 10, "integer 2147483648 is out of range for field 'f_color' (enum layernet.test.AllTypes.Color: -2147483648 to 2147483647)")]
    public void An_integer_out_of_range_names_the_range(string text, int column, string detail) =>
        AssertError<AllTypes>(text, 1, column, detail);

    [Test]
    public void A_scalar_given_twice_is_an_error() =>
        AssertError<LayerParameter>("name: 'a'\ntype: 'b'\n  name: 'c'", 3, 3, "field 'name' given twice (first at line 1)");

    [Test]
    public void A_message_given_twice_is_an_error() =>
        AssertError<LayerParameter>("pooling_param { }\npooling_param { pool: AVE }", 2, 1, "field 'pooling_param' given twice (first at line 1)");

    [Test]
    public void Two_members_of_a_oneof_is_an_error() =>
        AssertError<AllTypes>("choice_number: 1\nchoice_text: 'a'", 2, 1, "field 'choice_text' and field 'choice_number' (line 1) are both in oneof 'choice'; give only one");

    [Test]
    public void A_missing_required_field_is_an_error() =>
        AssertError<AllTypes>("with_required { }", 1, 1, "layernet.test.Required is missing the required field 'id'");

    [Test]
    public void A_string_may_not_run_to_the_end_of_the_file() =>
        AssertError<LayerParameter>("name: 'abc", 1, 7, "unterminated string: the file ends before the closing '");

    [Test]
    public void A_string_may_not_cross_a_line_break() =>
        AssertError<LayerParameter>("name: \"abc\ndef\"", 1, 7, "string is not closed before the end of the line; close it with \" (write \\n for a line break inside a string)");

    [Test]
    public void A_closing_brace_without_an_opening_one_is_an_error() =>
        AssertError<LayerParameter>("name: 'a'\n}", 2, 1, "'}' without matching '{'");

    [Test]
    public void A_message_left_open_names_where_it_was_opened() =>
        AssertError<NetParameter>("name: 'n'\n\nlayer {\n  name: 'a'\n", 5, 1, "unexpected end of file: expected '}' to close 'layer' opened at (3,1)");

    [Test]
    public void A_message_closed_by_the_wrong_bracket_is_an_error() =>
        AssertError<NetParameter>("layer <\n  name: 'a'\n}", 3, 1, "expected '>' to close 'layer' opened at (1,1), found '}'");

    [Test]
    public void A_list_left_open_is_an_error() =>
        AssertError<LayerParameter>("bottom: ['a', 'b'", 1, 18, "unexpected end of file: expected ']' to close the list opened at (1,9)");

    [Test]
    public void A_list_without_commas_is_an_error() =>
        AssertError<LayerParameter>("bottom: ['a' 'b' top]", 1, 18, "expected ',' or ']' in the list opened at (1,9), found 'top'");

    [Test]
    public void The_end_of_file_after_a_field_name_is_an_error() =>
        AssertError<LayerParameter>("name:", 1, 6, "unexpected end of file: expected a quoted string for field 'name' (string)");

    [Test]
    public void A_value_without_a_field_name_is_an_error() =>
        AssertError<LayerParameter>("name: 'a' 'b' : 3", 1, 15, "expected a field name, found ':'");

    [Test]
    public void A_missing_colon_before_a_scalar_is_an_error() =>
        AssertError<LayerParameter>("name 'a'", 1, 6, "expected ':' after field 'name' (string), found 'a'");

    [TestCase(@"name: 'a\qb'", 9, @"invalid escape '\q' in string; valid escapes are \n \t \r \a \b \f \v \\ \' \"" \? \xHH \NNN (octal) \uHHHH \UHHHHHHHH")]
    [TestCase(@"name: 'a\xg'", 9, @"invalid escape '\x': it must be followed by one or two hex digits")]
    [TestCase(@"name: 'a\u12'", 9, @"invalid escape: '\u' must be followed by 4 hex digits")]
    [TestCase(@"name: '\ud800'", 8, @"invalid escape: U+D800 is not a Unicode scalar value")]
    [TestCase(@"name: '\xff'", 7, @"string for field 'name' is not valid UTF-8 (escapes like \xHH must spell UTF-8 bytes; use a bytes field for binary data)")]
    public void A_bad_escape_is_an_error(string text, int column, string detail) =>
        AssertError<LayerParameter>(text, 1, column, detail);

    [TestCase("f_int32: 089", 10, "number '089' starts with 0, so it is octal, but has the digit 8; drop the leading zero for decimal")]
    [TestCase("f_int32: 0x", 10, "'0x' must be followed by hex digits")]
    [TestCase("f_double: 1e", 11, "number '1e' has an 'e' with no exponent after it")]
    [TestCase("f_double: 1.5.2", 11, "bad number '1.5.2'")]
    [TestCase("f_int32: 12abc", 10, "bad number '12abc'")]
    [TestCase("f_double: 1.5e3x", 11, "bad number '1.5e3x'")]
    [TestCase("f_double: -", 12, "unexpected end of file: expected a number for field 'f_double' (double)")]
    [TestCase("f_double: infinit", 11, "expected a number for field 'f_double' (double), found 'infinit'")]
    public void A_bad_number_is_an_error(string text, int column, string detail) =>
        AssertError<AllTypes>(text, 1, column, detail);

    [Test]
    public void A_stray_character_is_an_error() =>
        AssertError<LayerParameter>("name: 'a' \u00e9", 1, 11, "unexpected character U+00E9; only comments and strings may hold such characters");

    [Test]
    public void Nesting_deeper_than_the_limit_is_an_error_not_a_crash()
    {
        var text = string.Concat(Enumerable.Repeat("child { ", 100_000));

        var error = ErrorReading<AllTypes>(text);

        Assert.That(error.Detail, Is.EqualTo("messages nest deeper than 100 levels"));
        Assert.That(error.Position, Is.EqualTo(new SourcePosition("net.prototxt", 1, 807)));
    }

    [Test]
    public void Nesting_up_to_the_limit_is_read()
    {
        var text = string.Concat(Enumerable.Repeat("child { ", 100)) + new string('}', 100);

        Assert.That(Reader.Parse<AllTypes>(text).Child, Is.Not.Null);
    }

    [Test]
    public void Only_layer_net_exceptions_escape_for_any_garbage()
    {
        var random = new Random(1701);
        const string alphabet = "{}[]<>:;,#'\"\\-.0123456789xeEfinat_ \n\tlayer name pool MAX";
        for (var trial = 0; trial < 2000; trial++)
        {
            var chars = new char[random.Next(1, 40)];
            for (var i = 0; i < chars.Length; i++)
            {
                chars[i] = alphabet[random.Next(alphabet.Length)];
            }

            var text = new string(chars);
            try
            {
                Reader.Parse<NetParameter>(text);
                Reader.Parse<AllTypes>(text);
            }
            catch (LayerNetException)
            {
            }
            catch (Exception exception)
            {
                Assert.Fail($"input {text} raised {exception}");
            }
        }
    }

    [Test]
    public void Reading_a_missing_file_names_the_path()
    {
        var path = Path.Combine("no-such-folder", "net.prototxt");

        var error = Assert.Throws<LayerNetException>(() => Reader.ReadDocument<NetParameter>(path))!;

        Assert.That(error.Message, Is.EqualTo($"cannot read model file '{path}': no such file"));
    }

    [Test]
    public void Reading_a_folder_names_the_path()
    {
        var folder = Path.GetTempPath();

        var error = Assert.Throws<LayerNetException>(() => Reader.ReadDocument(NetParameter.Descriptor, folder))!;

        Assert.That(error.Message, Is.EqualTo($"cannot read model file '{folder}': it is a folder, not a file"));
    }

    [Test]
    public void Positions_from_a_file_name_the_path_as_given()
    {
        var folder = Directory.CreateTempSubdirectory("layernet-text-");
        try
        {
            var path = Path.Combine(folder.FullName, "net.prototxt");
            File.WriteAllText(path, "\uFEFFname: 'n'\nlayer { nmae: 'a' }");

            var error = Assert.Throws<LayerNetException>(() => Reader.ReadDocument<NetParameter>(path))!;

            Assert.That(error.Message, Is.EqualTo($"{path}(2,9): unknown field 'nmae' in caffe.LayerParameter; did you mean 'name'?"));
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }
}
