_base_ = ['./_base_/schedule_sgd.py']

default_scope = 'guide'
work_dir = 'work_dirs/toy_inherit'
data_size = 64
model = dict(type='MyToyModel')
train_dataloader = dict(
    dataset=dict(type='MyDataset', size=data_size),
    sampler=dict(type='DefaultSampler', shuffle=True),
    batch_size=16)
optim_wrapper = dict(optimizer=dict(lr=0.1))   # merged into the base: type and momentum stay
train_cfg = dict(_delete_=True, by_epoch=False, max_iters=8)   # replaces the base's dict
val_cfg = None
log_processor = dict(by_epoch=False)
randomness = dict(seed={{_base_.train_cfg.max_epochs}})
