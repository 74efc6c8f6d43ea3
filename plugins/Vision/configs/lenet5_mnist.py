# Train LeNet-5 on the bundled MNIST sample for 2 epochs, validating after each.
#   dotnet run --project src/Host -c Release -- train plugins/Vision/configs/lenet5_mnist.py
_base_ = ['_base_/models/lenet5.py', '_base_/datasets/mnist.py']

default_scope = 'vision'

train_cfg = dict(by_epoch=True, max_epochs=2, val_interval=1)
val_cfg = dict()
test_cfg = dict()

optim_wrapper = dict(optimizer=dict(type='SGD', lr=0.01, momentum=0.9))

default_hooks = dict(
    logger=dict(type='LoggerHook', interval=10),
    checkpoint=dict(type='CheckpointHook', interval=1))

randomness = dict(seed=0)
