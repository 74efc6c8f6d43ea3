# ResNet-18 for 32x32 CIFAR images as mmpretrain's resnet18_cifar.py: the CIFAR stem (3x3 stride-1 conv1, no max
# pooling), global average pooling and a 10-class linear head. The preprocessor normalises 0-255 RGB pixels with
# CIFAR-10's mean and std.
default_scope = 'vision'  # so this file also works on its own, e.g. with kiln analyze model
model = dict(
    type='ImageClassifier',
    backbone=dict(type='ResNet', depth=18, num_classes=0, cifar_stem=True),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(type='LinearClsHead', num_classes=10, in_channels=512),
    data_preprocessor=dict(
        type='ImgDataPreprocessor',
        mean=[125.307, 122.961, 113.8575],
        std=[51.5865, 50.847, 51.255],
        bgr_to_rgb=False))
