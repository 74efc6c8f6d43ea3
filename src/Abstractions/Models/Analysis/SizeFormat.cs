using System.Globalization;

namespace Kiln.Models.Analysis;

/// <summary>MMEngine's <c>_format_size</c> (ANA-05): K/M/G/T/P with <c>sig_figs</c> decimals, trailing zeros stripped.</summary>
public static class SizeFormat
{
    public static string Format(long x, int sigFigs = 3, bool hideZero = false)
    {
        if (hideZero && x == 0) return "";
        string Fmt(double v) => v.ToString("F" + sigFigs, CultureInfo.InvariantCulture).TrimEnd('0').TrimEnd('.');
        double a = Math.Abs((double)x);
        if (a > 1e14) return Fmt(x / 1e15) + "P";
        if (a > 1e11) return Fmt(x / 1e12) + "T";
        if (a > 1e8) return Fmt(x / 1e9) + "G";
        if (a > 1e5) return Fmt(x / 1e6) + "M";
        if (a > 1e2) return Fmt(x / 1e3) + "K";
        return x.ToString(CultureInfo.InvariantCulture);
    }
}
