using System.Reflection;
using Kiln.Randomness;
using TorchSharp;
using static TorchSharp.torch;

namespace Kiln.Checkpoints;

/// <summary>
/// The random-number states a checkpoint carries so a resumed run draws the same numbers as an uninterrupted one
/// (MMEngine stores none: its resumed runs reseed). Two sources: libtorch's default CPU generator
/// (<c>torch.get_rng_state()</c>, a uint8 tensor, which dropout and <c>randperm</c> without a generator draw from)
/// and the calling thread's <see cref="KilnRandom.Current"/> (Kiln's stand-in for Python's <c>random</c>).
/// Stored under the checkpoint's <c>rng_state</c> key as <c>{'torch_cpu': ByteTensor, 'kiln_random':
/// {'seed_array': [56 ints], 'inext': int, 'inextp': int}}</c>, all readable by <c>torch.load(weights_only=True)</c>.
/// </summary>
internal static class RandomStates
{
    public const string Key = "rng_state";

    /// <summary>Both states now. The tensor is a copy owned by the caller's dispose scope.</summary>
    public static PyDict Capture()
    {
        var state = new PyDict { ["torch_cpu"] = torch.random.get_rng_state() };
        if (DotNetRandomState.TryGet(KilnRandom.Current) is { } kiln)
            state["kiln_random"] = kiln;
        return state;
    }

    /// <summary>Restores what <see cref="Capture"/> stored; returns the names of the parts that could not be restored.</summary>
    public static IReadOnlyList<string> Restore(PyDict state, string source)
    {
        var skipped = new List<string>();
        if (state.TryGetValue("torch_cpu", out var t) && t is Tensor torchState)
        {
            if (torchState.dtype != ScalarType.Byte)
                throw new KilnException($"{source}: rng_state.torch_cpu must be a uint8 tensor (torch.get_rng_state()), got {torchState.dtype}.");
            torch.random.set_rng_state(torchState);
        }
        else
        {
            skipped.Add("torch_cpu");
        }

        if (state.TryGetValue("kiln_random", out var k) && k is PyDict kiln)
        {
            if (!DotNetRandomState.TrySet(KilnRandom.Current, kiln, source)) skipped.Add("kiln_random");
        }
        else
        {
            skipped.Add("kiln_random");
        }

        return skipped;
    }
}

/// <summary>
/// Reads and writes the state of a seeded <see cref="Random"/> (<c>new Random(seed)</c>: Knuth's subtractive
/// generator, 56 ints and two indices). .NET exposes no API for it, so this reads the runtime's private fields
/// (<c>Random._impl._prng</c>); on a runtime whose layout differs it reports "not available" rather than guessing.
/// </summary>
internal static class DotNetRandomState
{
    private const BindingFlags Private = BindingFlags.NonPublic | BindingFlags.Instance;
    private static readonly FieldInfo? ImplField = typeof(Random).GetField("_impl", Private);

    public static PyDict? TryGet(Random random)
    {
        if (!TryFields(random, out var impl, out var prngField, out var fields)) return null;
        var prng = prngField.GetValue(impl)!;
        var seedArray = (int[])fields.Seed.GetValue(prng)!;
        return new PyDict
        {
            ["seed_array"] = seedArray.Select(v => (object?)(long)v).ToList(),
            ["inext"] = (long)(int)fields.Inext.GetValue(prng)!,
            ["inextp"] = (long)(int)fields.Inextp.GetValue(prng)!,
        };
    }

    public static bool TrySet(Random random, PyDict state, string source)
    {
        if (!TryFields(random, out var impl, out var prngField, out var fields)) return false;
        var values = state.TryGetValue("seed_array", out var s) && s is List<object?> list ? list
            : throw new KilnException($"{source}: rng_state.kiln_random has no 'seed_array' list.");
        var current = (int[])fields.Seed.GetValue(prngField.GetValue(impl))!;
        if (values.Count != current.Length)
            throw new KilnException($"{source}: rng_state.kiln_random.seed_array has {values.Count} entries, expected {current.Length}.");
        var seedArray = values.Select((v, i) => v is long l ? (int)l
            : throw new KilnException($"{source}: rng_state.kiln_random.seed_array[{i}] must be an int.")).ToArray();
        object prng = prngField.GetValue(impl)!; // boxed struct: set the fields on the box, then store it back
        fields.Seed.SetValue(prng, seedArray);
        fields.Inext.SetValue(prng, (int)Long(state, "inext", source));
        fields.Inextp.SetValue(prng, (int)Long(state, "inextp", source));
        prngField.SetValue(impl, prng);
        return true;
    }

    private static long Long(PyDict state, string key, string source) =>
        state.TryGetValue(key, out var v) && v is long l ? l : throw new KilnException($"{source}: rng_state.kiln_random.{key} must be an int.");

    private static bool TryFields(Random random, out object impl, out FieldInfo prngField, out (FieldInfo Seed, FieldInfo Inext, FieldInfo Inextp) fields)
    {
        impl = null!;
        prngField = null!;
        fields = default;
        if (ImplField?.GetValue(random) is not { } i) return false;
        if (i.GetType().GetField("_prng", Private) is not { } p) return false;
        var seed = p.FieldType.GetField("_seedArray", Private);
        var inext = p.FieldType.GetField("_inext", Private);
        var inextp = p.FieldType.GetField("_inextp", Private);
        if (seed is null || inext is null || inextp is null) return false;
        impl = i;
        prngField = p;
        fields = (seed, inext, inextp);
        return true;
    }
}
