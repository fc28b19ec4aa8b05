using System.Diagnostics;
using System.Text;
using Caffe;
using Google.Protobuf;
using LayerNet.Errors;
using LayerNet.Files;
using LayerNet.Plugins;
using LayerNet.Text;

namespace LayerNet.Framework.Tests.Text;

/// <summary>
/// Limits instead of aborts (issue 15): a name or string far longer than any real one is an error at its position,
/// found without quadratic work; a byte that is not UTF-8 is refused in a string and passed over in a comment.
/// </summary>
public sealed class PrototxtLimitTests
{
    private static readonly PrototxtReader Reader = ParameterExtensions.None.Reader;

    [Test]
    public void A_name_at_the_limit_is_read_and_one_beyond_it_is_an_error()
    {
        var atLimit = new string('a', PrototxtTokenizer.MaxNameLength);
        var beyond = new string('a', PrototxtTokenizer.MaxNameLength + 1);

        var unknown = Assert.Throws<LayerNetException>(() => Reader.Parse<LayerParameter>($"{atLimit}: 1", "net.prototxt"))!;
        var tooLong = Assert.Throws<LayerNetException>(() => Reader.Parse<LayerParameter>($"name: 'x'\n {beyond}: 1", "net.prototxt"))!;

        Assert.That(unknown.Message, Does.Contain("unknown field"));
        Assert.That(tooLong.Message, Is.EqualTo($"net.prototxt(2,2): a name of 4097 characters ('{atLimit[..64]}...'): the limit is 4096; is this a prototxt file?"));
    }

    [Test]
    public void A_number_of_ten_megabytes_is_an_error_quoting_its_start_only()
    {
        var error = Assert.Throws<LayerNetException>(() => Reader.Parse<LayerParameter>($"loss_weight: {new string('7', 10_000_000)}", "net.prototxt"))!;

        Assert.That(error.Message, Is.EqualTo($"net.prototxt(1,14): a number of 10000000 characters ('{new string('7', 64)}...'): the limit is 4096"));
    }

    [Test]
    public void A_bad_number_quotes_its_start_only()
    {
        var error = Assert.Throws<LayerNetException>(() => Reader.Parse<LayerParameter>($"loss_weight: 1{new string('x', 1000)}", "net.prototxt"))!;

        Assert.That(error.Message, Is.EqualTo($"net.prototxt(1,14): bad number '1{new string('x', 63)}...'"));
    }

    [Test]
    public void A_string_beyond_the_limit_is_an_error_at_its_opening_quote()
    {
        var error = Assert.Throws<LayerNetException>(() => Reader.Parse<LayerParameter>($"name: 'a'\ntype: \"{new string('T', PrototxtTokenizer.MaxStringLength + 1)}\"", "net.prototxt"))!;

        Assert.That(error.Message, Is.EqualTo("net.prototxt(2,7): a string of more than 1048576 characters: the limit for a string; is the closing \" missing?"));
    }

    [Test]
    public void A_huge_unknown_name_gets_no_suggestion_and_costs_no_quadratic_time()
    {
        var name = new string('q', 1_000_000);
        var clock = Stopwatch.StartNew();

        var nearest = NearestName.Find(name, ["Convolution", "InnerProduct", name[..10]]);

        Assert.That(nearest, Is.Null);
        Assert.That(clock.Elapsed, Is.LessThan(TimeSpan.FromSeconds(1)));
    }

    [Test]
    public void A_suggestion_is_still_found_for_a_typo() =>
        Assert.That(NearestName.Find("Convolutoin", ["Convolution", "InnerProduct", "ReLU"]), Is.EqualTo("Convolution"));

