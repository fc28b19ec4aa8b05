using Caffe;
using Google.Protobuf;
using LayerNet.Plugins;
using LayerNet.Text;

namespace LayerNet.Framework.Tests.Text;

/// <summary>The writer prints protoc's style, and whatever it prints reads back as an equal message.</summary>
public sealed class PrototxtWriterTests
{
    private static readonly PrototxtReader Reader = ParameterExtensions.None.Reader;

    private static void AssertRoundTrip(AllTypes message) =>
        Assert.That(Reader.Parse<AllTypes>(PrototxtWriter.Write(message, ParameterExtensions.None)), Is.EqualTo(message));

    [Test]
    public void A_net_is_printed_in_protoc_style()
    {
        var net = new NetParameter { Name = "n" };
        var layer = new LayerParameter { Name = "pool1", Type = "Pooling", Bottom = { "conv1" }, Top = { "pool1" } };
        layer.PoolingParam = new PoolingParameter { Pool = PoolingParameter.Types.PoolMethod.Max, KernelSize = 3, Stride = 2 };
        layer.Include.Add(new NetStateRule { Phase = Phase.Train });
        net.Layer.Add(layer);

        Assert.That(PrototxtWriter.Write(net, ParameterExtensions.None), Is.EqualTo("""
            name: "n"
            layer {
              name: "pool1"
              type: "Pooling"
              bottom: "conv1"
              top: "pool1"
              include {
                phase: TRAIN
              }
              pooling_param {
                pool: MAX
                kernel_size: 3
                stride: 2
              }
            }

            """.ReplaceLineEndings("\n")));
    }

    [Test]
    public void An_empty_message_prints_nothing() =>
        Assert.That(PrototxtWriter.Write(new NetParameter(), ParameterExtensions.None), Is.Empty);

    [Test]
    public void An_empty_nested_message_prints_empty_braces() =>
        Assert.That(PrototxtWriter.Write(new LayerParameter { PoolingParam = new PoolingParameter() }, ParameterExtensions.None), Is.EqualTo("pooling_param {\n}\n"));

    [Test]
    public void Strings_and_bytes_are_c_escaped()
    {
        var message = new AllTypes { FString = "a\"b'c\\d\n\t\r\u0001é", FBytes = ByteString.CopyFrom(0, 0xFF, (byte)'A') };

        Assert.That(PrototxtWriter.Write(message, ParameterExtensions.None), Is.EqualTo("f_string: \"a\\\"b\\'c\\\\d\\n\\t\\r\\001\\303\\251\"\nf_bytes: \"\\000\\377A\"\n"));
        AssertRoundTrip(message);
    }

    [TestCase(0.1f, "0.1")]
    [TestCase(1f, "1")]
    [TestCase(-2.5f, "-2.5")]
    [TestCase(1e-5f, "1e-05")]
    [TestCase(3e20f, "3e+20")]
    [TestCase(float.PositiveInfinity, "inf")]
    [TestCase(float.NegativeInfinity, "-inf")]
    [TestCase(-0f, "-0")]
    public void Floats_are_printed_shortest(float value, string expected) =>
        Assert.That(PrototxtWriter.Write(new AllTypes { FFloat = value }, ParameterExtensions.None), Is.EqualTo($"f_float: {expected}\n"));

    [TestCase(0.1, "0.1")]
    [TestCase(1.0 / 3, "0.3333333333333333")]
    [TestCase(1e300, "1e+300")]
    [TestCase(double.NegativeInfinity, "-inf")]
    public void Doubles_are_printed_shortest(double value, string expected) =>
        Assert.That(PrototxtWriter.Write(new AllTypes { FDouble = value }, ParameterExtensions.None), Is.EqualTo($"f_double: {expected}\n"));

    [Test]
    public void Nan_is_printed_with_its_sign()
    {
        Assert.That(PrototxtWriter.Write(new AllTypes { FFloat = BitConverter.Int32BitsToSingle(0x7FC00000) }, ParameterExtensions.None), Is.EqualTo("f_float: nan\n"));
        Assert.That(PrototxtWriter.Write(new AllTypes { FDouble = double.NaN }, ParameterExtensions.None), Is.EqualTo("f_double: -nan\n"));
        AssertRoundTrip(new AllTypes { FFloat = float.NaN, FDouble = double.NaN });
    }

    [Test]
    public void Every_float_bit_pattern_class_reads_back_exactly()
    {
        var random = new Random(1701);
        var message = new AllTypes();
        for (var i = 0; i < 20_000; i++)
        {
            var value = BitConverter.Int32BitsToSingle(random.Next() ^ (random.Next(2) << 31));
            if (float.IsFinite(value))
            {
                message.FFloat = value;
                message.FDouble = BitConverter.Int64BitsToDouble(random.NextInt64());
                if (double.IsNaN(message.FDouble))
                {
                    message.FDouble = 0;
                }

                Assert.That(Reader.Parse<AllTypes>(PrototxtWriter.Write(message, ParameterExtensions.None)), Is.EqualTo(message), PrototxtWriter.Write(message, ParameterExtensions.None));
            }
        }

        message.FFloat = float.MaxValue;
        message.FDouble = double.MaxValue;
        AssertRoundTrip(message);
        message.FFloat = float.Epsilon;
        message.FDouble = double.Epsilon;
        AssertRoundTrip(message);
    }

    [Test]
    public void Every_field_type_round_trips()
    {
        var message = new AllTypes
        {
            FInt32 = int.MinValue, FInt64 = long.MinValue, FUint32 = uint.MaxValue, FUint64 = ulong.MaxValue,
            FSint32 = -5, FSint64 = long.MaxValue, FFixed32 = 7, FFixed64 = ulong.MaxValue, FSfixed32 = int.MinValue,
            FSfixed64 = -1, FFloat = 0.3f, FDouble = -1e-300, FBool = false, FString = "", FBytes = ByteString.Empty,
            FColor = AllTypes.Types.Color.Blue, Child = new AllTypes { FInt32 = 0 },
            RInt32 = { 1, -1 }, RDouble = { 0.5 }, RString = { "a", "" }, RColor = { AllTypes.Types.Color.Green },
            RChild = { new AllTypes(), new AllTypes { FBool = true } }, RBytes = { ByteString.CopyFrom(1, 2) },
            ChoiceText = "c", WithRequired = new Required { Id = 0 },
        };

        AssertRoundTrip(message);
    }

    [Test]
    public void Defaults_that_are_set_are_printed_and_stay_set()
    {
        var pooling = new PoolingParameter { Pool = PoolingParameter.Types.PoolMethod.Max, Stride = 1 };

        var text = PrototxtWriter.Write(pooling, ParameterExtensions.None);

        Assert.That(text, Is.EqualTo("pool: MAX\nstride: 1\n"));
        Assert.That(Reader.Parse<PoolingParameter>(text).ToByteArray(), Is.EqualTo(pooling.ToByteArray()));
    }

    [Test]
    public void An_enum_value_without_a_name_is_printed_as_its_number() =>
        Assert.That(PrototxtWriter.Write(new AllTypes { FColor = (AllTypes.Types.Color)5 }, ParameterExtensions.None), Is.EqualTo("f_color: 5\n"));
}
