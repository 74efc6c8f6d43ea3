using Kiln.Config;
using Kiln.Models.WeightInit;
using Microsoft.Extensions.Logging;
using TorchSharp;
using static TorchSharp.torch;

namespace Kiln.Models;

/// <summary>
/// MMEngine's <c>BaseModule.init_weights</c>, shared by both base classes. Order: 1. the top-level call starts the
/// init-info table; 2. the module's non-Pretrained <c>init_cfg</c> entries; 3. each child's own
/// <c>InitWeights</c> (children's configs win over the parent's); 4. the <c>Pretrained</c> entries last, so loaded
/// weights overwrite everything; 5. the top level logs, for every parameter, the initializer that last changed it.
/// </summary>
internal static class InitWeightsRun
{
    public static void Run(nn.Module self, IBaseModule state, object? initCfgValue)
    {
        var logger = BaseModule.InitLogger;
        using var record = ParamsInitInfo.Current is null ? ParamsInitInfo.Begin(self) : null;
        var table = ParamsInitInfo.Current!;
        string moduleName = self.GetType().Name;
        if (!state.IsInit)
        {
            var pretrained = new List<ConfigDict>();
            if (state.InitCfg is { Count: > 0 } cfgs)
            {
                logger.LogDebug("initialize {Module} with init_cfg {InitCfg}", moduleName, ConfigFormatter.Format(initCfgValue));
                pretrained.AddRange(cfgs.Where(c => c.Type == "Pretrained"));
                WeightInitializers.Initialize(self, cfgs.Where(c => c.Type != "Pretrained"));
            }
            foreach (var child in self.children())
            {
                if (child is IBaseModule sub && !sub.IsInit)
                {
                    sub.InitWeights();
                    ParamsInitInfo.Update(child, $"Initialized by user-defined `init_weights` in {child.GetType().Name} ");
                }
            }
            if (pretrained.Count > 0) WeightInitializers.Initialize(self, pretrained);
            state.IsInit = true;
        }
        else
        {
            logger.LogWarning("init_weights of {Module} has been called more than once.", moduleName);
        }

        if (record is not null)
        {
            // MMEngine's _dump_init_info without a file handler: one info line per parameter.
            foreach (var (name, param) in self.named_parameters())
                logger.LogInformation("{Text}", $"\n{name} - torch.Size([{string.Join(", ", param.shape)}]): \n{table.InfoOf(param)} \n ");
        }
    }
}
