using static TorchSharp.torch;

namespace Kiln.Checkpoints;

/// <summary>
/// A storage named by a persistent id <c>('storage', torch.&lt;T&gt;Storage, key, location, numel)</c>
/// (torch/serialization.py, <c>_save</c>'s <c>persistent_id</c>); its bytes are the record <c>data/&lt;key&gt;</c>.
/// </summary>
internal sealed record StorageRef(string Key, ScalarType DType, long Numel, string Location);
