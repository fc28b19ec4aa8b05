namespace LayerNet.Runner.Drawing;

/// <summary>
/// A 5 x 7 pixel font of our own for the labels <c>detect -o</c> draws: digits, letters of both cases, space,
/// '.', '-', '_' and '?' (which stands for any other character). Text drawn with it looks the same on every machine:
/// Skia's default typeface is empty where no fonts are installed (SkiaSharp's NoDependencies build finds fonts only
/// in /usr/share/fonts), and a drawn label must never depend on that.
/// </summary>
/// <remarks>
/// A glyph is 7 rows of 5 pixels; glyphs advance 6 pixels (one blank column between letters). Drawn at scale s,
/// each font pixel is an s x s square.
/// </remarks>
internal static class BitmapFont
{
    /// <summary>A glyph's width in font pixels.</summary>
    public const int GlyphWidth = 5;

    /// <summary>A glyph's height in font pixels.</summary>
    public const int GlyphHeight = 7;

    /// <summary>From one glyph's left edge to the next one's, in font pixels.</summary>
    public const int Advance = GlyphWidth + 1;

    // Each glyph as 7 rows of 5 characters, '#' for a pixel drawn; packed into bits below.
    private static readonly Dictionary<char, string> Drawings = new()
    {
        [' '] = "..... ..... ..... ..... ..... ..... .....",
        ['.'] = "..... ..... ..... ..... ..... .##.. .##..",
        ['-'] = "..... ..... ..... ##### ..... ..... .....",
        ['_'] = "..... ..... ..... ..... ..... ..... #####",
        ['?'] = ".###. #...# ....# ...#. ..#.. ..... ..#..",
        ['0'] = ".###. #...# #..## #.#.# ##..# #...# .###.",
        ['1'] = "..#.. .##.. ..#.. ..#.. ..#.. ..#.. .###.",
        ['2'] = ".###. #...# ....# ...#. ..#.. .#... #####",
        ['3'] = "##### ...#. ..#.. ...#. ....# #...# .###.",
        ['4'] = "...#. ..##. .#.#. #..#. ##### ...#. ...#.",
        ['5'] = "##### #.... ####. ....# ....# #...# .###.",
        ['6'] = "..##. .#... #.... ####. #...# #...# .###.",
        ['7'] = "##### ....# ...#. ..#.. .#... .#... .#...",
        ['8'] = ".###. #...# #...# .###. #...# #...# .###.",
        ['9'] = ".###. #...# #...# .#### ....# ...#. .##..",
        ['A'] = ".###. #...# #...# ##### #...# #...# #...#",
        ['B'] = "####. #...# #...# ####. #...# #...# ####.",
        ['C'] = ".###. #...# #.... #.... #.... #...# .###.",
        ['D'] = "###.. #..#. #...# #...# #...# #..#. ###..",
        ['E'] = "##### #.... #.... ####. #.... #.... #####",
        ['F'] = "##### #.... #.... ####. #.... #.... #....",
        ['G'] = ".###. #...# #.... #.### #...# #...# .####",
        ['H'] = "#...# #...# #...# ##### #...# #...# #...#",
        ['I'] = ".###. ..#.. ..#.. ..#.. ..#.. ..#.. .###.",
        ['J'] = "..### ...#. ...#. ...#. ...#. #..#. .##..",
        ['K'] = "#...# #..#. #.#.. ##... #.#.. #..#. #...#",
        ['L'] = "#.... #.... #.... #.... #.... #.... #####",
        ['M'] = "#...# ##.## #.#.# #.#.# #...# #...# #...#",
        ['N'] = "#...# #...# ##..# #.#.# #..## #...# #...#",
        ['O'] = ".###. #...# #...# #...# #...# #...# .###.",
        ['P'] = "####. #...# #...# ####. #.... #.... #....",
        ['Q'] = ".###. #...# #...# #...# #.#.# #..#. .##.#",
        ['R'] = "####. #...# #...# ####. #.#.. #..#. #...#",
        ['S'] = ".#### #.... #.... .###. ....# ....# ####.",
        ['T'] = "##### ..#.. ..#.. ..#.. ..#.. ..#.. ..#..",
        ['U'] = "#...# #...# #...# #...# #...# #...# .###.",
        ['V'] = "#...# #...# #...# #...# #...# .#.#. ..#..",
        ['W'] = "#...# #...# #...# #.#.# #.#.# #.#.# .#.#.",
        ['X'] = "#...# #...# .#.#. ..#.. .#.#. #...# #...#",
        ['Y'] = "#...# #...# .#.#. ..#.. ..#.. ..#.. ..#..",
        ['Z'] = "##### ....# ...#. ..#.. .#... #.... #####",
        ['a'] = "..... ..... .###. ....# .#### #...# .####",
        ['b'] = "#.... #.... #.##. ##..# #...# #...# ####.",
        ['c'] = "..... ..... .###. #.... #.... #...# .###.",
        ['d'] = "....# ....# .##.# #..## #...# #...# .####",
        ['e'] = "..... ..... .###. #...# ##### #.... .###.",
        ['f'] = "..##. .#..# .#... ###.. .#... .#... .#...",
        ['g'] = "..... .#### #...# #...# .#### ....# .###.",
        ['h'] = "#.... #.... #.##. ##..# #...# #...# #...#",
        ['i'] = "..#.. ..... .##.. ..#.. ..#.. ..#.. .###.",
        ['j'] = "...#. ..... ..##. ...#. ...#. #..#. .##..",
        ['k'] = "#.... #.... #..#. #.#.. ##... #.#.. #..#.",
        ['l'] = ".##.. ..#.. ..#.. ..#.. ..#.. ..#.. .###.",
        ['m'] = "..... ..... ##.#. #.#.# #.#.# #...# #...#",
        ['n'] = "..... ..... #.##. ##..# #...# #...# #...#",
        ['o'] = "..... ..... .###. #...# #...# #...# .###.",
        ['p'] = "..... ..... ####. #...# ####. #.... #....",
        ['q'] = "..... ..... .##.# #..## .#### ....# ....#",
        ['r'] = "..... ..... #.##. ##..# #.... #.... #....",
        ['s'] = "..... ..... .###. #.... .###. ....# ####.",
        ['t'] = ".#... .#... ###.. .#... .#... .#..# ..##.",
        ['u'] = "..... ..... #...# #...# #...# #..## .##.#",
        ['v'] = "..... ..... #...# #...# #...# .#.#. ..#..",
        ['w'] = "..... ..... #...# #...# #.#.# #.#.# .#.#.",
        ['x'] = "..... ..... #...# .#.#. ..#.. .#.#. #...#",
        ['y'] = "..... ..... #...# #...# .#### ....# .###.",
        ['z'] = "..... ..... ##### ...#. ..#.. .#... #####",
    };

