default_scope = 'guide'
work_dir = 'work_dirs/toy_runner'
model = dict(type='MyToyModel')
train_dataloader = dict(
    dataset=dict(type='MyDataset', size=64, seed=0),
    sampler=dict(type='DefaultSampler', shuffle=True),
    batch_size=16,
    num_workers=0)
val_dataloader = dict(
    dataset=dict(type='MyDataset', size=32, seed=1),
    sampler=dict(type='DefaultSampler', shuffle=False),
    batch_size=16)
val_evaluator = dict(type='MyAccuracy')
train_cfg = dict(by_epoch=True, max_epochs=10, val_interval=5)
val_cfg = dict()
optim_wrapper = dict(optimizer=dict(type='SGD', lr=0.5))
default_hooks = dict(checkpoint=dict(type='CheckpointHook', interval=5))
randomness = dict(seed=0)
