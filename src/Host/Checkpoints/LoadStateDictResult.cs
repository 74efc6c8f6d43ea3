namespace Kiln.Checkpoints;

/// <summary>
/// What <see cref="StateDictConverter.LoadInto"/> could not load, reported as MMEngine's <c>load_state_dict</c>
/// (mmengine/runner/checkpoint.py) reports it.
/// </summary>
/// <param name="MissingKeys">Model keys absent from the checkpoint (<c>num_batches_tracked</c> is left out of the message, as MMEngine does).</param>
/// <param name="UnexpectedKeys">Checkpoint keys the model does not have.</param>
/// <param name="ShapeMismatches">"size mismatch for …" lines for keys whose shapes differ; those weights are not copied.</param>
public sealed record LoadStateDictResult(
    IReadOnlyList<string> MissingKeys,
    IReadOnlyList<string> UnexpectedKeys,
    IReadOnlyList<string> ShapeMismatches)
{
    public bool IsExact => MissingKeys.Count == 0 && UnexpectedKeys.Count == 0 && ShapeMismatches.Count == 0;

    /// <summary>MMEngine's message text, or <see langword="null"/> when everything matched.</summary>
    public string? FormatMessage()
    {
        var errors = new List<string>(ShapeMismatches);
        var missing = MissingKeys.Where(k => !k.Contains("num_batches_tracked", StringComparison.Ordinal)).ToList();
        if (UnexpectedKeys.Count > 0)
        {
            errors.Add($"unexpected key in source state_dict: {string.Join(", ", UnexpectedKeys)}\n");
        }

        if (missing.Count > 0)
        {
            errors.Add($"missing keys in source state_dict: {string.Join(", ", missing)}\n");
        }

        if (errors.Count == 0)
        {
            return null;
        }

        errors.Insert(0, "The model and loaded state dict do not match exactly\n");
        return string.Join("\n", errors);
    }
}
