# MMEngine's "Train a GAN" tutorial as a config: the tutorial's generator and discriminator, trained on the bundled
# 10,000-digit MNIST sample (both files of data/mnist) with Adam(lr=1e-4, betas=(0.5, 0.999)) for each network.
# GanSampleHook saves an 8x8 grid of generated digits from fixed noise before the first iteration, every 500
# iterations and after the last, to work_dir/<timestamp>/vis_data/vis_image/gan_samples_<iter>.png.
#   dotnet run --project src/Host -c Release -- train plugins/Gan/configs/gan_mnist.py
default_scope = 'gan'

noise_size = 100
img_shape = (1, 28, 28)
data_root = 'data/mnist'  # relative to the directory kiln runs in (the repository root)

model = dict(
    type='GAN',
    noise_size=noise_size,
    generator=dict(type='Generator', noise_size=noise_size, img_shape=img_shape),
    discriminator=dict(type='Discriminator', img_shape=img_shape),
    # pixels 0..255 -> [-1, 1], the range of the generator's tanh
    data_preprocessor=dict(type='vision.ImgDataPreprocessor', mean=[127.5], std=[127.5]))

train_dataloader = dict(
    batch_size=64,
    num_workers=0,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(
        type='ConcatDataset',
        datasets=[
            dict(type='vision.MNIST', data_root=data_root, test_mode=False),
            dict(type='vision.MNIST', data_root=data_root, test_mode=True),
        ]))

train_cfg = dict(by_epoch=True, max_epochs=20)  # the tutorial trains 220 epochs; 20 show digit shapes

# One optimizer wrapper per child module of the model: an OptimWrapperDict with 'generator' and 'discriminator'.
optim_wrapper = dict(
    constructor='MultiOptimWrapperConstructor',
    generator=dict(optimizer=dict(type='Adam', lr=0.0001, betas=(0.5, 0.999))),
    discriminator=dict(optimizer=dict(type='Adam', lr=0.0001, betas=(0.5, 0.999))))

default_hooks = dict(
    logger=dict(type='LoggerHook', interval=50),
    checkpoint=dict(type='CheckpointHook', interval=5))

custom_hooks = [dict(type='GanSampleHook', interval=500, num_samples=64, nrow=8, seed=0)]

randomness = dict(seed=0)

# One libtorch thread: these small layers gain little from two, and on a busy shared 2-core machine two threads
# measured 3.5-4.4 s per iteration against 0.05-0.2 s with one.
env_cfg = dict(num_threads=1)
