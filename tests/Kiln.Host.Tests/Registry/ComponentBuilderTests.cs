using Kiln.Config;
using Kiln.Hosting;
using Kiln.Registry;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using TorchSharp;

namespace Kiln.Tests.Registry;

/// <summary>
/// Building through <see cref="ComponentBuilder"/> in a host made by <c>AddKiln</c> with two in-process plugins:
/// <c>kennel</c> (binding, conversion, DI, factories) and <c>samoyed</c> (MMEngine's scope tests).
/// </summary>
public sealed class ComponentBuilderTests : IDisposable
{
    private readonly ServiceProvider _services;
    private readonly ComponentBuilder _builder;

    public ComponentBuilderTests()
    {
        _services = new ServiceCollection()
            .AddLogging()
            .AddKiln(o =>
            {
                o.LoadPluginFolders = false;
                o.InProcessPlugins.Add(new KennelPlugin());
                o.InProcessPlugins.Add(new SamoyedPlugin());
            })
            .BuildServiceProvider();
        _builder = _services.GetRequiredService<ComponentBuilder>();
    }

    public void Dispose() => _services.Dispose();

    private static ConfigDict Dict(params (string Key, object? Value)[] items) =>
        new(items.Select(i => new KeyValuePair<string, object?>(i.Key, i.Value)));

    // REG-04, REG-12: snake_case keys bind to camelCase parameters; values convert to the parameter types.
    [Fact]
    public void Build_SnakeCaseKeys_BindAndConvertValues()
    {
        var probe = (ConversionProbe)_builder.Build(Registries.TaskUtils, Dict(
            ("type", "kennel.ConversionProbe"), ("num_layers", 3L), ("drop_rate", 0.25), ("learning_rate", 1L),
            ("channels", new List<object?> { 8L, 16L }), ("kernel_size", new object?[] { 3L, 5L }),
            ("names", new List<object?> { "a", "b" }), ("interval", "by_epoch"), ("top_k", 7L)));

        Assert.Equal(3, probe.NumLayers);
        Assert.Equal(0.25f, probe.DropRate);
        Assert.Equal(1.0, probe.LearningRate);
        Assert.Equal([8, 16], probe.Channels);
        Assert.Equal([3, 5], probe.KernelSize);
        Assert.Equal(["a", "b"], probe.Names);
        Assert.Equal(Interval.ByEpoch, probe.Interval);
        Assert.Equal(7, probe.TopK);
        Assert.True(probe.UseBias);
    }

    // REG-04: a whole float (3.0) binds to an int parameter, as Python would pass it; a fraction does not.
    [Fact]
    public void Build_WholeFloatForInt_Converts()
    {
        var probe = (ConversionProbe)_builder.Build(Registries.TaskUtils, Dict(("type", "kennel.ConversionProbe"), ("num_layers", 3.0)));
        Assert.Equal(3, probe.NumLayers);
        var e = Assert.Throws<KilnException>(() => _builder.Build(Registries.TaskUtils, Dict(("type", "kennel.ConversionProbe"), ("num_layers", 2.5))));
        Assert.Contains("num_layers = 2.5", e.Message);
    }

    // REG-04: whatever a constructor throws, the error names the config entry that built it.
    [Fact]
    public void Build_ConstructorThrows_ErrorNamesKeyPathAndType()
    {
        var e = Assert.Throws<KilnException>(() => _builder.Build(Registries.TaskUtils, Dict(("type", "kennel.ThrowingProbe")), keyPath: "model.head"));
        Assert.Equal("model.head (kennel.ThrowingProbe): NotSupportedException: no heads today", e.Message);
    }

    public sealed class ThrowingProbe
    {
        public ThrowingProbe() => throw new NotSupportedException("no heads today");
    }

