# MMEngine's Runner tutorial, "Best practice of the Runner - config files": example_config.py.
# Run it (the program registers MyAwesomeModel, MyDataset and Accuracy, loads this file and calls Runner.FromConfig):
#   dotnet run --project examples/MyAwesomeModel -c Release -- --config
# Two differences from the tutorial's file, both Kiln's rules:
# - default_scope: Kiln registers a program's components in a scope of their own ('runner_tutorial'), not in the
#   root registries; the host's DefaultSampler, default_collate, Adam, MultiStepLR and CheckpointHook are found from it.
# - env_cfg: the tutorial writes backend='nccl' directly in env_cfg, where MMEngine never reads it (it reads
#   dist_cfg.backend); Kiln rejects unknown env_cfg keys, so it is written where MMEngine reads it.
default_scope = 'runner_tutorial'

model = dict(type='MyAwesomeModel',
    layers=2,
    activation='relu')
work_dir = 'exp/my_awesome_model'

train_dataloader = dict(
    dataset=dict(type='MyDataset',
        is_train=True,
        size=10000),
    sampler=dict(
        type='DefaultSampler',
        shuffle=True),
    collate_fn=dict(type='default_collate'),
    batch_size=64,
    pin_memory=True,
    num_workers=2)
train_cfg = dict(
    by_epoch=True,
    max_epochs=10,
    val_begin=2,
    val_interval=1)
optim_wrapper = dict(
    optimizer=dict(
        type='Adam',
        lr=0.001))
param_scheduler = dict(
    type='MultiStepLR',
    by_epoch=True,
    milestones=[4, 8],
    gamma=0.1)

val_dataloader = dict(
    dataset=dict(type='MyDataset',
        is_train=False,
        size=1000),
    sampler=dict(
        type='DefaultSampler',
        shuffle=False),
    collate_fn=dict(type='default_collate'),
    batch_size=1000,
    pin_memory=True,
    num_workers=2)
val_cfg = dict()
val_evaluator = dict(type='Accuracy')

default_hooks = dict(
    checkpoint=dict(type='CheckpointHook', interval=1))
launcher = 'none'
env_cfg = dict(
    cudnn_benchmark=False,
    dist_cfg=dict(backend='nccl'),
    mp_cfg=dict(mp_start_method='fork'))
log_level = 'INFO'
load_from = None
resume = False
