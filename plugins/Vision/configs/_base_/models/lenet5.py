# LeNet-5 for 28x28 grey digits. The preprocessor normalises raw 0-255 pixels with MNIST's mean and std.
model = dict(
    type='LeNet5',
    num_classes=10,
    data_preprocessor=dict(type='ImgDataPreprocessor', mean=[33.33], std=[78.57]))
