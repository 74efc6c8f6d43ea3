using System.Collections;
using System.Globalization;

namespace Kiln.Visualization;

/// <summary>
/// Colours as MMEngine's drawing API takes them: a matplotlib name (<c>'g'</c>, <c>'red'</c>, <c>'tab:blue'</c>,
/// <c>'#ff8800'</c>, <c>'none'</c>) or an RGB tuple of 0–255 ints, one value for all items or a list with one per item.
/// Names resolve to matplotlib's RGB fractions (<c>'g'</c> is (0, 0.5, 0)).
/// </summary>
public static class VisColor
{
    // matplotlib.colors.BASE_COLORS, TABLEAU_COLORS and the CSS4 names most configs use.
    private static readonly Dictionary<string, (double R, double G, double B)> Named = new(StringComparer.OrdinalIgnoreCase)
    {
        ["b"] = (0, 0, 1), ["g"] = (0, 0.5, 0), ["r"] = (1, 0, 0), ["c"] = (0, 0.75, 0.75),
        ["m"] = (0.75, 0, 0.75), ["y"] = (0.75, 0.75, 0), ["k"] = (0, 0, 0), ["w"] = (1, 1, 1),
        ["tab:blue"] = Hex("1f77b4"), ["tab:orange"] = Hex("ff7f0e"), ["tab:green"] = Hex("2ca02c"), ["tab:red"] = Hex("d62728"),
        ["tab:purple"] = Hex("9467bd"), ["tab:brown"] = Hex("8c564b"), ["tab:pink"] = Hex("e377c2"), ["tab:gray"] = Hex("7f7f7f"),
        ["tab:olive"] = Hex("bcbd22"), ["tab:cyan"] = Hex("17becf"),
        ["black"] = Hex("000000"), ["white"] = Hex("ffffff"), ["red"] = Hex("ff0000"), ["green"] = Hex("008000"),
        ["blue"] = Hex("0000ff"), ["yellow"] = Hex("ffff00"), ["cyan"] = Hex("00ffff"), ["aqua"] = Hex("00ffff"),
        ["magenta"] = Hex("ff00ff"), ["fuchsia"] = Hex("ff00ff"), ["lime"] = Hex("00ff00"), ["gray"] = Hex("808080"),
        ["grey"] = Hex("808080"), ["silver"] = Hex("c0c0c0"), ["maroon"] = Hex("800000"), ["olive"] = Hex("808000"),
        ["navy"] = Hex("000080"), ["teal"] = Hex("008080"), ["purple"] = Hex("800080"), ["orange"] = Hex("ffa500"),
        ["pink"] = Hex("ffc0cb"), ["brown"] = Hex("a52a2a"), ["gold"] = Hex("ffd700"), ["violet"] = Hex("ee82ee"),
        ["indigo"] = Hex("4b0082"), ["darkgreen"] = Hex("006400"), ["darkblue"] = Hex("00008b"), ["darkred"] = Hex("8b0000"),
        ["lightgray"] = Hex("d3d3d3"), ["lightgrey"] = Hex("d3d3d3"), ["darkgray"] = Hex("a9a9a9"), ["darkgrey"] = Hex("a9a9a9"),
        ["skyblue"] = Hex("87ceeb"), ["salmon"] = Hex("fa8072"), ["coral"] = Hex("ff7f50"), ["khaki"] = Hex("f0e68c"),
    };

    private static (double, double, double) Hex(string hex) =>
        (int.Parse(hex[..2], NumberStyles.HexNumber, CultureInfo.InvariantCulture) / 255.0,
         int.Parse(hex[2..4], NumberStyles.HexNumber, CultureInfo.InvariantCulture) / 255.0,
         int.Parse(hex[4..], NumberStyles.HexNumber, CultureInfo.InvariantCulture) / 255.0);

