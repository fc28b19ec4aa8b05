using System.Buffers.Binary;

namespace LayerNet.Layers.Data;

/// <summary>
/// Decodes a serialized Caffe <c>Datum</c> (caffe.proto) in place, without allocating: the pixel bytes stay in
/// the record (an LMDB value, in the database's memory map) and float_data goes to a reused buffer. Decoding a
/// record per item with the generated parser would allocate a message and a copy of the pixels for each.
/// </summary>
/// <remarks>
/// Fields: channels = 1, height = 2, width = 3 (int32), data = 4 (bytes), label = 5 (int32), float_data = 6
/// (repeated float, packed or not), encoded = 7 (bool). Unknown fields are skipped; for a field given twice the
/// last value wins, as protobuf's parsers do.
/// </remarks>
internal sealed class DatumRecord
{
    private float[] _floatData = new float[64];

    public int Channels { get; private set; }

    public int Height { get; private set; }

    public int Width { get; private set; }

    public int Label { get; private set; }

    public bool Encoded { get; private set; }

    /// <summary>Where the pixel bytes (field 4) lie in the record; length 0 when the datum has none.</summary>
    public Range Data { get; private set; }

    /// <summary>How many float_data values the datum holds.</summary>
    public int FloatCount { get; private set; }

    /// <summary>The float_data values.</summary>
    public ReadOnlySpan<float> FloatData => _floatData.AsSpan(0, FloatCount);

    /// <summary>Decodes <paramref name="record"/>; false when it is not a well-formed protobuf message.</summary>
    public bool Decode(ReadOnlySpan<byte> record)
    {
        (Channels, Height, Width, Label, Encoded, Data, FloatCount) = (0, 0, 0, 0, false, default, 0);
        var position = 0;
        while (position < record.Length)
        {
            if (!ReadVarint(record, ref position, out var tag))
            {
                return false;
            }

            var field = tag >> 3;
            var wireType = (int)(tag & 7);
            switch (field, wireType)
            {
                case (>= 1 and <= 3 or 5 or 7, 0):
                    if (!ReadVarint(record, ref position, out var number))
                    {
                        return false;
                    }

                    SetScalar((int)field, number);
                    break;
                case (4, 2):
                    if (!ReadLength(record, ref position, out var length))
                    {
                        return false;
                    }

                    Data = new Range(position, position + length);
                    position += length;
                    break;
                case (6, 5):
                    if (position + 4 > record.Length)
                    {
                        return false;
                    }

                    AddFloats(record.Slice(position, 4));
                    position += 4;
                    break;
                case (6, 2):
                    if (!ReadLength(record, ref position, out var packedLength) || packedLength % 4 != 0)
                    {
                        return false;
                    }

                    AddFloats(record.Slice(position, packedLength));
                    position += packedLength;
                    break;
                default:
                    if (!Skip(record, ref position, wireType))
                    {
                        return false;
                    }

                    break;
            }
        }

        return true;
    }

    private void SetScalar(int field, ulong value)
    {
        // int32 fields are varints of the 64-bit value; truncation is protobuf's own rule.
        var int32 = unchecked((int)value);
        switch (field)
        {
            case 1:
                Channels = int32;
                break;
            case 2:
                Height = int32;
                break;
            case 3:
                Width = int32;
                break;
            case 5:
                Label = int32;
                break;
            default:
                Encoded = value != 0;
                break;
        }
    }

    private void AddFloats(ReadOnlySpan<byte> littleEndian)
    {
        var count = littleEndian.Length / 4;
        if (FloatCount + count > _floatData.Length)
        {
            // Grows to the largest datum seen, then stays: later records of the same shape reuse it.
            Array.Resize(ref _floatData, Math.Max(_floatData.Length * 2, FloatCount + count));
        }

        for (var i = 0; i < count; i++)
        {
            _floatData[FloatCount + i] = BinaryPrimitives.ReadSingleLittleEndian(littleEndian.Slice(4 * i, 4));
        }

        FloatCount += count;
    }

    private static bool ReadVarint(ReadOnlySpan<byte> record, ref int position, out ulong value)
    {
        value = 0;
        for (var shift = 0; shift < 64; shift += 7)
        {
            if (position >= record.Length)
            {
                return false;
            }

            var b = record[position++];
            value |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80)
            {
                return true;
            }
        }

        return false;
    }

    private static bool ReadLength(ReadOnlySpan<byte> record, ref int position, out int length)
    {
        length = 0;
        if (!ReadVarint(record, ref position, out var value) || value > (ulong)(record.Length - position))
        {
            return false;
        }

        length = (int)value;
        return true;
    }

    private static bool Skip(ReadOnlySpan<byte> record, ref int position, int wireType)
    {
        switch (wireType)
        {
            case 0:
                return ReadVarint(record, ref position, out _);
            case 1:
                position += 8;
                return position <= record.Length;
            case 2:
                if (!ReadLength(record, ref position, out var length))
                {
                    return false;
                }

                position += length;
                return true;
            case 5:
                position += 4;
                return position <= record.Length;
            default:
                return false;
        }
    }
}
