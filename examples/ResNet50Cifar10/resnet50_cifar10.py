# MMEngine's "15 minutes to get started" (ResNet-50 on CIFAR-10) as a config for `kiln train`.
# MMResNet50 and the tutorial's Accuracy live in the examples/ResNet50Cifar10 program, whose build folder is a plugin:
#   dotnet build Host.sln -c Release
#   CIFAR10_ROOT=/path/to/cifar10 dotnet run --project src/Host -c Release -- train \
#       examples/ResNet50Cifar10/resnet50_cifar10.py --plugins examples/ResNet50Cifar10/bin/Release/net10.0
# CIFAR10_ROOT is the folder holding cifar-10-batches-bin/ (the binary version; nothing is downloaded).
default_scope = 'cifar10_tutorial'

data_root = '{{$CIFAR10_ROOT:data/cifar10}}'

model = dict(type='MMResNet50')
work_dir = './work_dir'

# torchvision's ToTensor() (pixels / 255) then Normalize(mean, std), as MMCV's Normalize on 0-255 pixels.
norm_cfg = dict(mean=[0.491 * 255, 0.482 * 255, 0.447 * 255], std=[0.202 * 255, 0.199 * 255, 0.201 * 255], to_rgb=False)

train_dataloader = dict(
    batch_size=32,
    sampler=dict(type='DefaultSampler', shuffle=True),
    collate_fn=dict(type='default_collate'),
    dataset=dict(
        type='CIFAR10',
        _scope_='vision',
        data_root=data_root,
        test_mode=False,
        pipeline=[
            dict(type='RandomCrop', crop_size=32, padding=4),
            dict(type='RandomFlip', prob=0.5, direction='horizontal'),
            dict(type='Normalize', **norm_cfg),
            dict(type='PackInputs'),
        ]))

val_dataloader = dict(
    batch_size=32,
    sampler=dict(type='DefaultSampler', shuffle=False),
    collate_fn=dict(type='default_collate'),
    dataset=dict(
        type='CIFAR10',
        _scope_='vision',
        data_root=data_root,
        test_mode=True,
        pipeline=[
            dict(type='Normalize', **norm_cfg),
            dict(type='PackInputs'),
        ]))

optim_wrapper = dict(optimizer=dict(type='SGD', lr=0.001, momentum=0.9))
train_cfg = dict(by_epoch=True, max_epochs=5, val_interval=1)
val_cfg = dict()
val_evaluator = dict(type='Accuracy')
