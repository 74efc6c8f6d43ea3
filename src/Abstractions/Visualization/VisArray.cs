using TorchSharp;

namespace Kiln.Visualization;

/// <summary>
/// Coordinates or values for the drawing API, from whatever the caller has: a tensor (MMEngine takes tensors and
/// ndarrays), a <c>double[]</c> for one item, or a <c>double[,]</c> / <c>float[,]</c> / <c>int[,]</c> with one row
/// per item. Read as rows of <c>double</c>.
/// </summary>
public readonly struct VisArray
{
    private readonly double[][] _rows;
    private readonly int[] _shape;

    private VisArray(double[][] rows, int[] shape)
    {
        _rows = rows;
        _shape = shape;
    }

    /// <summary>The shape the values came in (a 1-D input is one row).</summary>
    public IReadOnlyList<int> Shape => _shape;

    /// <summary>The values as rows (a 1-D input is one row, MMEngine's <c>x[None]</c>).</summary>
    public double[][] Rows => _rows ?? [];

    public static implicit operator VisArray(double[] values) => new([(double[])values.Clone()], [values.Length]);

    public static implicit operator VisArray(double[,] values) => From2D(values.GetLength(0), values.GetLength(1), (i, j) => values[i, j]);

    public static implicit operator VisArray(float[,] values) => From2D(values.GetLength(0), values.GetLength(1), (i, j) => values[i, j]);

    public static implicit operator VisArray(int[,] values) => From2D(values.GetLength(0), values.GetLength(1), (i, j) => values[i, j]);

    public static implicit operator VisArray(torch.Tensor tensor) => FromTensor(tensor);

    public static VisArray FromTensor(torch.Tensor tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        using var scope = torch.NewDisposeScope();
        var t = tensor.detach().cpu().to(torch.ScalarType.Float64).contiguous();
        var shape = t.shape.Select(d => (int)d).ToArray();
        var flat = t.data<double>().ToArray();
        if (t.dim() == 0) return new VisArray([[flat[0]]], []);
        if (t.dim() == 1) return new VisArray([flat], shape);
        int cols = shape[^1];
        int rows = flat.Length / Math.Max(cols, 1);
        var result = new double[rows][];
        for (int i = 0; i < rows; i++) result[i] = flat.AsSpan(i * cols, cols).ToArray();
        return new VisArray(result, shape);
    }

    private static VisArray From2D(int rows, int cols, Func<int, int, double> at)
    {
        var result = new double[rows][];
        for (int i = 0; i < rows; i++)
        {
            result[i] = new double[cols];
            for (int j = 0; j < cols; j++) result[i][j] = at(i, j);
        }
        return new VisArray(result, [rows, cols]);
    }

    /// <summary>The rows, each checked to hold <paramref name="columns"/> values (MMEngine's shape asserts).</summary>
    internal double[][] RowsOf(int columns, string argument, string expected)
    {
        var rows = Rows;
        foreach (var row in rows)
            if (row.Length != columns)
                throw new KilnException($"The shape of `{argument}` should be {expected}, but got ({string.Join(", ", _shape ?? [])}).");
        return rows;
    }
}
