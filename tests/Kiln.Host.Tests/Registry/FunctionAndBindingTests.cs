using Kiln.Config;
using Kiln.Hosting;
using Kiln.Logging;
using Kiln.Registry;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Kiln.Tests.Registry;

/// <summary>
/// Functions in the registries (MMEngine's FUNCTIONS, REG-06) and the constructor-binding cases of issue 4 not covered
/// by <see cref="ComponentBuilderTests"/>: tuples, ConfigDict parameters, DI parameters (options, the message hub),
/// build_from_cfg's edge cases from MMEngine's test_build_functions.py.
/// </summary>
public sealed class FunctionAndBindingTests : IDisposable
{
    private readonly ServiceProvider _services;
    private readonly ComponentBuilder _builder;

    public FunctionAndBindingTests()
    {
        _services = new ServiceCollection()
            .AddLogging()
            .AddOptions()
            .Configure<KennelOptions>(o => o.Capacity = 12)
            .AddKiln(o =>
            {
                o.LoadPluginFolders = false;
                o.InProcessPlugins.Add(new DogsPlugin());
                o.InProcessPlugins.Add(new CatsPlugin());
            })
            .BuildServiceProvider();
        _builder = _services.GetRequiredService<ComponentBuilder>();
    }

    public void Dispose() => _services.Dispose();

    private static ConfigDict Dict(params (string Key, object? Value)[] items) =>
        new(items.Select(i => new KeyValuePair<string, object?>(i.Key, i.Value)));

    // REG-06 (MMEngine test_build: DOGS.build(dict(type='bark', times=3)) == 'woof woof woof'): a [Register] static
    // method is a function; its keys bind to its parameters by name and its result is what Build returns.
    [Theory]
    [InlineData(3L, "woof woof woof")]
    [InlineData(null, "woof")]
    public void Build_RegisteredStaticMethod_CallsWithBoundKeys(long? times, string expected)
    {
        var cfg = Dict(("type", "dogs.bark"));
        if (times is not null) cfg["times"] = times;
        Assert.Equal(expected, _builder.Build(Registries.Functions, cfg));
    }

    // REG-06: a function's keys are checked as a constructor's are: an unknown key names the function and its keys.
    [Fact]
    public void Build_FunctionUnknownKey_ThrowsNamingValidKeys()
    {
        var e = Assert.Throws<KilnException>(() => _builder.Build(Registries.Functions, Dict(("type", "dogs.bark"), ("time", 2L)), keyPath: "fn"));
        Assert.Equal("fn: Bark does not take 'time' (did you mean 'times'?). Keys Bark takes: times=1.", e.Message);
    }

    // REG-06 (MMEngine's Runner: collate_fn = partial(FUNCTIONS.get(type), **cfg)): a function taken as a partial binds
    // its config keys now and takes the rest positionally on each call.
    [Fact]
    public void Partial_RegisteredFunction_BindsKeysAndTakesTheRestPerCall()
    {
        var call = _builder.Partial(Registries.Functions, Dict(("type", "join_names"), ("separator", "+"), ("_scope_", "dogs")));
        Assert.Equal("a+b", call([new[] { "a", "b" }]));
        Assert.Equal("c", call([new[] { "c" }]));
        var e = Assert.Throws<KilnException>(() => call([]));
        Assert.Contains("takes 1 argument(s) besides its config keys (names)", e.Message);
    }

    // REG-06: MMEngine's pseudo_collate is registered in the host's FUNCTIONS and resolves from any scope.
    [Fact]
    public void Partial_PseudoCollate_ResolvesFromRootFunctions()
    {
        var tree = _services.GetRequiredService<RegistryTree>();
        Assert.Equal("PseudoCollate", tree[Registries.Functions].Get("pseudo_collate")?.Method?.Name);
        Assert.NotNull(tree.Node(Registries.Functions, "dogs").Get("pseudo_collate"));
        var batch = _builder.Partial(Registries.Functions, Dict(("type", "pseudo_collate")))([new List<Structures.Sample>()]);
        Assert.IsType<Structures.DataBatch>(batch);
    }

    // REG-06: a class is no partial function.
    [Fact]
    public void Partial_Class_ThrowsSayingItIsNoFunction()
    {
        var e = Assert.Throws<KilnException>(() => _builder.Partial(Registries.Functions, Dict(("type", "dogs.Leash"))));
        Assert.Contains("not a function that can be called with arguments", e.Message);
    }

    // REG-02: registering an instance method, a void method or a generic method as a function is refused, saying why.
    [Theory]
    [InlineData(nameof(Dogs.Instance), "is an instance method")]
    [InlineData(nameof(Dogs.Nothing), "returns nothing")]
    [InlineData(nameof(Dogs.Generic), "is generic")]
    public void RegisterFunction_UnsuitableMethod_Throws(string method, string expected)
    {
        var registrar = new RegistryTree().RootRegistrar();
        var info = typeof(Dogs).GetMethod(method)!;
        var e = Assert.Throws<KilnException>(() => registrar.RegisterFunction(Registries.Functions, info));
        Assert.Contains(expected, e.Message);
    }

