using Google.Protobuf;

namespace LayerNet.Text;

/// <summary>A message read from prototxt text, with where each of its messages began in the text.</summary>
/// <typeparam name="T">The message type.</typeparam>
/// <param name="Message">The message, as protoc would build it from the text.</param>
/// <param name="Source">Where the message and each message nested in it began.</param>
public sealed record TextDocument<T>(T Message, MessageSource Source)
    where T : IMessage;