    // REG-04: a scalar given for a list parameter becomes a one-element list; enums also match their own names.
    [Fact]
    public void Build_ScalarForListAndPascalEnum_Converts()
    {
        var probe = (ConversionProbe)_builder.Build(Registries.TaskUtils, Dict(
            ("type", "kennel.ConversionProbe"), ("num_layers", 1L), ("channels", 4L), ("interval", "ByIter"), ("use_bias", false)));
        Assert.Equal([4], probe.Channels);
        Assert.Equal(Interval.ByIter, probe.Interval);
        Assert.False(probe.UseBias);
    }

    // REG-04: a value of the wrong kind names its key path and the type needed.
    [Fact]
    public void Build_WrongValueKind_ThrowsNamingKeyPath()
    {
        var e = Assert.Throws<KilnException>(() => _builder.Build(Registries.TaskUtils,
            Dict(("type", "kennel.ConversionProbe"), ("num_layers", "three")), keyPath: "probe"));
        Assert.Contains("probe.num_layers", e.Message);
        Assert.Contains("Int32", e.Message);
    }

    // REG-04: an enum value that matches no member lists the valid ones in snake_case.
    [Fact]
    public void Build_UnknownEnumValue_ListsValidValues()
    {
        var e = Assert.Throws<KilnException>(() => _builder.Build(Registries.TaskUtils,
            Dict(("type", "kennel.ConversionProbe"), ("num_layers", 1L), ("interval", "by_epock"))));
        Assert.Contains("'by_epoch'", e.Message);
        Assert.Contains("'by_iter'", e.Message);
    }

    // REG-04: a key no constructor takes is an error naming the key, the type, a suggestion and the valid keys.
    [Fact]
    public void Build_UnknownKey_ThrowsWithSuggestionAndValidKeys()
    {
        var e = Assert.Throws<KilnException>(() => _builder.Build(Registries.TaskUtils,
            Dict(("type", "kennel.ConversionProbe"), ("num_layer", 2L)), keyPath: "probe"));
        Assert.Contains("'num_layer'", e.Message);
        Assert.Contains("ConversionProbe", e.Message);
        Assert.Contains("did you mean 'num_layers'", e.Message);
        Assert.Contains("drop_rate=0.5", e.Message);
        Assert.Contains("interval", e.Message);
    }

    // REG-04: a required parameter the config does not give is an error naming it.
    [Fact]
    public void Build_MissingRequiredKey_ThrowsNamingIt()
    {
        var e = Assert.Throws<KilnException>(() => _builder.Build(Registries.TaskUtils, Dict(("type", "kennel.ConversionProbe"))));
        Assert.Contains("needs 'num_layers'", e.Message);
    }

    // REG-04: a dict without "type" is an error.
    [Fact]
    public void Build_NoTypeKey_Throws()
    {
        var e = Assert.Throws<KilnException>(() => _builder.Build(Registries.Models, Dict(("friend", null)), keyPath: "model"));
        Assert.Contains("must contain the key \"type\"", e.Message);
    }

    // REG-04: default args fill keys the config lacks; the config wins where both give one.
    [Fact]
    public void Build_DefaultArgs_ConfigWins()
    {
        var probe = (ConversionProbe)_builder.Build(Registries.TaskUtils, Dict(("type", "kennel.ConversionProbe"), ("num_layers", 2L)),
            new Dictionary<string, object?> { ["num_layers"] = 9L, ["top_k"] = 4L });
        Assert.Equal(2, probe.NumLayers);
        Assert.Equal(4, probe.TopK);
    }

    // REG-04 (DESIGN.md): a parameter whose type is a registered kind (nn.Module → MODELS) is built from its dict.
    [Fact]
    public void Build_ModuleTypedParameter_BuildsNestedFromModels()
    {
        var dog = (MySamoyed)_builder.Build(Registries.Models, Dict(
            ("type", "samoyed.MySamoyed"), ("friend", Dict(("type", "samoyed.YourSamoyed")))));
        Assert.IsType<YourSamoyed>(dog.Friend);
    }

