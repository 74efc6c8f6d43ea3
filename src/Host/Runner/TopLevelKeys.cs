using Kiln.Config;
using Kiln.Text;
using Microsoft.Extensions.Logging;

namespace Kiln;

/// <summary>
/// The top-level config keys the Runner reads (MMEngine's <c>Runner.from_cfg</c> plus <c>runner_type</c> and
/// <c>custom_imports</c>), and the check of the rest. MMEngine ignores any other key, and real configs rely on that:
/// <c>data_root</c>, <c>train_pipeline</c>, <c>dataset_type</c>, <c>max_epochs</c> … are variables the config uses
/// to build its dicts. Kiln keeps that tolerance, with two exceptions MMEngine lets through silently:
/// <list type="bullet">
/// <item>a key one or two edits away from a Runner key (<c>default_hook</c>, <c>work_dirs</c>) is a typo that would
/// drop a setting: an error naming it and the key meant;</item>
/// <item>an MMCV 1.x key (<c>lr_config</c>, <c>runner</c>, <c>data</c> …) whose MMEngine replacement is absent would
/// train with defaults instead of what the config says: an error naming the replacement. When the replacement is
/// present too (configs mid-migration), the old key is only logged as ignored.</item>
/// </list>
/// </summary>
internal static class TopLevelKeys
{
    public static readonly string[] Runner =
    [
        "model", "work_dir", "experiment_name", "train_dataloader", "val_dataloader", "test_dataloader",
        "train_cfg", "val_cfg", "test_cfg", "auto_scale_lr", "optim_wrapper", "param_scheduler",
        "val_evaluator", "test_evaluator", "default_hooks", "custom_hooks", "data_preprocessor", "load_from",
        "resume", "launcher", "env_cfg", "log_processor", "log_level", "visualizer", "default_scope",
        "randomness", "runner_type", "model_wrapper_cfg", "compile", "cfg", "custom_imports",
        "progress_bar",
    ];

    /// <summary>MMCV 1.x keys and the MMEngine key that replaced each.</summary>
    private static readonly (string Old, string New, string How)[] Legacy =
    [
        ("lr_config", "param_scheduler", "param_scheduler=[dict(type='MultiStepLR', ...)]"),
        ("momentum_config", "param_scheduler", "param_scheduler=[dict(type='CosineAnnealingMomentum', ...)]"),
        ("optimizer_config", "optim_wrapper", "optim_wrapper=dict(optimizer=..., clip_grad=...)"),
        ("optimizer", "optim_wrapper", "optim_wrapper=dict(optimizer=dict(type='SGD', lr=...))"),
        ("runner", "train_cfg", "train_cfg=dict(by_epoch=True, max_epochs=...)"),
        ("total_epochs", "train_cfg", "train_cfg=dict(by_epoch=True, max_epochs=...)"),
        ("workflow", "train_cfg", "train_cfg=dict(val_interval=...)"),
        ("evaluation", "val_evaluator", "val_evaluator=dict(type=...) and train_cfg=dict(val_interval=...)"),
        ("data", "train_dataloader", "train_dataloader=dict(dataset=..., sampler=..., batch_size=...)"),
        ("checkpoint_config", "default_hooks", "default_hooks=dict(checkpoint=dict(type='CheckpointHook', interval=...))"),
        ("log_config", "default_hooks", "default_hooks=dict(logger=dict(type='LoggerHook', interval=...))"),
        ("resume_from", "resume", "load_from='...' with resume=True"),
        ("auto_resume", "resume", "resume=True"),
        ("dist_params", "env_cfg", "env_cfg=dict(dist_cfg=dict(backend=...))"),
    ];

    /// <summary>Throws for a typo of a Runner key or an MMCV 1.x key with no replacement; logs the tolerated rest.</summary>
    public static void Check(ConfigDict cfg, ILogger logger)
    {
        foreach (var key in cfg.Keys)
        {
            if (Runner.Contains(key)) continue;
            if (Array.FindIndex(Legacy, l => l.Old == key) is var i and >= 0)
            {
                var (_, replacement, how) = Legacy[i];
                if (cfg.Get(replacement) is null)
                    throw new KilnException(
                        $"'{key}' is an MMCV 1.x config key, which MMEngine and Kiln ignore, so the run would not use it. " +
                        $"Use '{replacement}' instead: {how}.");
                logger.LogWarning("Config key '{Key}' (MMCV 1.x) is ignored; '{Replacement}' is used.", key, replacement);
                continue;
            }
            var typoOf = Runner.Where(k => k.Length >= 6 && NameSuggester.Distance(key, k) is > 0 and <= 2).ToList();
            if (typoOf.Count > 0)
                throw new KilnException(
                    $"'{key}' is not a key the Runner reads; did you mean {string.Join(" or ", typoOf.Select(k => $"'{k}'"))}? " +
                    "(Other unknown top-level keys are kept as config variables, as in MMEngine.)");
        }
        if (cfg.Get("custom_imports") is not null)
            logger.LogWarning("custom_imports is not run: Kiln does not import Python modules; components come from the plugins loaded from the plugins folders ('kiln plugins list').");
    }
}
