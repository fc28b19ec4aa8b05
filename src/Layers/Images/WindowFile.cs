using System.Globalization;

namespace LayerNet.Layers.Images;

/// <summary>
/// R-CNN's window file, as Caffe's WindowData layer reads it: for each image, <c># image_index</c>, the image's
/// path, its channels, height and width, the number of windows, then one line per window:
/// <c>class_index overlap x1 y1 x2 y2</c> (inclusive pixel corners). Values are separated by any white space,
/// as C++'s stream extraction reads them; each keeps the line it came from for the errors.
/// </summary>
internal sealed class WindowFile
{
    private readonly List<WindowFileImage> _images = [];
    private readonly List<WindowFileWindow> _windows = [];

    private WindowFile()
    {
    }

    /// <summary>The images, in file order (image i has index i).</summary>
    public IReadOnlyList<WindowFileImage> Images => _images;

    /// <summary>Every window of every image, in file order.</summary>
    public IReadOnlyList<WindowFileWindow> Windows => _windows;

    /// <summary>
    /// Reads the window file's text. A mistake throws <see cref="FormatException"/> with a message that completes
    /// "line N: ..." (its <c>Data["line"]</c> holds N) or, for an empty file, "is empty".
    /// </summary>
    public static WindowFile Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var file = new WindowFile();
        var tokens = new Tokens(text);
        if (!tokens.TryNext(out var first, out _))
        {
            throw new FormatException("is empty");
        }

        var hashtag = first;
        while (true)
        {
            var line = tokens.Line;
            if (hashtag != "#")
            {
                throw Failure(line, $"expected '#' and an image index, got '{hashtag}'");
            }

            var index = tokens.NextInt("image index");
            if (index != file._images.Count)
            {
                throw Failure(tokens.Line, $"image index {index} is out of order; expected {file._images.Count} (images are numbered 0, 1, 2, ... in file order)");
            }

            var path = tokens.Next("image path");
            var pathLine = tokens.Line;
            var channels = tokens.NextInt("channels");
            var height = tokens.NextInt("height");
            var width = tokens.NextInt("width");
            var count = tokens.NextInt("number of windows");
            if (count < 0)
            {
                throw Failure(tokens.Line, $"the number of windows must not be negative, got {count}");
            }

            file._images.Add(new WindowFileImage(path, channels, height, width, pathLine));
            for (var i = 0; i < count; i++)
            {
                var label = tokens.NextInt("class index");
                var windowLine = tokens.Line;
                var overlap = tokens.NextFloat("overlap");
                int x1 = tokens.NextInt("x1"), y1 = tokens.NextInt("y1"), x2 = tokens.NextInt("x2"), y2 = tokens.NextInt("y2");
                file._windows.Add(new WindowFileWindow(index, label, overlap, x1, y1, x2, y2, windowLine));
            }

            if (!tokens.TryNext(out hashtag, out _))
            {
                return file;
            }
        }
    }

    private static FormatException Failure(int line, string message)
    {
        var exception = new FormatException($"line {line}: {message}");
        exception.Data["line"] = line;
        return exception;
    }

    /// <summary>White-space separated values, each with its line.</summary>
    private sealed class Tokens(string text)
    {
        private int _position;
        private int _line = 1;

        /// <summary>The line of the value read last.</summary>
        public int Line { get; private set; } = 1;

        public bool TryNext(out string token, out int line)
        {
            while (_position < text.Length && char.IsWhiteSpace(text[_position]))
            {
                if (text[_position] == '\n')
                {
                    _line++;
                }

                _position++;
            }

            line = Line = _line;
            var start = _position;
            while (_position < text.Length && !char.IsWhiteSpace(text[_position]))
            {
                _position++;
            }

            token = text[start.._position];
            return token.Length > 0;
        }

        public string Next(string what) =>
            TryNext(out var token, out var line) ? token : throw Failure(line, $"the file ends where the {what} should be");

        public int NextInt(string what)
        {
            var token = Next(what);
            return int.TryParse(token, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value)
                ? value
                : throw Failure(Line, $"expected the {what} (an integer), got '{token}'");
        }

        public float NextFloat(string what)
        {
            var token = Next(what);
            return float.TryParse(token, NumberStyles.Float, CultureInfo.InvariantCulture, out var value)
                ? value
                : throw Failure(Line, $"expected the {what} (a number), got '{token}'");
        }
    }
}
