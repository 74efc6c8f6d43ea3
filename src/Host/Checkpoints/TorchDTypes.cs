using static TorchSharp.torch;

namespace Kiln.Checkpoints;

/// <summary>
/// The dtypes Kiln stores, with their names in PyTorch's pickles (<c>torch.&lt;Name&gt;Storage</c>, as
/// <c>torch/storage.py</c>'s <c>_pickle_storage_type</c> returns) and in safetensors headers.
/// </summary>
internal static class TorchDTypes
{
    private static readonly (ScalarType Type, string Storage, string Safetensors, int Size)[] Table =
    [
        (ScalarType.Float32, "FloatStorage", "F32", 4),
        (ScalarType.Float64, "DoubleStorage", "F64", 8),
        (ScalarType.Float16, "HalfStorage", "F16", 2),
        (ScalarType.BFloat16, "BFloat16Storage", "BF16", 2),
        (ScalarType.Int8, "CharStorage", "I8", 1),
        (ScalarType.Int16, "ShortStorage", "I16", 2),
        (ScalarType.Int32, "IntStorage", "I32", 4),
        (ScalarType.Int64, "LongStorage", "I64", 8),
        (ScalarType.Byte, "ByteStorage", "U8", 1),
        (ScalarType.Bool, "BoolStorage", "BOOL", 1),
        (ScalarType.ComplexFloat32, "ComplexFloatStorage", "C64", 8),
        (ScalarType.ComplexFloat64, "ComplexDoubleStorage", "C128", 16),
    ];

    public static bool TryFromStorageName(string name, out ScalarType type)
    {
        foreach (var row in Table)
        {
            if (row.Storage == name)
            {
                type = row.Type;
                return true;
            }
        }

        type = default;
        return false;
    }

    public static bool TryFromSafetensorsName(string name, out ScalarType type)
    {
        foreach (var row in Table)
        {
            if (row.Safetensors == name)
            {
                type = row.Type;
                return true;
            }
        }

        type = default;
        return false;
    }

    public static string StorageName(ScalarType type) => Find(type).Storage;

    public static string SafetensorsName(ScalarType type) => Find(type).Safetensors;

    public static int ElementSize(ScalarType type) => Find(type).Size;

    private static (ScalarType Type, string Storage, string Safetensors, int Size) Find(ScalarType type)
    {
        foreach (var row in Table)
        {
            if (row.Type == type)
            {
                return row;
            }
        }

        throw new KilnException($"tensors of dtype {type} cannot be stored in a checkpoint; Kiln stores "
            + string.Join(", ", Table.Select(r => r.Type)));
    }
}
