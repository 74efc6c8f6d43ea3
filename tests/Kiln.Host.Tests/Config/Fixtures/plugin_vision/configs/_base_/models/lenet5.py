model = dict(type='LeNet5', backbone=dict(type='ConvStack', depth=2), num_classes=10)
loss = dict(cfg=dict(type='CrossEntropyLoss'), weights=[dict(type='W')])
plain = dict(a=1)
scoped = dict(type='Other', _scope_='mmcls')
