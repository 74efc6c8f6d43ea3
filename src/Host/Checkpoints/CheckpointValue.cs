using System.Collections;
using static TorchSharp.torch;

namespace Kiln.Checkpoints;

/// <summary>Helpers over checkpoint values (the value model is described on <see cref="PyDict"/>).</summary>
public static class CheckpointValue
{
    /// <summary>Every tensor in a value tree, depth first, in order (dict values, list and tuple items, OrderedDict attributes).</summary>
    public static IEnumerable<Tensor> EnumerateTensors(object? value)
    {
        switch (value)
        {
            case Tensor t:
                yield return t;
                break;
            case PyDict dict:
                foreach (var item in dict.Values)
                {
                    foreach (var t in EnumerateTensors(item))
                    {
                        yield return t;
                    }
                }

                if (dict is PyOrderedDict { Attributes: { } attributes })
                {
                    foreach (var t in EnumerateTensors(attributes))
                    {
                        yield return t;
                    }
                }

                break;
            case IDictionary dict:
                foreach (var item in dict.Values)
                {
                    foreach (var t in EnumerateTensors(item))
                    {
                        yield return t;
                    }
                }

                break;
            case IList list when value is not byte[]:
                foreach (var item in list)
                {
                    foreach (var t in EnumerateTensors(item))
                    {
                        yield return t;
                    }
                }

                break;
        }
    }

    /// <summary>
    /// Disposes every tensor in a loaded checkpoint. Tensors hold native memory that the garbage collector does not
    /// see, so a caller done with a checkpoint (after copying weights into a model) should call this.
    /// </summary>
    public static void DisposeTensors(object? value)
    {
        foreach (var tensor in EnumerateTensors(value).ToList())
        {
            tensor.Dispose();
        }
    }
}