    // REG-02: a duplicate function name in one scope names both functions, unless force replaces it.
    [Fact]
    public void RegisterFunction_DuplicateName_NamesBothUnlessForced()
    {
        var tree = new RegistryTree();
        var registrar = tree.AddScope("dogs");
        registrar.RegisterFunction(Registries.Functions, typeof(Dogs).GetMethod(nameof(Dogs.Bark))!, "bark");
        var e = Assert.Throws<KilnException>(() => registrar.RegisterFunction(Registries.Functions, typeof(Dogs).GetMethod(nameof(Dogs.Howl))!, "bark"));
        Assert.Contains($"function {typeof(Dogs).FullName}.Bark", e.Message);
        Assert.Contains($"function {typeof(Dogs).FullName}.Howl", e.Message);
        Assert.Contains("force=true", e.Message);

        registrar.RegisterFunction(Registries.Functions, typeof(Dogs).GetMethod(nameof(Dogs.Howl))!, "bark", force: true);
        Assert.Equal("Howl", tree[Registries.Functions].Get("dogs.bark")?.Method?.Name);
    }

    // REG-02: a class and a function may not share a name in one scope either; the message names both.
    [Fact]
    public void Register_ClassOverFunctionName_NamesBoth()
    {
        var tree = new RegistryTree();
        var registrar = tree.AddScope("dogs");
        registrar.RegisterFunction(Registries.Functions, typeof(Dogs).GetMethod(nameof(Dogs.Bark))!, "Leash");
        var e = Assert.Throws<KilnException>(() => registrar.Register(Registries.Functions, typeof(Leash)));
        Assert.Contains($"function {typeof(Dogs).FullName}.Bark", e.Message);
        Assert.Contains(typeof(Leash).FullName!, e.Message);
    }

    // REG-04: a list or tuple binds to a C# tuple parameter, item by item; a wrong count names the key path.
    [Fact]
    public void Build_TupleParameter_ConvertsItemsAndChecksCount()
    {
        var leash = (Leash)_builder.Build(Registries.Functions, Dict(("type", "dogs.Leash"), ("size", new object?[] { 3L, 5L }), ("span", new List<object?> { 0.5, "m" })));
        Assert.Equal((3, 5), leash.Size);
        Assert.Equal((0.5, "m"), leash.Span);

        var e = Assert.Throws<KilnException>(() => _builder.Build(Registries.Functions, Dict(("type", "dogs.Leash"), ("size", new object?[] { 3L })), keyPath: "leash"));
        Assert.StartsWith("leash.size = ", e.Message);
        Assert.EndsWith(" has 1 items, but a ValueTuple<Int32, Int32> takes 2.", e.Message);
    }

    // REG-04: a ConfigDict parameter receives the dict itself, unbuilt, even when it has a 'type'.
    [Fact]
    public void Build_ConfigDictParameter_PassesDictUnbuilt()
    {
        var inner = Dict(("type", "NotRegisteredAnywhere"), ("x", 1L));
        var leash = (Leash)_builder.Build(Registries.Functions, Dict(("type", "dogs.Leash"), ("size", new object?[] { 1L, 1L }), ("extra", inner)));
        Assert.Equal(inner, leash.Extra);
    }

    // DESIGN.md "Registry and building": options (IOptions<T>), ILogger<T> and plugin services come from DI.
    [Fact]
    public void Build_DiParameters_FilledFromContainer()
    {
        var kennel = (Kennel)_builder.Build(Registries.Hooks, Dict(("type", "dogs.Kennel")));
        Assert.Equal(12, kennel.Options.Value.Capacity);
        Assert.NotNull(kennel.Logger);
        Assert.Same(_services.GetRequiredService<Groomer>(), kennel.Groomer);
    }

    // DESIGN.md: the message hub a constructor asks for is the one provided for the build (the Runner's own).
    [Fact]
    public void Build_MessageHubParameter_GetsProvidedHub()
    {
        var hub = new MessageHub();
        using (ComponentBuilder.Provide<IMessageHub>(hub))
        {
            var watcher = (HubWatcher)_builder.Build(Registries.Hooks, Dict(("type", "dogs.HubWatcher")));
            Assert.Same(hub, watcher.Hub);
        }
        var e = Assert.Throws<KilnException>(() => _builder.Build(Registries.Hooks, Dict(("type", "dogs.HubWatcher"))));
        Assert.Contains("needs 'hub' (IMessageHub)", e.Message);
    }

    // REG-04 (MMEngine test_build_from_cfg): "type" may come from the default args.
    [Fact]
    public void Build_TypeFromDefaultArgs_Builds()
    {
        var leash = (Leash)_builder.Build(Registries.Functions, Dict(("size", new object?[] { 2L, 2L })),
            new Dictionary<string, object?> { ["type"] = "dogs.Leash" });
        Assert.Equal((2, 2), leash.Size);
    }