    // REG-04: lists of registered kinds are built element by element.
    [Fact]
    public void Build_ListOfModules_BuildsEachElement()
    {
        var pack = (Pack)_builder.Build(Registries.Models, Dict(("type", "samoyed.Pack"),
            ("members", new List<object?> { Dict(("type", "samoyed.YourSamoyed")), Dict(("type", "kennel.Probe")) })));
        Assert.Collection(pack.Members, m => Assert.IsType<YourSamoyed>(m), m => Assert.IsType<Probe>(m));
    }

    // REG-10: _scope_ switches the default scope for the whole subtree (MMEngine test_build_scope:
    // MySamoyed(friend=dict(type='YourSamoyed')) under _scope_='samoyed' finds the friend in SAMOYEDS).
    [Fact]
    public void Build_ScopeKey_AppliesToNestedBuilds()
    {
        var dog = (MySamoyed)_builder.Build(Registries.Models, Dict(
            ("type", "MySamoyed"), ("friend", Dict(("type", "YourSamoyed"))), ("_scope_", "samoyed")));
        Assert.IsType<YourSamoyed>(dog.Friend);
        Assert.Null(DefaultScope.Name);
    }

    // REG-10: the same for constructors that build their own sub-config through IComponentBuilder, as MMEngine's do.
    [Fact]
    public void Build_ScopeKey_AppliesToBuildsInsideConstructor()
    {
        var dog = (SelfBuildingSamoyed)_builder.Build(Registries.Models, Dict(
            ("type", "SelfBuildingSamoyed"), ("friend", Dict(("type", "YourSamoyed"))), ("_scope_", "samoyed")));
        Assert.IsType<YourSamoyed>(dog.Friend);
    }

    // REG-08/REG-10: a scope prefix on type alone does not switch scope, so the unprefixed friend is not found.
    [Fact]
    public void Build_PrefixWithoutScopeKey_NestedNameNotFound()
    {
        var e = Assert.Throws<KilnException>(() => _builder.Build(Registries.Models, Dict(
            ("type", "samoyed.MySamoyed"), ("friend", Dict(("type", "YourSamoyed")))), keyPath: "model"));
        Assert.Contains("model.friend.type", e.Message);
        Assert.Contains("mmengine::model", e.Message);
        Assert.Contains("'samoyed.YourSamoyed'", e.Message);
        Assert.Null(DefaultScope.Name);
    }

    // REG-10: _scope_ must be a string.
    [Fact]
    public void Build_NonStringScopeKey_Throws()
    {
        var e = Assert.Throws<KilnException>(() => _builder.Build(Registries.Models, Dict(("type", "MySamoyed"), ("_scope_", 1L))));
        Assert.Contains("_scope_", e.Message);
        Assert.Contains("samoyed", e.Message);
    }

    // REG-13: a default scope redirects unscoped builds to that scope's registry (and its ancestors).
    [Fact]
    public void Build_DefaultScope_RedirectsUnscopedName()
    {
        using (DefaultScope.Overwrite("samoyed"))
        {
            Assert.IsType<YourSamoyed>(_builder.Build(Registries.Models, Dict(("type", "YourSamoyed"))));
            Assert.IsType<Probe>(_builder.Build(Registries.Models, Dict(("type", "kennel.Probe"))));
        }
        Assert.Null(DefaultScope.Name);
        Assert.Throws<KilnException>(() => _builder.Build(Registries.Models, Dict(("type", "YourSamoyed"))));
    }