    /// <summary>
    /// One colour as RGB fractions in [0, 1], or null for <c>'none'</c>. <paramref name="argument"/> names the argument
    /// in errors.
    /// </summary>
    public static (double R, double G, double B)? ToFractions(object? color, string argument)
    {
        switch (color)
        {
            case string s when s.Equals("none", StringComparison.OrdinalIgnoreCase): return null;
            case string s when s.StartsWith('#') && s.Length == 7 && int.TryParse(s[1..], NumberStyles.HexNumber, CultureInfo.InvariantCulture, out _):
                return Hex(s[1..]);
            case string s when Named.TryGetValue(s, out var named): return named;
            case string s when double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out double grey) && grey is >= 0 and <= 1:
                return (grey, grey, grey);
            case string s:
                throw new KilnException($"{argument} = '{s}' is not a colour name Kiln knows; use a matplotlib base colour ('b', 'g', 'r', 'c', 'm', 'y', 'k', 'w'), a name like 'red' or 'tab:blue', '#rrggbb', 'none', or an RGB tuple (255, 0, 0).");
        }
        var channels = Channels(color) ?? throw new KilnException($"{argument} = {Describe(color)} is not a colour; use a name like 'g' or an RGB tuple (0, 255, 0).");
        if (channels.Length != 3 || channels.Any(c => c is < 0 or > 255))
            throw new KilnException($"{argument} = {Describe(color)}: an RGB colour has 3 channels in 0..255.");
        return (channels[0] / 255.0, channels[1] / 255.0, channels[2] / 255.0);
    }

    /// <summary>
    /// MMEngine's <c>color_str2rgb</c>: a name becomes <c>int(c * 255)</c> per channel (so <c>'g'</c> is (0, 127, 0));
    /// an RGB tuple stays as given. Used for binary masks.
    /// </summary>
    public static (byte R, byte G, byte B) ToRgb(object? color, string argument)
    {
        if (color is string)
        {
            var f = ToFractions(color, argument) ?? throw new KilnException($"{argument} = 'none' is not allowed here; give a colour.");
            return ((byte)(int)(f.R * 255), (byte)(int)(f.G * 255), (byte)(int)(f.B * 255));
        }
        var channels = Channels(color) ?? throw new KilnException($"{argument} = {Describe(color)} is not a colour; use a name like 'g' or an RGB tuple (0, 255, 0).");
        if (channels.Length != 3 || channels.Any(c => c is < 0 or > 255))
            throw new KilnException($"{argument} = {Describe(color)}: an RGB colour has 3 channels in 0..255.");
        return ((byte)channels[0], (byte)channels[1], (byte)channels[2]);
    }

    /// <summary>
    /// MMEngine's <c>value2list</c> with <c>check_type_and_length</c>: one colour (name or RGB tuple) becomes
    /// <paramref name="count"/> copies; a list must hold at least <paramref name="count"/>.
    /// </summary>
    public static IReadOnlyList<object?> Expand(object? colors, int count, string argument)
    {
        if (colors is string || colors is null || IsTuple(colors)) return Enumerable.Repeat(colors, count).ToList();
        if (colors is IEnumerable list)
        {
            var items = list.Cast<object?>().ToList();
            if (items.Count < count)
                throw new KilnException($"The length of {argument} must equal with or greater than {count}, but got {items.Count}.");
            return items;
        }
        throw new KilnException($"{argument} = {Describe(colors)} is not a colour or a list of colours.");
    }

    private static bool IsTuple(object value) =>
        value is System.Runtime.CompilerServices.ITuple || value is int[] or byte[] or double[] or long[]
        || (value is IList l && l.Count == 3 && l.Cast<object?>().All(IsNumber));

    private static bool IsNumber(object? v) => v is int or long or double or float or byte or short;

    private static double[]? Channels(object? color) => color switch
    {
        System.Runtime.CompilerServices.ITuple t => Enumerable.Range(0, t.Length).Select(i => t[i]).All(IsNumber)
            ? Enumerable.Range(0, t.Length).Select(i => Convert.ToDouble(t[i], CultureInfo.InvariantCulture)).ToArray() : null,
        IEnumerable e when color is not string => e.Cast<object?>().All(IsNumber)
            ? e.Cast<object?>().Select(v => Convert.ToDouble(v, CultureInfo.InvariantCulture)).ToArray() : null,
        _ => null,
    };

    private static string Describe(object? value) => value switch
    {
        null => "None",
        string s => $"'{s}'",
        System.Runtime.CompilerServices.ITuple t => "(" + string.Join(", ", Enumerable.Range(0, t.Length).Select(i => Convert.ToString(t[i], CultureInfo.InvariantCulture))) + ")",
        IEnumerable e => "[" + string.Join(", ", e.Cast<object?>().Select(Describe)) + "]",
        _ => Convert.ToString(value, CultureInfo.InvariantCulture) ?? "?",
    };
}
