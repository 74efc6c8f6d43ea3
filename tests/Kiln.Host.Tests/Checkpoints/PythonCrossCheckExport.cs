using Kiln.Checkpoints;
using static TorchSharp.torch;

namespace Kiln.Tests.Checkpoints;

/// <summary>
/// By-hand cross-check (CKPT-06), not part of the normal run: with <c>KILN_CKPT_EXPORT_DIR</c> set, writes Kiln
/// files that are then loaded in Python, e.g.
/// <c>python3 -c "import torch; print(torch.load('/tmp/kiln-export/kiln_tensors.pth', weights_only=True))"</c>.
/// Without the variable the test does nothing.
/// </summary>
public class PythonCrossCheckExport
{
    [Fact]
    public void Export_WhenEnvironmentVariableSet_WritesFilesForPython()
    {
        var folder = Environment.GetEnvironmentVariable("KILN_CKPT_EXPORT_DIR");
        if (string.IsNullOrEmpty(folder))
        {
            return;
        }

        Directory.CreateDirectory(folder);
        using var scope = NewDisposeScope();
        var tensors = new PyOrderedDict
        {
            ["f32"] = tensor(new[] { 1.5f, -2.25f }),
            ["f64"] = tensor(new[] { 0.1 }),
            ["f16"] = tensor(new[] { 0.5f, -1f }).to(ScalarType.Float16),
            ["bf16"] = tensor(new[] { 1f, -3f }).to(ScalarType.BFloat16),
            ["i8"] = tensor(new sbyte[] { -128, 127 }),
            ["i16"] = tensor(new short[] { -32768, 32767 }),
            ["i32"] = tensor(new[] { int.MinValue }),
            ["i64"] = tensor(new[] { long.MaxValue }),
            ["u8"] = tensor(new byte[] { 255 }),
            ["bool"] = tensor(new[] { true, false }),
            ["c64"] = complex(tensor(new[] { 1f }), tensor(new[] { 2f })),
            ["c128"] = complex(tensor(new[] { 0.5 }), tensor(new[] { -1.0 })),
            ["transposed"] = arange(6, dtype: ScalarType.Float32).view(2, 3).t(),
            ["scalar"] = tensor(7L),
            ["ints"] = new PyDict { [0L] = new List<object?> { 1L, 2L }, ["k"] = new object?[] { "s", true, null, long.MinValue } },
        };
        tensors.Attributes = new PyDict { ["_metadata"] = new PyOrderedDict { [""] = new PyDict { ["version"] = 1L } } };
        CheckpointFile.Save(Path.Combine(folder, "kiln_tensors.pth"), tensors);

        var checkpoint = new PyDict
        {
            ["meta"] = new PyDict { ["epoch"] = 3L, ["iter"] = 120L, ["seed"] = 1234L, ["cfg"] = "x = 1\n" },
            ["state_dict"] = new PyOrderedDict { ["weight"] = ones(2, 2), ["bias"] = zeros(2) },
            ["optimizer"] = new PyDict
            {
                ["state"] = new PyDict { [0L] = new PyDict { ["momentum_buffer"] = full(2, 2, 0.5f) } },
                ["param_groups"] = new List<object?> { new PyDict { ["lr"] = 0.01, ["momentum"] = 0.9, ["params"] = new List<object?> { 0L, 1L } } },
            },
        };
        CheckpointFile.Save(Path.Combine(folder, "kiln_checkpoint.pth"), checkpoint);
        CheckpointFile.Save(Path.Combine(folder, "kiln.safetensors"), new PyDict { ["w"] = arange(4, dtype: ScalarType.Float16) },
            CheckpointFormat.Auto, new Dictionary<string, string> { ["format"] = "pt" });
    }
}