    [Test]
    public void Bytes_that_are_not_utf8_are_kept_apart_from_the_characters_of_the_file()
    {
        var text = Utf8Text.Decode([0xEF, 0xBB, 0xBF, (byte)'a', 0xFF, 0xC3, 0xA9, 0xE2, 0x82, (byte)'b', 0xEF, 0xBF, 0xBD]);

        Assert.That(text, Is.EqualTo("a\uDCFF\u00E9\uDCE2\uDC82b\uFFFD"));
        Assert.That(Utf8Text.IsEscapedByte(text[1]) && Utf8Text.EscapedByte(text[1]) == 0xFF, Is.True);
        Assert.That(Utf8Text.IsEscapedByte(text[^1]), Is.False, "a real U+FFFD in the file is a character");
    }

    [Test]
    public void A_byte_that_is_not_utf8_in_a_string_is_an_error_at_its_position()
    {
        using var folder = new TemporaryFile();
        File.WriteAllBytes(folder.Path, [.. "name: 'conv1'\ntype: 'Re"u8.ToArray(), 0xE9, .. "LU'\n"u8.ToArray()]);

        var error = Assert.Throws<LayerNetException>(() => MessageFile.ReadDocument<LayerParameter>(folder.Path, ParameterExtensions.None))!;

        Assert.That(error.Message, Is.EqualTo($"{folder.Path}(2,10): invalid UTF-8 in a string: byte 0xE9 is not part of a UTF-8 character; save the file as UTF-8 (binary data in a bytes field is written as \\xE9)"));
    }

    [Test]
    public void A_byte_that_is_not_utf8_in_a_comment_is_passed_over()
    {
        using var folder = new TemporaryFile();
        File.WriteAllBytes(folder.Path, [.. "# caf"u8.ToArray(), 0xE9, .. "\nname: 'conv1' # \u00e9t\u00e9\n"u8.ToArray()]);

        var viaMessageFile = MessageFile.ReadDocument<LayerParameter>(folder.Path, ParameterExtensions.None).Message;
        var viaReader = Reader.ReadDocument<LayerParameter>(folder.Path).Message;

        Assert.That(viaMessageFile.Name, Is.EqualTo("conv1"));
        Assert.That(viaReader.Name, Is.EqualTo("conv1"));
    }

    [Test]
    public void A_byte_that_is_not_utf8_outside_strings_and_comments_is_an_error() =>
        Assert.That(
            () => Reader.Parse<LayerParameter>(Utf8Text.Decode([.. "name: 'a' "u8.ToArray(), 0xFF]), "net.prototxt"),
            Throws.TypeOf<LayerNetException>().With.Message.EqualTo("net.prototxt(1,11): byte 0xFF is not valid UTF-8; save the file as UTF-8"));

    [Test]
    public void A_binary_file_with_invalid_utf8_in_a_name_is_refused_naming_it()
    {
        using var folder = new TemporaryFile();
        var net = new NetParameter { Name = "n", Layer = { new LayerParameter { Name = "abc", Type = "ReLU" } } };
        var bytes = net.ToByteArray();
        bytes[bytes.AsSpan().IndexOf("abc"u8) + 1] = 0xFF;
        File.WriteAllBytes(folder.Path, bytes);

        var error = Assert.Throws<LayerNetException>(() => MessageFile.ReadBinary<NetParameter>(folder.Path, ParameterExtensions.None))!;

        Assert.That(error.Message, Is.EqualTo($"{folder.Path}: not a valid binary caffe.NetParameter (String is invalid UTF-8); is the file truncated or of another kind?"));
    }

    [Test]
    public void A_binary_file_holding_a_real_replacement_character_is_read()
    {
        using var folder = new TemporaryFile();
        var net = new NetParameter { Name = "n", Layer = { new LayerParameter { Name = "a\uFFFDc", Type = "ReLU" } } };
        File.WriteAllBytes(folder.Path, net.ToByteArray());

        Assert.That(MessageFile.ReadBinary<NetParameter>(folder.Path, ParameterExtensions.None).Layer[0].Name, Is.EqualTo("a\uFFFDc"));
    }

    private sealed class TemporaryFile : IDisposable
    {
        public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"layernet-limits-{Guid.NewGuid():N}.prototxt");

        public void Dispose() => File.Delete(Path);
    }
}
