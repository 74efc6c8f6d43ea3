# The bundled 10,000-digit MNIST sample: 8,000 digits to train on, 2,000 held back to validate on.
# data_root is relative to the directory kiln runs in (the repository root in the README's commands).
dataset_type = 'MNIST'
data_root = 'data/mnist'

train_dataloader = dict(
    batch_size=64,
    num_workers=0,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(type=dataset_type, data_root=data_root, test_mode=False))
val_dataloader = dict(
    batch_size=64,
    num_workers=0,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type=dataset_type, data_root=data_root, test_mode=True))
test_dataloader = val_dataloader

val_evaluator = dict(type='metrics.Accuracy', topk=(1, ))
test_evaluator = val_evaluator