    // REG-04 (MMEngine: "type must be a str or valid type, but got <class 'int'>").
    [Fact]
    public void Build_NonStringType_Throws()
    {
        var e = Assert.Throws<KilnException>(() => _builder.Build(Registries.Functions, Dict(("type", 1000L)), keyPath: "fn"));
        Assert.Equal("fn.type must be a string naming a registered component, not 1000.", e.Message);
    }

    // REG-04: an unknown type suggests the closest names across every scope, qualified so they resolve from here.
    [Fact]
    public void Build_UnknownType_SuggestsClosestNamesAcrossScopes()
    {
        var e = Assert.Throws<KilnException>(() => _builder.Build(Registries.Hooks, Dict(("type", "Kenel")), keyPath: "custom_hooks[0]"));
        Assert.StartsWith("custom_hooks[0].type: 'Kenel' is not in the mmengine::hook registry. Did you mean ", e.Message);
        Assert.Contains("'cats.Kennel'", e.Message);
        Assert.Contains("'dogs.Kennel'", e.Message);
    }

    // REG-04 (MMEngine test_build_model_from_cfg): a list of model dicts given for one module becomes nn.Sequential,
    // each element built in order.
    [Fact]
    public void Build_ListForModuleParameter_BuildsSequential()
    {
        using var _ = TorchSharp.torch.NewDisposeScope();
        var chain = (Chain)_builder.Build(Registries.Models, Dict(("type", "dogs.Chain"), ("body", new List<object?>
        {
            Dict(("type", "dogs.Scale"), ("factor", 2.0)), Dict(("type", "dogs.Scale"), ("factor", 3.0)),
        })));
        var sequential = Assert.IsType<TorchSharp.Modules.Sequential>(chain.Body);
        Assert.Equal(2, sequential.Count);
        Assert.Equal(6.0f, sequential.forward(TorchSharp.torch.ones(1)).item<float>());

        var e = Assert.Throws<KilnException>(() => _builder.Build(Registries.Models, Dict(("type", "dogs.Chain"), ("body", new List<object?> { 1L })), keyPath: "model"));
        Assert.StartsWith("model.body[0] = 1 is an int", e.Message);
    }

    // ---- in-process plugins ----

    public sealed class KennelOptions
    {
        public int Capacity { get; set; }
    }

    public sealed class Groomer;

    private sealed class DogsPlugin : IKilnPlugin
    {
        public string Scope => "dogs";

        public void Register(IPluginRegistrar registrar)
        {
            registrar.RegisterFunction(Registries.Functions, typeof(Dogs).GetMethod(nameof(Dogs.JoinNames))!, "join_names");
            registrar.Register(Registries.Functions, typeof(Leash));
            registrar.Register(Registries.Hooks, typeof(Kennel));
            registrar.Register(Registries.Hooks, typeof(HubWatcher));
            registrar.Register(Registries.Models, typeof(Chain));
            registrar.Register(Registries.Models, typeof(Scale));
        }

        public void ConfigureServices(IServiceCollection services) => services.AddSingleton<Groomer>();
    }

    private sealed class CatsPlugin : IKilnPlugin
    {
        public string Scope => "cats";

        public void Register(IPluginRegistrar registrar) => registrar.Register(Registries.Hooks, typeof(Kennel));
    }

    public sealed class Dogs
    {
        [Register(Registries.Functions, "bark")]
        public static string Bark(int times = 1) => string.Join(' ', Enumerable.Repeat("woof", times));

        public static string Howl(int times = 1) => string.Join(' ', Enumerable.Repeat("awoo", times));

        public static string JoinNames(string[] names, string separator = ",") => string.Join(separator, names);

        public static void Nothing() { }

        public static T Generic<T>(T value) => value;

        public string Instance(Leash leash) => $"{GetHashCode()} {leash}";
    }

    public sealed class Leash((int, int) size, (double, string)? span = null, ConfigDict? extra = null)
    {
        public (int, int) Size => size;
        public (double, string)? Span => span;
        public ConfigDict? Extra => extra;
    }

    public sealed class Kennel(IOptions<KennelOptions> options, ILogger<Kennel> logger, Groomer groomer) : Kiln.Hooks.Hook
    {
        public IOptions<KennelOptions> Options => options;
        public ILogger<Kennel> Logger => logger;
        public Groomer Groomer => groomer;
    }

    public sealed class Chain(TorchSharp.torch.nn.Module body) : TorchSharp.torch.nn.Module(nameof(Chain))
    {
        public TorchSharp.torch.nn.Module Body { get; } = body;
    }

    public sealed class Scale(double factor) : TorchSharp.torch.nn.Module<TorchSharp.torch.Tensor, TorchSharp.torch.Tensor>(nameof(Scale))
    {
        public override TorchSharp.torch.Tensor forward(TorchSharp.torch.Tensor input) => input * factor;
    }

    public sealed class HubWatcher(IMessageHub hub) : Kiln.Hooks.Hook
    {
        public IMessageHub Hub => hub;
    }
}
