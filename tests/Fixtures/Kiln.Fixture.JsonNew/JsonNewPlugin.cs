using System.Reflection;
using Kiln.Registry;
using Newtonsoft.Json.Linq;
using TorchSharp;
using static TorchSharp.torch;

[assembly: KilnPlugin("jsonnew")]

namespace Kiln.Fixture.JsonNew;

/// <summary>The entry: owns the <c>jsonnew</c> scope.</summary>
public sealed class JsonNewPlugin : IKilnPlugin
{
    public string Scope => "jsonnew";
}

/// <summary>
/// A linear layer whose sizes come from JSON parsed with this plugin's Newtonsoft.Json 13.0.3, so a host that also
/// loads Kiln.Fixture.Plugin (13.0.1) shows each plugin keeps its own version.
/// </summary>
[Register(Registries.Models)]
public sealed class JsonLinear : nn.Module<Tensor, Tensor>
{
    private readonly TorchSharp.Modules.Linear _fc;

    public JsonLinear(string layout = """{"in": 4, "out": 3}""") : base(nameof(JsonLinear))
    {
        var json = JObject.Parse(layout);
        _fc = nn.Linear(json.Value<int>("in"), json.Value<int>("out"));
        RegisterComponents();
    }

    /// <summary>The Newtonsoft.Json assembly this plugin bound to.</summary>
    public static Assembly JsonAssembly => typeof(JObject).Assembly;

    public override Tensor forward(Tensor input) => _fc.forward(input);
}
