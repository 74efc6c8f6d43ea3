namespace Kiln.Checkpoints;

/// <summary>
/// A Python <c>collections.OrderedDict</c>. PyTorch's <c>Module.state_dict()</c> returns one, with the
/// per-module versions in an attribute <c>_metadata</c>; both survive a Kiln round trip.
/// </summary>
public class PyOrderedDict : PyDict
{
    /// <summary>
    /// The instance attributes pickled as the object's state (<c>OrderedDict.__reduce__</c> returns
    /// <c>vars(self)</c>, and pickle restores it with BUILD), e.g. <c>{'_metadata': OrderedDict({'': {'version': 1}})}</c>
    /// for a state_dict. <see langword="null"/> when there are none.
    /// </summary>
    public PyDict? Attributes { get; set; }
}
