using System.Reflection;
using Kiln.Registry;
using Newtonsoft.Json.Linq;
using TorchSharp;
using static TorchSharp.torch;

namespace Kiln.Fixture.Plugin;

/// <summary>
/// A two-layer MLP whose layer sizes come from a JSON string parsed with the plugin's private Newtonsoft.Json,
/// so building it proves the private dependency resolves from the plugin's own folder.
/// </summary>
[Register(Registries.Models)]
public sealed class JsonLayoutNet : nn.Module<Tensor, Tensor>
{
    private readonly TorchSharp.Modules.Linear _fc1;
    private readonly TorchSharp.Modules.Linear _fc2;

    public JsonLayoutNet(string layout = """{"in": 4, "hidden": 8, "out": 2}""") : base(nameof(JsonLayoutNet))
    {
        var json = JObject.Parse(layout);
        InFeatures = json.Value<int>("in");
        _fc1 = nn.Linear(InFeatures, json.Value<int>("hidden"));
        _fc2 = nn.Linear(json.Value<int>("hidden"), json.Value<int>("out"));
        RegisterComponents();
    }

    public int InFeatures { get; }

    /// <summary>The Newtonsoft.Json assembly this plugin bound to.</summary>
    public static Assembly JsonAssembly => typeof(JObject).Assembly;

    public override Tensor forward(Tensor input) => _fc2.forward(nn.functional.relu(_fc1.forward(input)));
}
