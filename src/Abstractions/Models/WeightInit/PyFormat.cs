using System.Globalization;

namespace Kiln.Models.WeightInit;

/// <summary>Numbers as Python's f-strings print them in MMEngine's init-info lines.</summary>
internal static class PyFormat
{
    /// <summary>
    /// Integral values print without a fraction (configs give <c>bias=0</c>, <c>val=1</c>, <c>gain=1</c> as ints),
    /// others as Python's shortest repr (<c>0.01</c>, <c>-4.59511985013459</c>, <c>1e-05</c>). A value written
    /// <c>1.0</c> in a config therefore prints <c>1</c>, where MMEngine prints <c>1.0</c>.
    /// </summary>
    public static string Number(double value)
    {
        if (double.IsNaN(value)) return "nan";
        if (double.IsInfinity(value)) return value > 0 ? "inf" : "-inf";
        if (value == Math.Floor(value) && Math.Abs(value) < 1e16) return ((long)value).ToString(CultureInfo.InvariantCulture);
        string s = value.ToString("R", CultureInfo.InvariantCulture);
        int e = s.IndexOf('E');
        if (e < 0) return s;
        // .NET writes 1E-05; Python writes 1e-05 (at least two exponent digits).
        string mantissa = s[..e], exponent = s[(e + 1)..];
        char sign = exponent[0] == '-' ? '-' : '+';
        string digits = exponent.TrimStart('+', '-').PadLeft(2, '0');
        return $"{mantissa}e{sign}{digits}";
    }
}