    // Each glyph's rows, bit 4 the leftmost pixel.
    private static readonly Dictionary<char, byte[]> Glyphs = Drawings.ToDictionary(entry => entry.Key, entry => Pack(entry.Value));

    /// <summary>The characters the font draws; any other is drawn as '?'.</summary>
    public static IEnumerable<char> Characters => Glyphs.Keys;

    /// <summary>The width of <paramref name="text"/> drawn at <paramref name="scale"/>, in pixels (no blank column after the last glyph).</summary>
    public static int Width(string text, int scale)
    {
        ArgumentNullException.ThrowIfNull(text);
        return text.Length == 0 ? 0 : ((text.Length * Advance) - 1) * scale;
    }

    /// <summary>Whether font pixel (<paramref name="x"/>, <paramref name="y"/>) of <paramref name="c"/>'s glyph is drawn.</summary>
    public static bool IsSet(char c, int x, int y) =>
        x is >= 0 and < GlyphWidth && y is >= 0 and < GlyphHeight && (Glyph(c)[y] & (1 << (GlyphWidth - 1 - x))) != 0;

    /// <summary>
    /// The top-left corner of every <paramref name="scale"/> x <paramref name="scale"/> square of
    /// <paramref name="text"/>'s drawn pixels, the text's top-left corner at (<paramref name="left"/>, <paramref name="top"/>).
    /// </summary>
    public static IEnumerable<(int X, int Y)> Squares(string text, int left, int top, int scale)
    {
        ArgumentNullException.ThrowIfNull(text);
        for (var i = 0; i < text.Length; i++)
        {
            var glyph = Glyph(text[i]);
            for (var y = 0; y < GlyphHeight; y++)
            {
                for (var x = 0; x < GlyphWidth; x++)
                {
                    if ((glyph[y] & (1 << (GlyphWidth - 1 - x))) != 0)
                    {
                        yield return (left + (((i * Advance) + x) * scale), top + (y * scale));
                    }
                }
            }
        }
    }

    private static byte[] Glyph(char c) => Glyphs.TryGetValue(c, out var glyph) ? glyph : Glyphs['?'];

    private static byte[] Pack(string drawing)
    {
        var rows = drawing.Split(' ');
        if (rows.Length != GlyphHeight || rows.Any(row => row.Length != GlyphWidth))
        {
            throw new InvalidOperationException($"a glyph is {GlyphHeight} rows of {GlyphWidth} pixels: '{drawing}'");
        }

        var packed = new byte[GlyphHeight];
        for (var y = 0; y < GlyphHeight; y++)
        {
            for (var x = 0; x < GlyphWidth; x++)
            {
                if (rows[y][x] == '#')
                {
                    packed[y] |= (byte)(1 << (GlyphWidth - 1 - x));
                }
            }
        }

        return packed;
    }
}
