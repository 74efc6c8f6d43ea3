_base_ = ['vision::_base_/models/lenet5.py']
model = dict(num_classes=3)
