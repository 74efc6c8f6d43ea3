namespace Kiln.Checkpoints;

/// <summary>
/// A Python <c>dict</c> read from or written to a checkpoint, keeping insertion order as Python does.
/// </summary>
/// <remarks>
/// <para>The checkpoint value model (what <see cref="CheckpointFile.Load(string)"/> returns and
/// <see cref="CheckpointFile.Save(string, object?)"/> accepts):</para>
/// <list type="table">
/// <listheader><term>Python</term><description>.NET</description></listheader>
/// <item><term><c>dict</c></term><description><see cref="PyDict"/></description></item>
/// <item><term><c>collections.OrderedDict</c></term><description><see cref="PyOrderedDict"/> (a subclass, so a
/// state_dict saved by Kiln is an OrderedDict again in Python)</description></item>
/// <item><term><c>list</c></term><description><see cref="List{T}"/> of <see cref="object"/> (on save, any
/// non-array <see cref="System.Collections.IList"/>)</description></item>
/// <item><term><c>tuple</c>, <c>torch.Size</c></term><description><c>object?[]</c></description></item>
/// <item><term><c>int</c></term><description><see cref="long"/> (on save also int, short, byte, …)</description></item>
/// <item><term><c>float</c></term><description><see cref="double"/> (on save also float)</description></item>
/// <item><term><c>str</c>, <c>bool</c>, <c>None</c></term><description><see cref="string"/>, <see cref="bool"/>, <see langword="null"/></description></item>
/// <item><term><c>bytes</c></term><description><c>byte[]</c> (read only)</description></item>
/// <item><term><c>torch.Tensor</c></term><description><c>TorchSharp.torch.Tensor</c> on the CPU, owned by the
/// caller (see <see cref="CheckpointValue.DisposeTensors(object?)"/>)</description></item>
/// </list>
/// <para>Keys are <see cref="object"/> because Python dict keys need not be strings: an optimizer
/// state_dict is <c>{'state': {0: {...}, 1: {...}}, 'param_groups': [{'params': [0, 1], ...}]}</c>. A key is a
/// <see cref="string"/>, a <see cref="long"/>, a <see cref="double"/>, a <see cref="bool"/> or a tuple
/// (<c>object?[]</c>) of those. Integer keys compare by value whatever their CLR type, so <c>dict[0]</c> finds the
/// key <c>0L</c> read from a file; <c>0</c> and <c>"0"</c> stay distinct keys, as in Python.</para>
/// </remarks>
public class PyDict : OrderedDictionary<object, object?>
{
    /// <summary>Creates an empty dict.</summary>
    public PyDict() : base(PyKeyComparer.Instance) { }

    /// <summary>Gets the value under a string key, or <see langword="null"/> with <c>false</c> when absent.</summary>
    public bool TryGet<T>(object key, out T? value)
    {
        if (TryGetValue(key, out var raw) && raw is T typed)
        {
            value = typed;
            return true;
        }

        value = default;
        return false;
    }
}
