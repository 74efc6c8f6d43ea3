using Kiln.Config;
using Kiln.Hosting;
using Kiln.Models;
using Kiln.Registry;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using TorchSharp;

namespace Kiln.Guide;

/// <summary>docs/guide/registry.md and docs/guide/config.md.</summary>
public static class RegistryConfigSnippets
{
    [Snippet("registry-build")]
    public static void Build()
    {
        #region guide:registry-build
        using IHost host = KilnHost.Create(o => o.InProcessPlugins.Add(new GuidePlugin()));
        var builder = host.Services.GetRequiredService<IComponentBuilder>();
        using var toy = builder.Build<BaseModel>(Registries.Models,
            new ConfigDict { ["type"] = "guide.MyToyModel", ["hidden"] = 3L });
        Console.WriteLine($"{toy.GetType().Name}: {toy.parameters().Sum(p => p.numel())} parameters");
        using var resnet = builder.Build<torch.nn.Module>(Registries.Models,
            new ConfigDict { ["type"] = "vision.ResNet", ["depth"] = 18L, ["num_classes"] = 10L });
        Console.WriteLine($"{resnet.GetType().Name}: {resnet.parameters().Sum(p => p.numel()):N0} parameters");
        #endregion
    }

    [Snippet("config-api")]
    public static void ConfigApi()
    {
        #region guide:config-api
        var cfg = Kiln.Config.Config.FromFile("examples/Guide/configs/toy_inherit.py");
        var optimizer = (ConfigDict)((ConfigDict)cfg["optim_wrapper"]!)["optimizer"]!;
        Console.WriteLine($"optimizer: {optimizer["type"]}, lr {optimizer["lr"]}, momentum {optimizer["momentum"]}");
        Console.WriteLine($"train_cfg: {ConfigFormatter.Format(cfg["train_cfg"])}");
        cfg.MergeCfgOptions(["optim_wrapper.optimizer.lr=0.2"]);   // a merge makes new dicts: read it again
        Console.WriteLine($"after --cfg-options: lr {((ConfigDict)((ConfigDict)cfg["optim_wrapper"]!)["optimizer"]!)["lr"]}");
        cfg.Dump("dumped.py");   // the merged config, as MMEngine's cfg.dump
        Console.WriteLine(File.ReadLines("dumped.py").First(l => l.StartsWith("train_cfg", StringComparison.Ordinal)));
        #endregion
    }
}
