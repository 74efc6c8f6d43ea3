model = dict(type='ResNet', depth=50
optimizer = dict(lr=0.1)
