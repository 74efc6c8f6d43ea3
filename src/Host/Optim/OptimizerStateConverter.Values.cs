using System.Globalization;
using Kiln.Checkpoints;
using static TorchSharp.torch;

namespace Kiln.Optim;

internal static partial class OptimizerStateConverter
{
    /// <summary>Builds the load errors, all of which name the source and the optimizer.</summary>
    private sealed class LoadErrors(string source, string optimizerName)
    {
        public string OptimizerName { get; } = optimizerName;

        public KilnException Error(string what) => new($"cannot load optimizer state from {source} into {OptimizerName}: {what}");

        public T Get<T>(PyDict dict, string key, string where)
        {
            if (!dict.TryGetValue(key, out var value))
            {
                throw Error($"{where} has no {PyRepr(key)} (it has {string.Join(", ", dict.Keys.Select(PyRepr))})");
            }

            return value is T typed ? typed : throw Error($"{where}[{PyRepr(key)}] is a {PyTypeName(value)}, not a {PyTypeName(typeof(T))}");
        }

        /// <summary>A Python number (int or float); PyTorch ≥ 2.2 also allows a 0-d tensor as lr.</summary>
        public double Number(PyDict dict, string key, string where) => Number(Get<object?>(dict, key, where), $"{where}[{PyRepr(key)}]");

        public double Number(object? value, string where) => value switch
        {
            long l => l,
            double d => d,
            Tensor { shape.Length: 0 } t => t.to_type(ScalarType.Float64).item<double>(),
            _ => throw Error($"{where} is {PyRepr(value)}, not a number"),
        };

        /// <summary>A Python bool; a missing key reads as <paramref name="absent"/>, for flags older PyTorch lacks (maximize before 1.11).</summary>
        public bool Flag(PyDict dict, string key, string where, bool absent)
        {
            if (!dict.TryGetValue(key, out var value))
            {
                return absent;
            }

            return value is bool b ? b : throw Error($"{where}[{PyRepr(key)}] is {PyRepr(value)}, not a bool");
        }

        public Tensor Tensor(PyDict dict, string key, string where)
        {
            var value = Get<object?>(dict, key, where);
            return value as Tensor ?? throw Error($"{where}[{PyRepr(key)}] is a {PyTypeName(value)}, not a tensor");
        }
    }

    /// <summary>
    /// PyTorch writes 0 (an int) for the hyper-parameters whose defaults are the literal <c>0</c> in its signatures
    /// (SGD momentum, dampening, weight_decay; Adam weight_decay), as the golden file's <c>'dampening': 0</c> shows.
    /// </summary>
    private static object IntIfZero(double value) => value == 0 ? 0L : (object)value;

    private static string PyTypeName(object? value) => value switch
    {
        null => "None",
        Type t => PyTypeName(t),
        _ => PyTypeName(value.GetType()),
    };

    private static string PyTypeName(Type type) => type switch
    {
        _ when type == typeof(PyDict) || type.IsSubclassOf(typeof(PyDict)) => "dict",
        _ when type == typeof(List<object?>) => "list",
        _ when type == typeof(object?[]) => "tuple",
        _ when type == typeof(long) => "int",
        _ when type == typeof(double) => "float",
        _ when type == typeof(string) => "str",
        _ when type == typeof(bool) => "bool",
        _ when typeof(Tensor).IsAssignableFrom(type) => "tensor",
        _ => type.Name,
    };

    private static string PyRepr(object? value) => value switch
    {
        null => "None",
        string s => $"'{s}'",
        bool b => b ? "True" : "False",
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        long l => l.ToString(CultureInfo.InvariantCulture),
        Tensor t => $"a tensor of shape {Shape(t)}",
        _ => PyTypeName(value),
    };
}