    // REG-13: MMEngine's test with default scope 'mid_hound': the default scope is searched anywhere in the tree,
    // and a name registered only in that grandchild resolves while its ancestors' names still resolve.
    [Fact]
    public void Build_DefaultScopeGrandchild_ResolvesOwnAndAncestorNames()
    {
        var samoyeds = _services.GetRequiredService<RegistryTree>().Node(Registries.Models, "samoyed");
        var little = new Kiln.Registry.Registry(Registries.Models, "little_samoyed", samoyeds);
        little.Add(new Registration("LittleSamoyed", "little_samoyed", Registries.Models, typeof(LittleSamoyed), null), force: false);

        using (DefaultScope.Overwrite("little_samoyed"))
        {
            Assert.IsType<LittleSamoyed>(_builder.Build(Registries.Models, Dict(("type", "LittleSamoyed"))));
            Assert.IsType<YourSamoyed>(_builder.Build(Registries.Models, Dict(("type", "YourSamoyed"))));
        }
        Assert.IsType<LittleSamoyed>(_builder.Build(Registries.Models, Dict(("type", "samoyed.little_samoyed.LittleSamoyed"))));
    }

    // REG-13: a default scope that no registry of the tree has falls back to the root (MMEngine warns and goes on).
    [Fact]
    public void Build_UnknownDefaultScope_FallsBackToRoot()
    {
        using var _ = DefaultScope.Overwrite("no_such_scope");
        Assert.IsType<YourSamoyed>(_builder.Build(Registries.Models, Dict(("type", "samoyed.YourSamoyed"))));
    }

    // REG-04: a misspelled type names the key path, the registry as scope::name and the closest names.
    [Fact]
    public void Build_MisspelledType_ThrowsWithScopeAndClosestNames()
    {
        var e = Assert.Throws<KilnException>(() => _builder.Build(Registries.Models, Dict(
            ("type", "MySamoyed"), ("friend", Dict(("type", "YourSamoyd"))), ("_scope_", "samoyed")), keyPath: "model"));
        Assert.Contains("model.friend.type", e.Message);
        Assert.Contains("'YourSamoyd' is not in the samoyed::model registry", e.Message);
        Assert.Contains("Did you mean 'YourSamoyed'", e.Message);
    }

    // REG-04: a suggested name for a component in a deeper scope is one that resolves from where it was asked.
    [Fact]
    public void Build_MisspelledTypeInGrandchildScope_SuggestsResolvableName()
    {
        var samoyeds = _services.GetRequiredService<RegistryTree>().Node(Registries.Models, "samoyed");
        var little = new Kiln.Registry.Registry(Registries.Models, "little_samoyed", samoyeds);
        little.Add(new Registration("LittleSamoyed", "little_samoyed", Registries.Models, typeof(LittleSamoyed), null), force: false);

        var e = Assert.Throws<KilnException>(() => _builder.Build(Registries.Models, Dict(("type", "LitleSamoyed"))));
        Assert.Contains("'samoyed.little_samoyed.LittleSamoyed'", e.Message);
        Assert.NotNull(_services.GetRequiredService<RegistryTree>()[Registries.Models].Get("samoyed.little_samoyed.LittleSamoyed"));
    }

    // DESIGN.md "Registry and building": parameters the config does not give come from the container.
    [Fact]
    public void Build_ServiceParameters_FilledFromContainer()
    {
        var probe = (DiProbe)_builder.Build(Registries.Hooks, Dict(("type", "kennel.DiProbe"), ("size", 2L)));
        Assert.Same(_services.GetRequiredService<Kennel>(), probe.Kennel);
        Assert.NotNull(probe.Logger);
        Assert.Equal(2, probe.Size);
    }

    // REG-06: a registered function is called with the config's keys and its result is what Build returns.
    [Fact]
    public void Build_Factory_ReturnsFunctionResult()
    {
        Assert.Equal(3L, _builder.Build(Registries.Functions, Dict(("type", "kennel.add"), ("a", 1L), ("b", 2L))));
    }

    // REG-12: [Register] classes of a plugin assembly are found by scanning and registered under its scope.
    [Fact]
    public void AddKiln_AttributedClass_RegisteredUnderPluginScope()
    {
        var tree = _services.GetRequiredService<RegistryTree>();
        Assert.Same(typeof(Probe), tree[Registries.Models].Get("kennel.Probe")?.Type);
        Assert.Same(typeof(Probe), tree[Registries.Models].Get("samoyed.Probe")?.Type);
        Assert.Null(tree[Registries.Models].Get("Probe"));
    }

