namespace Kiln.Models;

/// <summary>MMEngine's <c>mode</c> argument of <c>BaseModel.forward</c>.</summary>
public enum ForwardMode
{
    /// <summary>Return a dict of losses (training).</summary>
    Loss,

    /// <summary>Return predictions as data samples (validation, test).</summary>
    Predict,

    /// <summary>Return the raw network output.</summary>
    Tensor,
}
