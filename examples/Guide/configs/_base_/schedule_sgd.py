optim_wrapper = dict(optimizer=dict(type='SGD', lr=0.5, momentum=0.9))
train_cfg = dict(by_epoch=True, max_epochs=10, val_interval=5)
val_cfg = dict()