    // REG-04: an ArgumentException from a constructor becomes a KilnException naming the key path and type.
    [Fact]
    public void Build_ConstructorRejectsValue_ThrowsNamingPath()
    {
        var e = Assert.Throws<KilnException>(() => _builder.Build(Registries.Hooks, Dict(("type", "kennel.DiProbe"), ("size", -1L)), keyPath: "custom_hooks[0]"));
        Assert.StartsWith("custom_hooks[0] (kennel.DiProbe):", e.Message);
        Assert.Contains("size", e.Message);
    }

    // ---- the in-process plugins and their components ----

    public enum Interval { ByEpoch, ByIter }

    private sealed class KennelPlugin : IKilnPlugin
    {
        public string Scope => "kennel";

        public void Register(IPluginRegistrar registrar)
        {
            registrar.Register(Registries.TaskUtils, typeof(ConversionProbe));
            registrar.Register(Registries.Hooks, typeof(DiProbe));
            registrar.Register(Registries.Functions, "add", (_, a) => (long)a["a"]! + (long)a["b"]!);
            registrar.Register(Registries.TaskUtils, typeof(ThrowingProbe));
        }

        public void ConfigureServices(IServiceCollection services) => services.AddSingleton<Kennel>();
    }

    private sealed class SamoyedPlugin : IKilnPlugin
    {
        public string Scope => "samoyed";

        public void Register(IPluginRegistrar registrar)
        {
            registrar.Register(Registries.Models, typeof(MySamoyed));
            registrar.Register(Registries.Models, typeof(YourSamoyed));
            registrar.Register(Registries.Models, typeof(SelfBuildingSamoyed));
            registrar.Register(Registries.Models, typeof(Pack));
        }
    }

    public sealed class Kennel;

    public sealed class ConversionProbe(
        int numLayers, float dropRate = 0.5f, double learningRate = 0.1, IReadOnlyList<int>? channels = null, int[]? kernelSize = null,
        List<string>? names = null, Interval interval = Interval.ByIter, bool useBias = true, int topK = 1)
    {
        public int NumLayers => numLayers;
        public float DropRate => dropRate;
        public double LearningRate => learningRate;
        public IReadOnlyList<int> Channels => channels ?? [];
        public int[] KernelSize => kernelSize ?? [];
        public List<string> Names => names ?? [];
        public Interval Interval => interval;
        public bool UseBias => useBias;
        public int TopK => topK;
    }

    public sealed class DiProbe
    {
        public DiProbe(int size, Kennel kennel, ILogger<DiProbe> logger)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(size);
            (Size, Kennel, Logger) = (size, kennel, logger);
        }

        public int Size { get; }
        public Kennel Kennel { get; }
        public ILogger<DiProbe> Logger { get; }
    }

    [Register(Registries.Models)]
    public sealed class Probe() : torch.nn.Module(nameof(Probe));

    public sealed class YourSamoyed() : torch.nn.Module(nameof(YourSamoyed));

    public sealed class LittleSamoyed() : torch.nn.Module(nameof(LittleSamoyed));

    public sealed class MySamoyed(torch.nn.Module friend) : torch.nn.Module(nameof(MySamoyed))
    {
        public torch.nn.Module Friend { get; } = friend;
    }

    public sealed class SelfBuildingSamoyed(ConfigDict friend, IComponentBuilder builder) : torch.nn.Module(nameof(SelfBuildingSamoyed))
    {
        public object Friend { get; } = builder.Build(Registries.Models, friend, keyPath: "friend");
    }

    public sealed class Pack(IReadOnlyList<torch.nn.Module> members) : torch.nn.Module(nameof(Pack))
    {
        public IReadOnlyList<torch.nn.Module> Members { get; } = members;
    }
}
